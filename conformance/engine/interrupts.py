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

SIGTERM (what CI sends on a timeout or a cancelled job) is taken the same way, where its
default action (the process ends at once, nothing written) would have run: it raises
``Terminated``, a ``KeyboardInterrupt``, so that the run ends as on Ctrl-C, with its report and
every file asked for; the command then exits 143 (128 + 15) as a process SIGTERM ended.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C's ``KeyboardInterrupt`` would be."""


class CtrlC:
    """Whether Ctrl-C was pressed (or SIGTERM received) during the run."""

    def __init__(self) -> None:
        self.pressed = False
        #: the signal was SIGTERM (the last one received, where both came)
        self.terminated = False

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` (``Terminated`` for SIGTERM) if Ctrl-C was pressed (its
        first raise may have been swallowed)."""
        if self.pressed:
            raise Terminated if self.terminated else KeyboardInterrupt


@contextlib.contextmanager
def kept() -> Iterator[CtrlC]:
    """A ``CtrlC`` that records every SIGINT (and SIGTERM) while the block runs."""
    seen = CtrlC()
    if threading.current_thread() is not threading.main_thread():
        yield seen
        return
    # each signal only where Python's own action would have run
    taken = [
        number
        for number, default in (
            (signal.SIGINT, signal.default_int_handler),
            (signal.SIGTERM, signal.SIG_DFL),
        )
        if signal.getsignal(number) is default
    ]
    if not taken:
        yield seen
        return

    def handler(number: int, frame: FrameType | None) -> None:
        seen.pressed = True
        seen.terminated = number == signal.SIGTERM
        raise Terminated if seen.terminated else KeyboardInterrupt

    hook = sys.unraisablehook

    def unraisable(raised: sys.UnraisableHookArgs) -> None:
        if seen.pressed and isinstance(raised.exc_value, KeyboardInterrupt):
            return  # recorded: ``check`` raises it again where it cannot be swallowed
        hook(raised)

    previous = {number: signal.signal(number, handler) for number in taken}
    sys.unraisablehook = unraisable
    try:
        yield seen
    finally:
        for number, before in previous.items():
            signal.signal(number, before)
        sys.unraisablehook = hook


__all__ = ["CtrlC", "Terminated", "kept"]
