"""How long a run waits on a rate-limited target, read on a fake clock (no test here sleeps):
the seconds a -32029 reply asks for within their bounds, the back-off's sequence and its cap,
the pace --rate sets, and replies that only mention -32029 taken for what they are."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from mutants import serve

from conformance.create_sites import run
from conformance.engine import limits, session
from conformance.engine.limits import Pacer, RateLimited
from conformance.engine.settings import Settings
from conformance.server import CreateSitesApp, Response
from conformance.server.rpc import encode


class Clock:
    """``time`` for the runner's waits: ``sleep`` moves ``now`` on at once and is recorded;
    everything else is the real ``time``."""

    def __init__(self) -> None:
        self.now = 1000.0  # monotonic time is seconds since an arbitrary point: not 0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"time.sleep({seconds}) raises ValueError"
        self.sleeps.append(seconds)
        self.now += seconds

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    fake = Clock()
    monkeypatch.setattr(session, "time", fake)
    monkeypatch.setattr(limits, "time", fake)
    yield fake


def _limit_reply(data: dict[str, Any]) -> Response:
    error = {"code": -32029, "message": "Limit exceeded", "data": data}
    return Response(encode({"jsonrpc": "2.0", "id": 1, "error": error}))


class Scripted(CreateSitesApp):
    """The reference server, but the n-th request (counted from 1) gets ``REPLIES[n]`` where
    there is one; the arrival of each request on ``clock`` is recorded."""

    REPLIES: ClassVar[dict[int, Response]] = {}
    clock: ClassVar[Clock | None] = None
    served: ClassVar[list[Scripted]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrivals: list[float] = []
        self.lock = threading.Lock()
        self.served.append(self)

    def handle(self, body: bytes) -> Response:
        with self.lock:
            self.arrivals.append(self.clock.now if self.clock else 0.0)
            scripted = self.REPLIES.get(len(self.arrivals))
        return scripted if scripted is not None else super().handle(body)


def _scripted(replies: dict[int, Response], clock: Clock | None = None) -> type[Scripted]:
    return type("Target", (Scripted,), {"REPLIES": replies, "clock": clock, "served": []})


@pytest.mark.parametrize(
    ("said", "waited"),
    [
        pytest.param(0, 0.0, id="0-is-at-once"),
        pytest.param(2.5, 2.5, id="2.5"),
        pytest.param("3", 3.0, id="a-string-of-seconds"),
        pytest.param(-1, 0.5, id="negative-backs-off"),
        pytest.param("inf", 0.5, id="infinite-backs-off"),
        pytest.param("nan", 0.5, id="nan-backs-off"),
    ],
)
def test_a_limit_reply_is_waited_on_as_long_as_it_says_within_bounds(
    clock: Clock, said: Any, waited: float
) -> None:
    """``data.params.retry_after`` is honoured from 0 s up; a negative, infinite or NaN one is
    no number of seconds to wait: the runner backs off 0.5 s instead (not a crash, not an
    endless wait, not a run stopped at once for passing the bound)."""
    target = _scripted({2: _limit_reply({"params": {"retry_after": said}})})
    with serve(target) as (url, token):
        report = run(url, settings=Settings(token=token, families=("protocol",), max_examples=0))
    assert report.conforms, [f.message for f in report.failures[:3]]
    assert (report.limit_waits, report.limit_waited) == (1, waited)
    assert clock.sleeps == [waited]


class AlwaysLimited(CreateSitesApp):
    """Answers every request -32029, saying nothing of how long to wait."""

    def handle(self, body: bytes) -> Response:
        return _limit_reply({"mnemonic": "limit_exceeded"})


def test_the_back_off_doubles_up_to_8_seconds_then_the_bound_stops_the_run(clock: Clock) -> None:
    """Without a hint, the waits are 0.5, 1, 2, 4 s, then 8 s each (the documented cap); with a
    bound of 40 s the ninth wait would pass it: the run stops with RateLimited, saying how
    long it waited."""
    with serve(AlwaysLimited) as (url, token):
        settings = Settings(token=token, families=("protocol",), max_limit_wait=40.0)
        with pytest.raises(RateLimited, match=r"again after 39\.5 s of waiting .*bound is 40 s"):
            run(url, settings=settings)
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]


def test_rate_spaces_the_requests_evenly(clock: Clock) -> None:
    """--rate 4: the requests reach the target 0.25 s apart on the run's clock, the first at
    once; a Pacer says the seconds it slept."""
    target = _scripted({}, clock)
    with serve(target) as (url, token):
        settings = Settings(token=token, families=("protocol",), max_examples=0, rate=4.0)
        report = run(url, settings=settings)
    assert report.conforms
    arrivals = target.served[0].arrivals
    assert len(arrivals) >= 5 and arrivals[0] == 1000.0
    assert [b - a for a, b in itertools.pairwise(arrivals)] == [0.25] * (len(arrivals) - 1)
    pacer = Pacer(2.0)
    assert [pacer.wait() for _ in range(3)] == [0.0, 0.5, 0.5]


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"-32029" + b"]" * depth


#: Replies holding the bytes -32029 that are no -32029 error: another error's message, a result,
#: a page that is no JSON, JSON nested past Python's recursion limit, and a -32029 reply followed
#: by 16 MiB of blanks (longer than the runner reads: the checks judge it, cut).
MENTIONS = {
    3: Response(
        encode(
            {
                "jsonrpc": "2.0",
                "id": None,
                "error": {"code": -32600, "message": "not -32029 (over the limit)"},
            }
        )
    ),
    4: Response(encode({"jsonrpc": "2.0", "id": 1, "result": -32029})),
    5: Response(b"<p>error -32029: slow down</p>", content_type="text/html"),
    6: Response(_nested(100_000)),
    7: Response(
        json.dumps({"jsonrpc": "2.0", "id": 1, "error": {"code": -32029, "message": "x"}}).encode()
        + b" " * (16 * 1024 * 1024 + 1)
    ),
}


def test_replies_that_only_mention_32029_are_judged_not_waited_on(clock: Clock) -> None:
    """Each reply of ``MENTIONS`` is judged as it is (failures of the rules), never waited on
    and sent again, never a crash."""
    target = _scripted(MENTIONS)
    with serve(target) as (url, token):
        report = run(url, settings=Settings(token=token, families=("protocol",), max_examples=0))
    assert (report.limit_waits, clock.sleeps) == (0, [])
    assert len(target.served[0].arrivals) == report.cases_sent  # none sent again
    assert len({f.case for f in report.failures}) >= len(MENTIONS)
