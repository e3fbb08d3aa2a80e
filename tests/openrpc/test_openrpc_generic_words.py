"""A run over an OpenRPC document speaks of that document and of JSON-RPC 2.0, never of the
bundled create.sites contract: no rule, source, heading or request id names create.sites, its
Data API, its method page, sites or mnemonics; and a result that breaks the result schema is
told by the part of the result that broke it and the keyword (with its schema path)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import Streams, main
from conformance.server import Response, serve_in_thread

#: Words of the bundled contract that a document's run must not use.
# the module's fixture fuzzes a server twice (a second or more here): make test runs these,
# make check does not
pytestmark = pytest.mark.slow

VENDOR_WORDS = re.compile(
    r"create[._]sites|Data API|method page|(?<!create-)\bsites?\b|mnemonic", re.IGNORECASE
)  # the kit's own name, create-sites-conformance, is no word of the contract

DOCUMENT: dict[str, Any] = {
    "openrpc": "1.2.6",
    "info": {"title": "a counter", "version": "1.0.0"},
    "methods": [
        {
            "name": "count",
            "params": [{"name": "step", "required": True, "schema": {"type": "integer"}}],
            "result": {
                "name": "counted",
                "schema": {
                    "type": "object",
                    "properties": {
                        "total": {"type": "integer", "maximum": 10},
                        "history": {"type": "array", "items": {"type": "integer"}},
                    },
                    "required": ["total"],
                },
            },
        },
        {
            "name": "open",
            "params": [],
            "result": {"name": "opened", "schema": {"type": "object"}},
            "x-result-unique": ["id"],
        },
    ],
}


class WrongEverywhere:
    """Answers every request with one reply, labelled text/plain, of the wrong id: for count a
    total past its maximum and a history with a string in it, for open the same id each time."""

    def handle(self, body: bytes) -> Response:
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        method = request.get("method") if isinstance(request, dict) else None
        result = {"id": 1} if method == "open" else {"total": 99, "history": [1, "2"]}
        reply = {"jsonrpc": "2.0", "id": 999, "result": result}
        return Response(json.dumps(reply).encode(), content_type="text/plain")


def _fuzz(url: str, document: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["fuzz", url, "--openrpc", str(document), "--max-examples", "3", *argv],
        Streams(io.BytesIO(), out, err),
    )
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Everything a run over the document writes: text, JSON, GitHub annotations and job
    summary, HTML, JUnit and saved failures (made once for the module's tests)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield _outputs(tmp_path_factory.mktemp("words"), monkeypatch)


def _outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    document = tmp_path / "counter.openrpc.json"
    document.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    summary, html, junit = tmp_path / "summary.md", tmp_path / "r.html", tmp_path / "j.xml"
    kept = tmp_path / "kept"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    with serve_in_thread(WrongEverywhere(), read_timeout=2.0) as url:
        code, text, found = _fuzz(url, document, "--save-failures", str(kept))
        json_code, shown, _ = _fuzz(url, document, "--output", "json", "--no-save-failures")
        github_code, annotations, _ = _fuzz(
            url, document, "--output", "github", "--report-html", str(html),
            "--junitxml", str(junit), "--no-save-failures",
        )  # fmt: skip
    assert code == json_code == github_code == 1, text[-2000:]
    return {
        "text": text,
        "found": found,  # each defect as it is found, on stderr
        "json": shown,
        "github": annotations,
        "summary": summary.read_text(encoding="utf-8"),
        "html": html.read_text(encoding="utf-8"),
        "junit": junit.read_text(encoding="utf-8"),
        # a saved failure's words (its format's own keys name the kit, not the contract)
        "saved": json.dumps(
            [
                {k: saved[k] for k in ("rule_statement", "basis", "found")}
                for saved in (json.loads(p.read_text("utf-8")) for p in kept.rglob("*.json"))
            ]
        ),
    }


def test_a_documents_run_never_speaks_of_create_sites(outputs: dict[str, str]) -> None:
    rules = {f["rule"] for f in json.loads(outputs["json"])["failures"]}
    # the run broke every rule whose words differ between the contracts
    assert {"http-200-json", "reply-id", "result-schema", "distinct-result-ids"} <= rules
    assert {"expected-outcome"} <= rules
    for name, written in outputs.items():
        assert written, name
        found = sorted({m.group(0) for m in VENDOR_WORDS.finditer(written)})
        assert not found, f"{name} speaks of the bundled contract: {found}"
    report = json.loads(outputs["json"])
    sources = {f["rule"]: f["basis"] for f in report["failures"]}
    assert sources["http-200-json"].startswith("HTTP semantics (RFC 9110")
    assert sources["distinct-result-ids"].startswith("the OpenRPC document")
    assert "<h1>OpenRPC conformance report</h1>" in outputs["html"]
    assert outputs["summary"].startswith("## OpenRPC conformance: ")


def test_a_documents_request_ids_are_generic(outputs: dict[str, str]) -> None:
    report = json.loads(outputs["json"])
    sent = {
        found
        for f in report["failures"]
        for found in re.findall(r'"id": "([^"]*)"', f.get("request") or "")
    }
    assert "req-1795701519.17" in sent, sent
    assert not any(str(i).startswith("req_create_sites") for i in sent)


def test_a_result_schema_failure_names_the_part_and_the_keyword(outputs: dict[str, str]) -> None:
    report = json.loads(outputs["json"])
    said = {f["message"] for f in report["failures"] if f["rule"] == "result-schema"}
    assert said, report["rules"]
    message = next(iter(said))
    assert "result.total breaks `maximum` (schema path /properties/total/maximum)" in message
    assert "99 is greater than the maximum of 10" in message and "; 1 more" in message
    unique = {f["message"] for f in report["failures"] if f["rule"] == "distinct-result-ids"}
    assert unique == {"result.id 1 was already given in another reply of this run"}
