"""A Ctrl-C that Python swallows (raised inside a ``__del__`` or a gc callback, where
hypothesis times collections) is still acted on: the run raises it before its next request."""

from __future__ import annotations

import gc
import signal
from collections.abc import Iterator

import pytest
from helpers.signals import AS_A_TERMINAL_LEAVES_SIGINT

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
        signal.raise_signal(signal.SIGINT)  # the KeyboardInterrupt is dropped by Python


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


#: A Ctrl-C landing in a gc callback (where hypothesis times collections) and in a ``__del__``,
#: then an unrelated error in a ``__del__``, inside ``kept()``, in a process of its own (the
#: main thread, Python's own SIGINT handler): what Python prints for them is on stderr.
_SWALLOWED = """
import gc, signal
from conformance.engine.interrupts import kept

landed = []

def callback(phase, info):
    if phase == "start" and not landed:
        landed.append("gc callback")
        signal.raise_signal(signal.SIGINT)

class InterruptedWhileCollected:
    def __del__(self):
        signal.raise_signal(signal.SIGINT)

class Broken:
    def __del__(self):
        raise ValueError("an unrelated error is still printed")

gc.callbacks.append(callback)
with kept() as ctrl_c:
    gc.collect()
    InterruptedWhileCollected()
    for _ in range(2):
        try:
            ctrl_c.check()
        except KeyboardInterrupt:
            print("raised again", landed)
    Broken()
"""


def test_a_swallowed_ctrl_c_prints_no_traceback() -> None:
    """Python writes "Exception ignored ... Traceback ... KeyboardInterrupt" for a Ctrl-C it
    swallows: while a run lasts, nothing is written for it (it is raised again instead); any
    other error Python swallows is written as before."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _SWALLOWED],
        capture_output=True,
        text=True,
        timeout=60,
        **AS_A_TERMINAL_LEAVES_SIGINT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "raised again ['gc callback']\n" * 2
    assert "KeyboardInterrupt" not in done.stderr, done.stderr
    assert "ValueError: an unrelated error is still printed" in done.stderr
