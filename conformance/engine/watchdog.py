"""A watchdog per connection: bounds a whole answer, status line and headers included.

A socket timeout bounds each read, not the answer: a server that trickles its status line and
headers a byte at a time, each byte within the timeout, would hold ``http.client`` (which reads
the head line by line) for as long as it likes. The watchdog is one thread per connection,
armed with a deadline before each request and disarmed after its answer is read; if the
deadline passes first, it shuts the socket down, which ends the blocked read at once.

One long-lived thread rather than a timer per request, and one that is not woken for each
request: arming only sets the deadline (under a lock) while the thread sleeps until an earlier
one; the thread, waking then, finds the request answered or a later deadline and sleeps on. A
wake-up per request (a notify) cost 15-20% of the runner's requests per second on loopback;
this costs a wake-up per timeout period.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class Watchdog:
    """Shuts ``sock`` down when an armed deadline passes; ``fired`` says it did."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._deadline: float | None = None
        self._socket: socket.socket | None = None
        #: each thread serves one generation; ``close`` ends it, the next ``arm`` starts another
        self._generation = 0
        self._running = False
        #: when the thread will look again (``None``: not until notified)
        self._wake_at: float | None = None
        self.fired = False

    def arm(self, sock: socket.socket | None, deadline: float) -> None:
        """Watch ``sock`` until ``deadline`` (``time.monotonic`` seconds)."""
        with self._condition:
            self._socket, self._deadline, self.fired = sock, deadline, False
            if not self._running:
                self._running = True
                threading.Thread(
                    target=self._watch,
                    args=(self._generation,),
                    name="conformance-watchdog",
                    daemon=True,
                ).start()
            elif self._wake_at is None or deadline < self._wake_at:
                self._condition.notify()

    def disarm(self) -> None:
        """The answer is read (or given up): stop watching."""
        with self._condition:
            self._socket, self._deadline = None, None

    def close(self) -> None:
        """Stop the thread (the connection is closed); the next ``arm`` starts one again."""
        with self._condition:
            self._socket, self._deadline = None, None
            self._generation += 1
            self._running = False
            self._wake_at = None
            self._condition.notify_all()

    def _watch(self, generation: int) -> None:
        with self._condition:
            while generation == self._generation:
                if self._deadline is None:
                    self._wake_at = None
                    self._condition.wait()
                    continue
                remaining = self._deadline - time.monotonic()
                if remaining > 0:
                    self._wake_at = self._deadline
                    self._condition.wait(remaining)
                    continue
                if self._socket is not None:
                    self.fired = True
                    # closed already (OSError): the request has ended on its own
                    with contextlib.suppress(OSError):
                        self._socket.shutdown(socket.SHUT_RDWR)
                self._socket, self._deadline = None, None


__all__ = ["Watchdog"]
