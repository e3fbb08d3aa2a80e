"""How a document's run judges what a method answers to a request its schemas accept: an
application's error (listed or not) is the method's own answer, but never one of JSON-RPC 2.0's
own codes (they say the request was broken, and it was not) nor another of its reserved range;
a result holding an escaped lone surrogate is judged by its shape, as a reader that replaces it
sees it (RFC 8259 §8.2 leaves it open)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import fuzz
from simple_math_server import SimpleMath

from conformance.server import serve_in_thread


def _document(errors: list[dict[str, Any]], result: dict[str, Any]) -> dict[str, Any]:
    integer = {"type": "integer"}
    return {
        "openrpc": "1.2.6",
        "info": {"title": "replies", "version": "1.0.0"},
        "methods": [
            {
                "name": "addition",
                "params": [{"name": "a", "schema": integer}, {"name": "b", "schema": integer}],
                "result": {"name": "result", "schema": result},
                "errors": errors,
            }
        ],
    }


class _Answering(SimpleMath):
    """simple-math, answering every addition it accepts with ``answer`` (an error object, or a
    result given as raw JSON text)."""

    def __init__(self, answer: dict[str, Any] | str) -> None:
        super().__init__()
        self.given = answer

    def answer(self, request: Any) -> bytes:
        plain = super().answer(request)
        if b'"result"' not in plain:
            return plain
        rid = json.dumps(request["id"])
        if isinstance(self.given, str):
            return f'{{"jsonrpc": "2.0", "id": {rid}, "result": {self.given}}}'.encode()
        return f'{{"jsonrpc": "2.0", "id": {rid}, "error": {json.dumps(self.given)}}}'.encode()


def _valid_family(app: Any, document: dict[str, Any], folder: Path) -> list[dict[str, Any]]:
    path = folder / "replies.json"
    path.write_text(json.dumps(document), "utf-8")
    with serve_in_thread(app, read_timeout=2.0) as url:
        code, out, err = fuzz(
            url, "--openrpc", str(path), "--family", "valid", "--max-examples", "5",
            "--output", "json", "--no-save-failures",
        )  # fmt: skip
    assert code in (0, 1), err
    failures: list[dict[str, Any]] = json.loads(out)["failures"]
    return failures


@pytest.mark.parametrize("code", [-32700, -32600, -32601, -32602, -32603])
def test_a_protocol_code_is_never_a_methods_own_error(code: int, tmp_path: Path) -> None:
    """The document lists the code among the method's errors; the answer still says a valid
    request was broken, which JSON-RPC 2.0 keeps its codes for."""
    listed = [{"code": code, "message": "listed"}, {"code": 4001, "message": "not found"}]
    failures = _valid_family(
        _Answering({"code": code, "message": "no"}),
        _document(listed, {"type": "integer"}),
        tmp_path,
    )
    assert failures, code
    assert all(f["rule"] == "expected-outcome" for f in failures), failures
    assert all("expected success or an application error" in f["message"] for f in failures)


def test_a_listed_application_error_is_the_methods_answer(tmp_path: Path) -> None:
    """The same run with the document's own code: counted, not judged."""
    listed = [{"code": 4001, "message": "not found"}]
    document = _document(listed, {"type": "integer"})
    assert _valid_family(_Answering({"code": 4001, "message": "no"}), document, tmp_path) == []


@pytest.mark.parametrize(
    ("code", "fails"),
    [(1, False), (-32000, False), (-32099, False), (-32100, True), (-32768, True), (-32769, False)],
)
def test_an_unlisted_code_is_an_application_error_unless_json_rpc_reserves_it(
    code: int, fails: bool, tmp_path: Path
) -> None:
    """Not in the document's list: a server error (-32000 to -32099) or a code outside the
    range JSON-RPC 2.0 reserves (1, as lotus answers a block it does not have; -32769) is the
    application's answer, counted, not judged: OpenRPC's ``errors`` are those a method MAY
    return. A code of the reserved range but the server errors (-32100 to -32768) no
    application may take: it fails."""
    document = _document([{"code": 4001, "message": "not found"}], {"type": "integer"})
    failures = _valid_family(_Answering({"code": code, "message": "no"}), document, tmp_path)
    assert bool(failures) is fails, failures
    assert all(f["rule"] == "expected-outcome" for f in failures), failures


def test_a_lone_surrogate_in_an_array_result_is_judged_by_its_shape(tmp_path: Path) -> None:
    """``["\\ud800"]`` is an array of one string to a reader that replaces the surrogate; ``[1]``
    is not: only the second fails the result's schema."""
    strings = {"type": "array", "items": {"type": "string", "maxLength": 3}}
    document = _document([], strings)
    assert _valid_family(_Answering('["a\\ud800"]'), document, tmp_path) == []
    failures = _valid_family(_Answering("[1]"), document, tmp_path)
    assert failures and {f["rule"] for f in failures} == {"result-schema"}, failures
