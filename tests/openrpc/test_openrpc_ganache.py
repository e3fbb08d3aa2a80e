"""The runner against ganache 7.9.2 (npm, pinned in tools/ganache; a real Ethereum JSON-RPC
server) with the Ethereum execution API's document (``documents/ethereum``): every failure
belongs to one of the root causes docs/ganache.md explains, each a defect of ganache (its
source named there) or of the document, and each is seen. A finding outside them fails the
test: it is a new defect of ganache, or a false alarm of the kit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.ganache import serve_ganache

from conformance.engine.results import Failure, Report
from conformance.engine.settings import Settings
from conformance.openrpc.contract import run_document
from conformance.openrpc.document import load

ETHEREUM = Path(__file__).resolve().parent / "documents" / "ethereum" / "openrpc.json"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "ganache.md"

#: Each root cause, by the words that head its row in docs/ganache.md's table.
CAUSES = {
    "params-by-position-only": "params by name are refused.",
    "error-code-32700": "every error is -32700.",
    "method-missing": "methods the document describes, ganache lacks.",
    "envelope-unchecked": "the Request object is not checked.",
    "parse-error-as-http-400": "parse errors as HTTP 400 text.",
    "not-utf8-decoded": "a body that is not UTF-8 is served.",
    "notification-answered": "notifications are answered.",
    "empty-batch-as-empty-array": "an empty batch is answered `[]`.",
    "falsy-id-as-null": 'ids 0 and "" become null.',
    "params-unchecked": "params are not checked against the method's schema.",
    "error-without-message": "an EVM error without `message`.",
    "document-oneof-overlap": "the document's own schema refuses `[]`",
}
#: Causes a seed may not show: the EVM error comes from some drawn transfers only.
SOMETIMES = {"error-without-message"}

#: A method of each kind: no params, params by position, a transaction object, a filter, a
#: result whose schema the empty list breaks, a trace, one ganache lacks. The whole document
#: (86 methods, about 10,700 cases at --max-examples 5, 40 s) shows the same causes.
METHODS = (
    "eth_chainId",
    "eth_getBalance",
    "eth_call",
    "eth_getLogs",
    "eth_newFilter",
    "eth_uninstallFilter",
    "eth_sendRawTransaction",
    "debug_traceTransaction",
    "eth_blobBaseFee",
)

SETTINGS = Settings(token="unused", max_examples=5, seed=1, timeout=5.0)  # no param is x-secret

#: the protocol cases that break the Request object (JSON-RPC 2.0 §4)
_ENVELOPE = {
    "jsonrpc-wrong",
    "jsonrpc-number",
    "jsonrpc-missing",
    "id-boolean",
    "id-array",
    "id-object",
    "method-missing",
    "method-not-string",
    "non-object-string",
    "non-object-integer",
    "non-object-boolean",
    "params-string",
}
#: the methods whose result is the document's FilterResults: a oneOf of two arrays
_FILTER_RESULTS = {"eth_getLogs", "eth_getFilterChanges", "eth_getFilterLogs"}


def root_cause(failure: Failure) -> str | None:
    """The root cause of docs/ganache.md a failure shows, or None for one it does not list."""
    label, rule, message = failure.label, failure.rule, failure.message
    if rule == "param-structure":
        return "params-by-position-only"
    if label in {"not-json", "not-json-text", "empty-body"} or (
        label.endswith(":non-finite") and rule in {"http-200-json", "body-parses"}
    ):
        return "parse-error-as-http-400"
    if label == "not-utf8":
        return "not-utf8-decoded"
    if label == "batch-empty" and rule == "reply-shape":
        return "empty-batch-as-empty-array"
    if rule == "reply-shape" and message.startswith("error.message is missing"):
        return "error-without-message"
    if label == "notification" and rule in {"expected-outcome", "reply-id"}:
        return "notification-answered"
    if label in _ENVELOPE and rule in {"expected-outcome", "reply-id"}:
        return "envelope-unchecked"
    if label in {"id-zero", "id-empty-string"} and rule == "reply-id":
        return "falsy-id-as-null"
    empty = rule == "result-schema" and json.loads(failure.reply_body).get("result") == []
    if empty and failure.method in _FILTER_RESULTS:
        return "document-oneof-overlap"
    if rule != "expected-outcome":
        return None
    if f'"The method {failure.method} does not exist/is not available"' in message:
        return "method-missing"
    if "got error -32700" in message:
        return "error-code-32700"
    served = "expected an error, got result" in message or "got error -32000" in message
    if served and (failure.family == "invalid" or label == "params-missing"):
        return "params-unchecked"
    return None


def test_each_root_cause_has_its_row_in_the_docs() -> None:
    lines = DOCS.read_text(encoding="utf-8").splitlines()
    rows = [line for line in lines if line.startswith("| **")]
    heads = [row[4 : row.index("**", 4)] for row in rows]
    assert sorted(heads) == sorted(CAUSES.values())


@pytest.mark.slow
def test_every_finding_on_ganache_has_a_root_cause_the_docs_explain() -> None:
    """The document as written: it gives no paramStructure ("either"), ganache takes params by
    position only, and the run finds so once, for every method where it can tell."""
    document = load(ETHEREUM)
    with serve_ganache(guard_null=True) as url:
        report: Report = run_document(url, document, settings=SETTINGS, methods=METHODS)
    assert report.stopped is None and report.cases_sent > 900
    causes: dict[str | None, list[str]] = {}
    for failure in report.failures:
        causes.setdefault(root_cause(failure), []).append(f"{failure.test_id} {failure.rule}")
    assert None not in causes, causes.get(None, [])[:5]
    # one finding, on the first method, naming the others; their cases then went by position
    (structure,) = [f for f in report.failures if f.rule == "param-structure"]
    assert structure.test_id == "eth_getBalance::test_param_structure[by-name]"
    assert "so did 3 more methods (eth_getLogs, eth_uninstallFilter, eth_sendRawTransaction)" in (
        structure.message
    )
    assert set(CAUSES) - SOMETIMES <= set(causes) <= set(CAUSES)
    # a valid request ganache answers with an error in -32000..-32099 is counted, not judged
    assert report.application_errors


@pytest.mark.slow
def test_a_null_body_kills_stock_ganache_and_the_run_says_so_once() -> None:
    """Without the launcher's guard, a body of ``null`` kills ganache (a TypeError in its
    Connector.handle, uncaught): the run names that request once and stops."""
    document = load(ETHEREUM)
    with serve_ganache(guard_null=False) as url:
        report = run_document(url, document, settings=SETTINGS, methods=["eth_chainId"])
    last = report.failures[-1]
    assert (last.label, last.rule) == ("non-object-null", "target-survives")
    assert report.stopped is not None
    assert "(eth_chainId::test_protocol[non-object-null])" in report.stopped
