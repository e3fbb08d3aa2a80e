"""What the proxy says: each violation as it happens (text, or one JSON object a line), judged
off the reply's path by a thread of its own (``Recorder``); at the end the session's reports
(``conformance.traffic.reports``, named by ``origin``). The judging, the masking and the tally
are ``conformance.traffic``'s, shared with ``validate --traffic`` and the Dask recipe.
"""

from __future__ import annotations

import queue
import threading
from typing import IO, Final

from conformance.engine.checks import RunState
from conformance.proxy.server import Observed
from conformance.traffic.contracts import TrafficContract
from conformance.traffic.reports import Origin, violation_line
from conformance.traffic.tally import Judge, Tally

#: What the proxy's reports name the command.
TOOL: Final = "conformance proxy"


def origin(contract: str, upstream: str) -> Origin:
    """How the proxy's reports say where the traffic came from."""
    return Origin(
        TOOL, contract, f"between the clients and {upstream}", "forwarded", "proxy",
        {"upstream": upstream},
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
    ) -> None:
        self.contract = contract
        self.state = state
        self.stream = stream
        self.output = output
        self.judging = Judge(contract, state, token=token, show_secrets=show_secrets)
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[tuple[int, Observed] | None] = queue.SimpleQueue()
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
        self._queue.put((number, observed))

    def close(self) -> None:
        """Judge every exchange queued, then stop judging (the reports are written after)."""
        self._queue.put(None)
        self._worker.join()

    def _judge_queued(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                self.judge(*item)
            except Exception as error:  # a judge's bug must not stop the judging of the rest
                self.stream.write(
                    f"conformance proxy: exchange {item[0]} could not be judged: "
                    f"{type(error).__name__}: {error}\n"
                )

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
