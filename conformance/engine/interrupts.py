"""A Ctrl-C that is never lost.

Python raises ``KeyboardInterrupt`` wherever the main thread is when SIGINT arrives. Inside a
garbage-collector callback or a ``__del__`` method (hypothesis registers a gc callback to time
collections), the exception is printed as "Exception ignored in ..." and dropped, and the run
goes on as if no key had been pressed: a user presses Ctrl-C and the fuzzer keeps sending for
minutes. So, while a run lasts, the SIGINT handler also records the key, and the runner raises
it again before its next request (``CtrlC.check``); and the swallowed one is not printed: the
"Exception ignored ... Traceback ... KeyboardInterrupt" Python writes for it would show a user a
traceback on Ctrl-C (the unraisable hook drops a ``KeyboardInterrupt`` this handler raised and
passes anything else on).

The handler is put in place only where Python's own would have run (the main thread, the
default handler): a host that handles SIGINT itself (a server, pytest-xdist's workers, which
ignore it) keeps its own.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType


class CtrlC:
    """Whether Ctrl-C was pressed during the run."""

    def __init__(self) -> None:
        self.pressed = False

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` if Ctrl-C was pressed (its first raise may have been
        swallowed)."""
        if self.pressed:
            raise KeyboardInterrupt


@contextlib.contextmanager
def kept() -> Iterator[CtrlC]:
    """A ``CtrlC`` that records every SIGINT while the block runs."""
    seen = CtrlC()
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield seen
        return

    def handler(number: int, frame: FrameType | None) -> None:
        seen.pressed = True
        raise KeyboardInterrupt

    hook = sys.unraisablehook

    def unraisable(raised: sys.UnraisableHookArgs) -> None:
        if seen.pressed and isinstance(raised.exc_value, KeyboardInterrupt):
            return  # recorded: ``check`` raises it again where it cannot be swallowed
        hook(raised)

    previous = signal.signal(signal.SIGINT, handler)
    sys.unraisablehook = unraisable
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = hook


__all__ = ["CtrlC", "kept"]
