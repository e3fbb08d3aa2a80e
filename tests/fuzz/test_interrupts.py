"""A Ctrl-C that Python swallows (raised inside a ``__del__`` or a gc callback, where
hypothesis times collections) is still acted on: the run raises it before its next request."""

from __future__ import annotations

import gc
import signal
from collections.abc import Iterator

import pytest

from conformance.engine.interrupts import kept


@pytest.fixture
def default_sigint() -> Iterator[None]:
    """Python's own SIGINT handler for the test (pytest-xdist's workers ignore SIGINT)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _InterruptedWhileCollected:
    def __del__(self) -> None:
        signal.raise_signal(signal.SIGINT)  # the KeyboardInterrupt is printed and dropped


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_swallowed_ctrl_c_is_raised_again(default_sigint: None) -> None:
    with kept() as ctrl_c:
        _InterruptedWhileCollected()  # collected at once: its __del__ runs here
        gc.collect()
        assert ctrl_c.pressed
        with pytest.raises(KeyboardInterrupt):
            ctrl_c.check()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


def test_a_ctrl_c_outside_a_del_is_raised_at_once(default_sigint: None) -> None:
    with pytest.raises(KeyboardInterrupt), kept():
        signal.raise_signal(signal.SIGINT)


def test_a_host_that_handles_sigint_keeps_its_handler() -> None:
    def host(number: int, frame: object) -> None:
        pass

    previous = signal.signal(signal.SIGINT, host)
    try:
        with kept() as ctrl_c:
            assert signal.getsignal(signal.SIGINT) is host
            signal.raise_signal(signal.SIGINT)
            assert not ctrl_c.pressed
            ctrl_c.check()  # nothing to raise
    finally:
        signal.signal(signal.SIGINT, previous)
