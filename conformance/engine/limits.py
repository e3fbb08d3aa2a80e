"""Rate limits of real targets: a pace for the requests sent, and -32029 as "slow down".

The live API and stand-ins for it count calls (points per minute and per day) and answer
-32029 ``limit_exceeded`` past the limit. Such a reply says nothing about the rule under test:
the runner waits (``Retry-After``, else what ``error.data.params`` or ``error.data.metadata``
say, else backing off) and sends the same request again. The waiting is bounded in total
(``Settings.max_limit_wait``): past it the run stops with ``RateLimited``, a setup error
(exit 2), never a failure of a rule and never an endless loop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any, Final

from conformance.engine.setup import SetupFailed
from conformance.engine.transport import Answer
from conformance.errors import PayloadError
from conformance.validation.payloads import loads

#: The error code of a reply over the target's limit (the vendor's ``limit_exceeded``).
LIMIT_EXCEEDED_CODE: Final = -32029

#: Backing off where the reply says nothing: 0.5 s, doubled each time, at most 8 s.
FIRST_BACKOFF: Final = 0.5
MAX_BACKOFF: Final = 8.0

#: Members of ``error.data.params`` (and of ``metadata.limits``) that say how long to wait,
#: in seconds, first found first.
WAIT_MEMBERS: Final = ("retry_after", "minute_reset", "reset")


class RateLimited(SetupFailed):
    """The target kept answering -32029 past the run's bound on waiting."""


def limit_exceeded(answer: Answer) -> Mapping[str, Any] | None:
    """The ``error`` of a -32029 reply, or ``None`` for any other answer."""
    # parsed only where the code can be in it: most answers are not limits, and a hostile
    # body (JSON nested 10,000 deep) is the checks' to judge, not this
    if answer.status is None or answer.truncated or b"-32029" not in answer.body:
        return None
    try:
        reply = loads(answer.body)  # depth-checked: a reply nested deep is no limit
    except PayloadError:
        return None
    error = reply.get("error") if isinstance(reply, dict) else None
    if not isinstance(error, dict) or error.get("code") != LIMIT_EXCEEDED_CODE:
        return None
    return error


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds < float("inf") else None


def wait_for(answer: Answer, error: Mapping[str, Any], attempt: int) -> float:
    """How long to wait before sending again: ``Retry-After`` (seconds), else the reply's
    ``data.params`` or ``data.metadata.limits``, else ``FIRST_BACKOFF`` doubled per
    ``attempt`` (0 for the first), at most ``MAX_BACKOFF``."""
    header = _seconds(answer.headers.get("retry-after"))
    if header is not None:
        return header
    data = error.get("data")
    data = data if isinstance(data, dict) else {}
    params = data.get("params")
    metadata = data.get("metadata")
    limits = metadata.get("limits") if isinstance(metadata, dict) else None
    for holder in (params, limits):
        if isinstance(holder, dict):
            for name in WAIT_MEMBERS:
                seconds = _seconds(holder.get(name))
                if seconds is not None:
                    return seconds
    return float(min(FIRST_BACKOFF * 2**attempt, MAX_BACKOFF))


class Pacer:
    """At most ``rate`` requests a second (``None``: no limit): ``wait()`` before each send.

    Shared by the threads of one session; a lock orders the send times."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else None
        self._next = float("-inf")  # the first send is due at once
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Sleep until the next send is due; the seconds slept."""
        if self.interval is None:
            return 0.0
        with self._lock:
            now = time.monotonic()
            due = max(self._next, now)
            self._next = due + self.interval
        pause = due - now  # never negative: due is now at the earliest
        if pause:
            time.sleep(pause)
        return pause


__all__ = [
    "FIRST_BACKOFF",
    "LIMIT_EXCEEDED_CODE",
    "MAX_BACKOFF",
    "Pacer",
    "RateLimited",
    "limit_exceeded",
    "wait_for",
]
