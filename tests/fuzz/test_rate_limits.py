"""Rate limits of real targets: --rate paces the requests, a -32029 limit_exceeded reply is
waited on and sent again (counted in the report, never a failure), and waiting is bounded."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from mutants import serve

from conformance.create_sites import run
from conformance.engine.limits import FIRST_BACKOFF, MAX_BACKOFF, Pacer, RateLimited, wait_for
from conformance.engine.settings import Settings
from conformance.engine.transport import Answer
from conformance.server import CreateSitesApp, Response
from conformance.server.rpc import encode


def _limit_reply(params: dict[str, Any] | None = None) -> Response:
    data: dict[str, Any] = {"mnemonic": "limit_exceeded"}
    if params is not None:
        data["params"] = params
    error = {"code": -32029, "message": "Limit exceeded", "data": data}
    return Response(encode({"jsonrpc": "2.0", "id": 1, "error": error}))


class EveryThirdLimited(CreateSitesApp):
    """Answers every third request -32029, saying to wait 10 ms."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls = 0
        self.lock = threading.Lock()

    def handle(self, body: bytes) -> Response:
        with self.lock:
            self.calls += 1
            limited = self.calls % 3 == 0
        return _limit_reply({"retry_after": 0.01}) if limited else super().handle(body)


class AlwaysLimited(CreateSitesApp):
    """Answers every request -32029, saying nothing of how long to wait."""

    def handle(self, body: bytes) -> Response:
        return _limit_reply()


def test_limit_exceeded_is_waited_on_and_counted() -> None:
    """A target limiting every third call conforms: each -32029 is waited on and resent, and
    the report counts the waits."""
    with serve(EveryThirdLimited) as (url, token):
        settings = Settings(token=token, families=("protocol",), max_examples=0)
        report = run(url, settings=settings)
    assert report.conforms, [f.message for f in report.failures[:3]]
    assert report.limit_waits >= report.cases_sent // 3 > 0
    assert report.limit_waited == pytest.approx(0.01 * report.limit_waits)


def test_waiting_is_bounded() -> None:
    """A target that always answers -32029: the run stops with RateLimited once the bound on
    waiting would be passed, after backing off, not looping."""
    with serve(AlwaysLimited) as (url, token):
        settings = Settings(token=token, families=("protocol",), max_limit_wait=1.0)
        started = time.monotonic()
        with pytest.raises(RateLimited, match=r"limit_exceeded .* lower --rate"):
            run(url, settings=settings)
    # 0.5 s waited, then 1 s more would pass the bound of 1 s
    assert time.monotonic() - started < 1.5


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_rate_paces_the_requests() -> None:
    """--rate 40: the protocol family's cases go out no faster than 40 a second."""
    with serve() as (url, token):
        report = run(url, settings=Settings(token=token, families=("protocol",), rate=40.0))
    assert report.conforms
    assert report.elapsed >= (report.cases_sent - 1) / 40


def test_wait_for_reads_the_reply() -> None:
    """Retry-After first, then data.params, then metadata.limits, else doubling back-off."""

    def answer(headers: dict[str, str] | None = None) -> Answer:
        return Answer(200, headers or {}, b"", 0.0)

    error: dict[str, Any] = {"code": -32029, "data": {"params": {"retry_after": 3}}}
    assert wait_for(answer({"retry-after": "2"}), error, 0) == 2.0
    assert wait_for(answer(), error, 0) == 3.0
    metadata = {"data": {"metadata": {"limits": {"minute_reset": 7}}}}
    assert wait_for(answer(), metadata, 0) == 7.0
    assert wait_for(answer(), {"data": {"params": {"retry_after": "soon"}}}, 1) == FIRST_BACKOFF * 2
    assert wait_for(answer(), {}, 30) == MAX_BACKOFF


def test_pacer_without_a_rate_never_waits() -> None:
    """No --rate: no pause at all."""
    pacer = Pacer(None)
    assert [pacer.wait() for _ in range(3)] == [0.0, 0.0, 0.0]


def test_a_rate_that_is_no_number_of_requests_is_refused() -> None:
    """--rate 0 or a negative rate is an ArgumentError naming the option."""
    with pytest.raises(ValueError, match="--rate must be a number of requests per second"):
        Settings(token="t", rate=0)
