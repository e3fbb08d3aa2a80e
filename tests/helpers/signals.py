"""Children that take Ctrl-C as a terminal's user would send it.

A process started with SIGINT ignored (a background job of a shell without job control does
so, as a CI script's ``make test &`` would) passes the ignore on to its children across exec,
and Python then leaves SIGINT ignored: ``conformance fuzz`` rightly honours that (a job started
to ignore Ctrl-C), so a test of what Ctrl-C does would prove nothing there. A test that sends
SIGINT starts its child with SIGINT as a terminal leaves it: the default action, which Python
turns into KeyboardInterrupt.
"""

from __future__ import annotations

import signal
from typing import Any

__all__ = ["AS_A_TERMINAL_LEAVES_SIGINT"]


def _sigint_default() -> None:  # runs in the child between fork and exec
    signal.signal(signal.SIGINT, signal.SIG_DFL)


#: ``subprocess.Popen``/``run`` keywords for such a child.
AS_A_TERMINAL_LEAVES_SIGINT: dict[str, Any] = {"preexec_fn": _sigint_default}
