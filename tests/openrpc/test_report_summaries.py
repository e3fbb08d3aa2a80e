"""The summary lines of the text, JSON and JUnit reports, each read as a user reads it: a line
per method with its verdict, the figures (time, rate, waits), the lines shown only where they
are due, a long list of tests cut with its count, the characters XML 1.0 carries, and a
failure as pytest shows it (its hint, and the one line its command needs)."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any
from xml.etree import ElementTree

import pytest
from helpers.targets import CUSTOMER_TOKEN, served
from simple_math_server import SimpleMath

from conformance.create_sites import run
from conformance.engine.results import Report
from conformance.engine.settings import Settings
from conformance.openrpc.contract import run_document
from conformance.openrpc.document import parse
from conformance.reporting.formats import (
    failure_text,
    setup_line,
    to_json,
    to_junit,
    to_text,
    xml_safe,
)
from conformance.server import CreateSitesApp, serve_in_thread

_INTEGER = {"type": "integer"}

#: simple-math, as @open-rpc/examples writes it, written out here (no npm needed)
SIMPLE_MATH: dict[str, Any] = {
    "openrpc": "1.2.6",
    "info": {"title": "simple-math", "version": "1.0.0"},
    "methods": [
        {
            "name": name,
            "params": [
                {"name": "a", "schema": _INTEGER},
                {"name": "b", "schema": _INTEGER},
            ],
            "result": {"name": "c", "schema": _INTEGER},
        }
        for name in ("addition", "subtraction")
    ],
}


@pytest.fixture(scope="module")
def two_methods() -> Report:
    """A run of simple-math against a server whose subtraction answers a string."""
    settings = Settings(token="unused-token", max_examples=5, seed=1)
    with serve_in_thread(SimpleMath(wrong_result=True), read_timeout=2.0) as url:
        return run_document(url, parse(SIMPLE_MATH), settings=settings)


@pytest.fixture(scope="module")
def bundled() -> Report:
    """A run of create.sites against the reference server (the deterministic families)."""
    with served(CreateSitesApp) as url:
        return run(url, settings=Settings(token=CUSTOMER_TOKEN, max_examples=0))


def test_each_method_has_its_line_its_verdict_and_its_json_entry(two_methods: Report) -> None:
    text = to_text(two_methods)
    addition = two_methods.methods["addition"]
    assert f"== addition: {addition.cases_sent} cases (" in text
    assert re.search(r"^== addition: .*\): conforms$", text, re.M), text[-2000:]
    failed = two_methods.methods["subtraction"].failures
    assert failed > 1
    assert re.search(rf"^== subtraction: .*\): {failed} failures$", text, re.M)
    methods = {m["method"]: m for m in json.loads(to_json(two_methods))["methods"]}
    assert methods["addition"]["conforms"] is True
    assert methods["subtraction"]["conforms"] is False
    assert methods["subtraction"]["failures"] == failed


def test_junit_names_a_documents_tests_by_method_and_the_bundled_ones_by_test(
    two_methods: Report, bundled: Report
) -> None:
    document = ElementTree.fromstring(to_junit(two_methods))
    classes = {case.get("classname") for case in document.iter("testcase")}
    assert classes == {"openrpc.addition", "openrpc.subtraction"}
    junit = to_junit(bundled)
    assert junit.startswith("<?xml version='1.0' encoding='utf-8'?>\n<testsuite")
    classes = {case.get("classname") for case in ElementTree.fromstring(junit).iter("testcase")}
    assert "conformance.test_protocol" in classes and "conformance.test_valid_accepted" not in (
        classes  # max_examples 0: the valid family did not run
    )


def test_the_figures_are_the_runs_each_rounded_as_said(bundled: Report) -> None:
    report = dataclasses.replace(bundled, elapsed=2.0, limit_waits=0, valid_failures={})
    text = to_text(report)
    rate = round(report.cases_sent / 2.0)
    assert f" in 2.0 s ({rate} cases/s; " in text
    assert "rate limited:" not in text and "valid requests that failed" not in text
    report = dataclasses.replace(
        bundled,
        elapsed=1.23456,
        limit_waits=2,
        limit_waited=0.98765,
        valid_failures={"expected-outcome at industry_id": 3},
    )
    text = to_text(report)
    assert "rate limited: 2 -32029 replies waited on (1.0 s) and sent again" in text
    assert "valid requests that failed: expected-outcome at industry_id 3" in text
    shown = json.loads(to_json(report))
    assert shown["elapsed"] == 1.235
    assert shown["rate_limited"] == {"waits": 2, "seconds": 0.988}
    assert ElementTree.fromstring(to_junit(report)).get("time") == "1.235"


def test_a_reason_with_more_than_four_tests_names_four_and_counts_the_rest(
    bundled: Report,
) -> None:
    five = {f"test_protocol[t{n}]": "the kit's decision: five of them" for n in range(5)}
    four = {f"test_protocol[u{n}]": "no source decides: four of them" for n in range(4)}
    lines = to_text(dataclasses.replace(bundled, not_judged={**five, **four})).splitlines()
    # a decision is said by what it decides (the heading says --strict judges them)
    assert (
        "  five of them [test_protocol[t0], test_protocol[t1], test_protocol[t2], "
        "test_protocol[t3] and 1 more]"
    ) in lines
    assert (
        "  no source decides: four of them [test_protocol[u0], test_protocol[u1], "
        "test_protocol[u2], test_protocol[u3]]"
    ) in lines


def _xml_char(code: int) -> bool:
    """XML 1.0's Char production (§2.2), written from the specification."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


