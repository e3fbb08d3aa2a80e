"""Verdicts of ``conformance fuzz URL --openrpc FILE`` a user would feel: a draft-07 document's
``$ref`` is read as draft-07 reads it (its siblings ignored), and a method that answers
``null`` where its result schema wants an integer fails."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from simple_math_server import SimpleMath

from conformance.cli import Streams, main
from conformance.server import serve_in_thread


def _document(a_schema: dict[str, Any]) -> dict[str, Any]:
    """simple-math's addition and subtraction (integers a and b, an integer result); ``a``'s
    schema as given. No ``$schema``: draft-07, as OpenRPC says."""
    integer = {"name": "result", "schema": {"type": "integer"}}
    params = [{"name": "a", "schema": a_schema}, {"name": "b", "schema": {"type": "integer"}}]
    return {
        "openrpc": "1.2.6",
        "info": {"title": "simple math", "version": "1.0.0"},
        "methods": [
            {"name": name, "params": params, "result": integer}
            for name in ("addition", "subtraction")
        ],
        "components": {"schemas": {"Integer": {"type": "integer"}}},
    }


def _fuzz(app: Any, document: dict[str, Any], folder: Path, *argv: str) -> tuple[int, Any]:
    path = folder / "simple-math.json"
    path.write_text(json.dumps(document), "utf-8")
    out, err = io.StringIO(), io.StringIO()
    with serve_in_thread(app, read_timeout=2.0) as url:
        code = main(
            ["fuzz", url, "--openrpc", str(path), "--max-examples", "10", "--output", "json",
             "--no-save-failures", *argv],
            Streams(io.BytesIO(), out, err),
        )  # fmt: skip
    assert code in (0, 1), err.getvalue()
    return code, json.loads(out.getvalue())


def _failures(report: Any) -> list[tuple[str, str]]:
    """(rule, test id) of every failure the JSON report holds, wherever it nests them."""
    if isinstance(report, list):
        return [found for item in report for found in _failures(item)]
    if not isinstance(report, dict):
        return []
    here = [(report["rule"], report["test_id"])] if {"rule", "test_id"} <= set(report) else []
    return here + [found for value in report.values() for found in _failures(value)]


def test_a_draft_07_ref_ignores_its_siblings(tmp_path: Path) -> None:
    """``{"$ref": Integer, "maximum": 3}`` in a draft-07 document is any integer (draft-07
    ignores a ``$ref``'s siblings): a server taking a = 4 conforms. In a 2020-12 document the
    bound counts, and the same server fails on a above 3."""
    sibling = {"$ref": "#/components/schemas/Integer", "maximum": 3}
    code, report = _fuzz(SimpleMath(), _document(sibling), tmp_path)
    assert (code, _failures(report)) == (0, [])
    modern = {**_document(sibling), "$schema": "https://json-schema.org/draft/2020-12/schema"}
    code, report = _fuzz(SimpleMath(), modern, tmp_path, "--method", "addition")
    assert code == 1
    assert ("expected-outcome", "addition::test_invalid_rejected[a:maximum]") in _failures(report)


class NullSubtraction(SimpleMath):
    """Answers subtraction with ``"result": null``."""

    def answer(self, request: Any) -> bytes:
        reply = json.loads(super().answer(request))
        if (
            isinstance(request, dict)
            and request.get("method") == "subtraction"
            and "result" in reply
        ):
            reply["result"] = None
        return json.dumps(reply).encode()


def test_a_null_result_where_an_integer_is_required_fails(tmp_path: Path) -> None:
    code, report = _fuzz(NullSubtraction(), _document({"type": "integer"}), tmp_path)
    assert code == 1
    failures = _failures(report)
    assert failures and {rule for rule, _ in failures} == {"result-schema"}
    assert all(test_id.startswith("subtraction::") for _, test_id in failures)
