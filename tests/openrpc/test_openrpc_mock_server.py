"""The runner against ``@open-rpc/mock-server`` 1.7.8 (npm, a third-party JSON-RPC server)
serving two ``@open-rpc/examples`` documents: the run completes, and what it finds is exactly
the findings the README explains (section "@open-rpc/mock-server")."""

from __future__ import annotations

import pytest
from helpers.openrpc_tools import example_document
from openrpc_mock_server import serve_mock

from conformance.engine.results import Report
from conformance.engine.settings import Settings
from conformance.openrpc.contract import run_document
from conformance.openrpc.document import load


def _non_finite(member: str) -> set[tuple[str, str]]:
    """A bare NaN or Infinity in ``member`` (the id or a param): body-parser's HTML 400 too."""
    return {(f"test_robust[{member}:non-finite]", r) for r in ("http-200-json", "body-parses")}


#: Each finding of the README's table, as the (test, rule) pairs that show it.
FINDINGS: dict[str, set[tuple[str, str]]] = {
    # body-parser answers a body that is not a JSON object or array with an HTML 400 page
    "not-json-as-html": {
        (f"test_protocol[{case}]", rule)
        for case in (
            "not-json",
            "not-json-text",
            "non-object-string",
            "non-object-integer",
            "non-object-null",
            "non-object-boolean",
        )
        for rule in ("http-200-json", "body-parses")
    }
    | _non_finite("id"),
    # an empty body becomes {}: "Method not found" with no id member at all
    "empty-body": {
        ("test_protocol[empty-body]", "expected-outcome"),
        ("test_protocol[empty-body]", "reply-id"),
    },
    # the Request object is never checked: jsonrpc, id and method as they come (a fractional
    # id is not judged: JSON-RPC 2.0 only advises clients against it)
    "envelope-unchecked": {
        ("test_protocol[jsonrpc-wrong]", "expected-outcome"),
        ("test_protocol[jsonrpc-number]", "expected-outcome"),
        ("test_protocol[jsonrpc-missing]", "expected-outcome"),
        ("test_protocol[not-utf8]", "expected-outcome"),
        ("test_protocol[not-utf8]", "reply-id"),
        ("test_protocol[method-missing]", "expected-outcome"),
        ("test_protocol[method-not-string]", "expected-outcome"),
        *{
            (f"test_protocol[id-{kind}]", rule)
            for kind in ("boolean", "array", "object")
            for rule in ("expected-outcome", "reply-id")
        },
    },
    "notification-answered": {
        ("test_protocol[notification]", "expected-outcome"),
        ("test_protocol[notification]", "reply-id"),
    },
    "empty-batch-as-empty-array": {("test_protocol[batch-empty]", "reply-shape")},
    "params-string": {("test_protocol[params-string]", "expected-outcome")},
    # (ids past 2^53 echoed rounded, as JavaScript reads every number as a double: RFC 8259
    # calls them not interoperable, so only --strict judges the exact echo)
    # a by-name method served params by position: paramStructure is not read
    "param-structure-ignored": {("test_protocol[params-array]", "expected-outcome")},
}

SETTINGS = Settings(token="t", max_examples=0, seed=1, timeout=5.0)


def _run(name: str) -> Report:
    document = load(example_document(name))
    with serve_mock(example_document(name)) as url:
        return run_document(url, document, settings=SETTINGS)


def _found(report: Report) -> list[tuple[str, str, str]]:
    return [(f.method, f.test_id.partition("::")[2], f.rule) for f in report.failures]


@pytest.mark.slow
def test_simple_math_on_the_mock_shows_the_explained_findings() -> None:
    report = _run("simple-math")
    assert list(report.methods) == ["addition", "subtraction"]
    found = {(test, rule) for _, test, rule in _found(report)}
    expected = set().union(*(v for k, v in FINDINGS.items() if k != "param-structure-ignored"))
    expected |= _non_finite("a")  # simple-math's first integer param
    assert found == expected
    assert report.cases_sent > 90


@pytest.mark.slow
def test_a_by_name_petstore_on_the_mock_is_killed_by_a_request_without_params() -> None:
    """get_pet requires petId: a request with no params kills the mock (a TypeError in
    @open-rpc/schema-utils-js): it goes unanswered and the mock refuses every connection after
    it, so it is reported under target-survives and the run stops there, saying so once (every
    case after it was an answer-in-time failure)."""
    report = _run("params-by-name-petstore")
    found = _found(report)
    assert found[-1] == ("get_pet", "test_protocol[params-missing]", "target-survives")
    # the killing request may be an answer-in-time failure too (on a loaded machine the mock
    # can take one more connection while it dies), and the next request then finds it dead
    dead = next(i for i, (_, test, _) in enumerate(found) if test.endswith("[params-missing]"))
    assert {rule for _, _, rule in found[dead:]} <= {"answer-in-time", "target-survives"}
    assert "answer-in-time" not in {rule for _, _, rule in found[:dead]}
    assert report.stopped is not None
    assert report.stopped.startswith("the target stopped answering at case")
    assert "(get_pet::test_protocol[params-missing])" in report.stopped
    assert "is reported under target-survives" in report.stopped
    before = {(test, rule) for _, test, rule in found[:dead]}
    assert before <= set().union(*FINDINGS.values()) | _non_finite("limit")
    assert FINDINGS["param-structure-ignored"] <= before
    assert FINDINGS["envelope-unchecked"] <= before and FINDINGS["not-json-as-html"] <= before