@pytest.mark.parametrize(
    "code",
    [0x8, 0x9, 0xA, 0xB, 0xD, 0xE, 0x1F, 0x20, 0xD7FF, 0xD800, 0xDFFF, 0xE000, 0xFFFD, 0xFFFE,
     0xFFFF, 0x10000, 0x10FFFF],
)  # fmt: skip
def test_xml_safe_keeps_each_character_xml_carries_and_escapes_the_others(code: int) -> None:
    char = chr(code)
    shown = xml_safe(f"a{char}b")
    assert shown == (f"a{char}b" if _xml_char(code) else f"a\\x{code:02x}b")
    if _xml_char(code) and code not in (0xD,):  # a parser reads CR as LF
        assert ElementTree.fromstring(f"<t>{shown}</t>").text == f"a{char}b"


@pytest.fixture(scope="module")
def refused() -> Report:
    """A run of create.sites whose failures sent the token (every valid request refused)."""
    with served(_RefusesDomains) as url:
        return run(url, settings=Settings(token=CUSTOMER_TOKEN, max_examples=0))


def test_every_form_masks_the_token_unless_asked_not_to(refused: Report) -> None:
    """The functions a library user calls show no token by default."""
    assert refused.failures
    for form in (to_text, to_json, to_junit):
        assert CUSTOMER_TOKEN not in form(refused), form.__name__
        assert CUSTOMER_TOKEN in form(refused, show_secrets=True), form.__name__
    line = setup_line(refused.failures, (), CUSTOMER_TOKEN)
    assert line is not None and CUSTOMER_TOKEN not in line and "'***'" in line


def test_a_failure_as_pytest_shows_it_has_its_hint_and_the_line_its_command_needs(
    bundled: Report, refused: Report
) -> None:
    failure = refused.failures[0]
    hinted = dataclasses.replace(failure, hint="check --revision")
    shown = failure_text(hinted, CUSTOMER_TOKEN)
    assert f"({hinted.hint})" in shown
    assert "\n  first:   export CONFORMANCE_TARGET_TOKEN='***'" in shown
    assert CUSTOMER_TOKEN not in shown
    junit = ElementTree.fromstring(to_junit(dataclasses.replace(bundled, failures=[hinted])))
    (element,) = junit.iter("failure")
    assert f"  found:   {hinted.message} (check --revision)" in (element.text or "")
    without = dataclasses.replace(hinted, body=b"null", shown=None, before=())
    assert "first:" not in failure_text(without, CUSTOMER_TOKEN)


class _RefusesDomains(CreateSitesApp):
    """Refuses every valid request as if its domain were taken: a failure that sent the token."""

    def handle(self, body: bytes) -> Any:
        response = super().handle(body)
        if b'"result"' in response.body:
            reply = json.loads(response.body)
            error = {"code": -32602, "message": "taken", "data": {"mnemonic": "x"}}
            return dataclasses.replace(
                response,
                body=json.dumps({"jsonrpc": "2.0", "id": reply["id"], "error": error}).encode(),
            )
        return response
