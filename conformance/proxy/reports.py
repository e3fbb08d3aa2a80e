"""What the proxy says: each violation as it happens (text, or one JSON object a line), judged
off the reply's path by a thread of its own (``Recorder``); at the end the session's reports
(``conformance.traffic.reports``, named by ``origin``). The judging, the masking and the tally
are ``conformance.traffic``'s, shared with ``validate --traffic`` and the Dask recipe.
"""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Final

from conformance.engine.checks import RunState
from conformance.proxy.server import Observed
from conformance.traffic.contracts import TrafficContract
from conformance.traffic.reports import Origin, violation_line
from conformance.traffic.tally import Judge, Tally

if TYPE_CHECKING:
    from conformance.proxy.recording import HarLog

#: What the proxy's reports name the command.
TOOL: Final = "conformance proxy"


def origin(contract: str, upstream: str, profile: str | None = None) -> Origin:
    """How the proxy's reports say where the traffic came from (``profile``: what judged an
    OpenRPC document)."""
    return Origin(
        TOOL, contract, f"between the clients and {upstream}", "forwarded", "proxy",
        {"upstream": upstream}, profile,
    )  # fmt: skip


class Recorder:
    """Judges each exchange the proxy forwards, prints each violation as it is found and keeps
    the tally the reports are written from. Safe to call from every connection's thread."""

    def __init__(
        self,
        contract: TrafficContract,
        state: RunState,
        stream: IO[str],
        *,
        output: str = "text",
        token: str | None = None,
        show_secrets: bool = False,
        log: HarLog | None = None,
    ) -> None:
        self.contract = contract
        #: where every exchange is written (``--record``), on the judging thread
        self.log = log
        self.state = state
        self.stream = stream
        self.output = output
        self.judging = Judge(contract, state, token=token, show_secrets=show_secrets)
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[tuple[int, Observed, datetime] | None] = queue.SimpleQueue()
        self._worker = threading.Thread(target=self._judge_queued, name="proxy-judge", daemon=True)
        self._worker.start()

    @property
    def tally(self) -> Tally:
        return self.judging.tally

    def observe(self, observed: Observed) -> None:
        """Number one exchange and queue it for judging: the connection's thread goes back to
        its client at once (the judging is off every reply's path)."""
        with self._lock:
            self.tally.exchanges += 1
            number = self.tally.exchanges
        self._queue.put((number, observed, datetime.now(UTC)))

    def close(self) -> None:
        """Judge every exchange queued, then stop judging (the reports are written after); the
        log ends whole."""
        self._queue.put(None)
        self._worker.join()
        if self.log is not None:
            self._logged(self.log.close)

    def _judge_queued(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            number, observed, ended = item
            if self.log is not None:
                self._logged(functools.partial(self.log.add, observed, ended))
            try:
                self.judge(number, observed)
            except Exception as error:  # a judge's bug must not stop the judging of the rest
                self.stream.write(
                    f"conformance proxy: exchange {item[0]} could not be judged: "
                    f"{type(error).__name__}: {error}\n"
                )

    def _logged(self, write: Callable[[], None]) -> None:
        """Write to the log; a log that cannot be written is said once and stopped, the
        judging goes on."""
        try:
            write()
        except OSError as error:
            assert self.log is not None
            self.stream.write(
                f"conformance proxy: cannot write {self.log.writer.path}: "
                f"{error.strerror or error}; the log stops here\n"
            )
            self.log = None

    def judge(self, number: int, observed: Observed) -> None:
        """Judge one exchange (a POST: every other method is forwarded, counted, not judged)."""
        if observed.method != "POST":
            return
        # one thread judges, and touches no count ``observe`` does: no lock is held here
        found = self.judging.judge(
            number,
            observed.request_headers,
            observed.request_body,
            observed.status,
            observed.reply_headers,
            observed.reply_body,
        )
        for violation in found:
            self.stream.write(violation_line(violation, self.output) + "\n")
            self.stream.flush()


__all__ = ["TOOL", "Recorder", "origin"]
