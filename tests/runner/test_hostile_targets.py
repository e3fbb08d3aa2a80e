"""The runner against targets that answer in hostile ways: it never crashes or hangs, and it
says under which rule each answer fails."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from runner_helpers import CUSTOMER_TOKEN, served

from conformance.runner import Settings, run
from conformance.server import CreateSitesApp, Response, serve_in_thread

FAST = Settings(token=CUSTOMER_TOKEN, families=("protocol", "invalid"), max_examples=0)

ERROR = {"code": -32602, "message": "bad", "data": {"mnemonic": "data_type_error"}}


def _json(value: object) -> Callable[[bytes], Response]:
    body = json.dumps(value).encode()
    return lambda _: Response(body)


class _Fixed:
    """Answers every request with what ``answer(body)`` gives."""

    def __init__(self, answer: Callable[[bytes], Response]) -> None:
        self.answer = answer

    def handle(self, body: bytes) -> Response:
        return self.answer(body)


HOSTILE: dict[str, tuple[Callable[[bytes], Response], str]] = {
    "an array to every request": (
        _json([{"jsonrpc": "2.0", "id": None, "error": ERROR}]),
        "expected-outcome",
    ),
    "a mnemonic that is an array": (
        _json({"jsonrpc": "2.0", "id": None, "error": {**ERROR, "data": {"mnemonic": []}}}),
        "expected-outcome",
    ),
    "a mnemonic that is an object": (
        _json({"jsonrpc": "2.0", "id": 1, "error": {**ERROR, "data": {"mnemonic": {}}}}),
        "expected-outcome",
    ),
    "an error that is an array": (
        _json({"jsonrpc": "2.0", "id": 1, "error": [1]}),
        "reply-schema",
    ),
    "invalid UTF-8": (lambda _: Response(b'{"jsonrpc": "2.0\xff"}'), "body-parses"),
    "JSON nested 10,000 deep": (lambda _: Response(b"[" * 10_000 + b"]" * 10_000), "body-parses"),
    "an HTML page": (
        lambda _: Response(b"<html>oops</html>", content_type="text/html"),
        "http-200-json",
    ),
    "an empty body": (lambda _: Response(b""), "body-parses"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_answers_are_failures_not_crashes(name: str) -> None:
    """Every hostile answer ends as a reported failure of the rule it breaks."""
    answer, rule = HOSTILE[name]
    with serve_in_thread(_Fixed(answer)) as url:
        report = run(url, settings=FAST)
    assert not report.conforms
    assert rule in {failure.rule for failure in report.failures}


class EmptyArrayToBatches(CreateSitesApp):
    """Answers every batch with an empty array."""

    def handle(self, body: bytes) -> Response:
        if body.lstrip().startswith(b"["):
            return Response(b"[]")
        return super().handle(body)


def test_an_empty_array_is_no_reply_to_a_batch() -> None:
    """An empty array answering a batch breaks reply-schema (JSON-RPC 2.0 never sends one)."""
    with served(EmptyArrayToBatches) as url:
        report = run(url, settings=Settings(token=CUSTOMER_TOKEN, families=("protocol",)))
    failed = {(f.rule, f.case) for f in report.failures}
    assert failed == {("reply-schema", "batch"), ("reply-schema", "batch-empty")}
