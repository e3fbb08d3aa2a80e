"""What the text, JSON and JUnit reports of ``conformance fuzz`` show of a failure, where a
test elsewhere does not look: the characters XML 1.0 cannot carry in a JUnit report, the cut of
a long reply body, the lines a report adds only where they are due."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from helpers.cli import fuzz as _fuzz
from mutants import MUTANTS, serve

from conformance.create_sites import Settings, run
from conformance.reporting.formats import to_json, to_junit, to_text
from conformance.server import CreateSitesApp, Response

#: A reply body of every class of character around XML 1.0's bounds: a control character
#: (escaped), the space and a tab (kept), the last character before the surrogates, the first
#: of the private use area, U+FFFD (kept), the two noncharacters U+FFFE and U+FFFF (escaped),
#: the first character past the BMP (kept).
EDGES = "a\x1fb c\td\ud7ffe\ue000f\ufffdg\ufffeh\uffffi\U00010000j"
#: The same as a JUnit report must show it.
EDGES_SHOWN = "a\\x1fb c\td\ud7ffe\ue000f\ufffdg\\xfffeh\\xffffi\U00010000j"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


class _Answers(CreateSitesApp):
    """Answers a request for another method than create.sites with a body that is no JSON
    (the run's checks of the target's setup ask for create.sites)."""

    body = EDGES

    def handle(self, body: bytes) -> Any:
        response = super().handle(body)
        if b'"method_not_found"' in response.body:
            return Response(self.body.encode("utf-8"), 200, "text/plain; charset=utf-8")
        return response


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_junit_escapes_what_xml_cannot_carry_and_keeps_the_rest() -> None:
    """A reply of characters at each of XML 1.0's bounds: the JUnit report parses, and each
    failure's text shows the body with exactly the characters XML cannot carry escaped."""
    with serve(_Answers) as (url, token):
        code, _, _ = _fuzz(
            url, "--token", token, "--max-examples", "0", "--no-save-failures",
            "--junitxml", "junit.xml",
        )  # fmt: skip
    assert code == 1
    suite = ElementTree.parse("junit.xml").getroot()
    texts = [failure.text or "" for failure in suite.iter("failure")]
    assert texts and all(f"\n           {EDGES_SHOWN}\n" in text for text in texts)


class _SizedAnswers(CreateSitesApp):
    """Answers a request for another method with a body of ``x`` characters, no JSON: 2,000
    for an unknown method, 2,001 for create.sites in another letter case."""

    def handle(self, body: bytes) -> Any:
        response = super().handle(body)
        if b'"method_not_found"' in response.body:
            method = json.loads(body)["method"]
            size = 2001 if method.lower() == "create.sites" else 2000
            return Response(b"x" * size, 200, "text/plain; charset=utf-8")
        return response


def test_the_text_report_cuts_a_reply_body_past_2000_characters() -> None:
    """A body of 2,000 characters shown whole; one of 2,001 cut to 2,000, with its size;
    the reply's status and headers before it."""
    with serve(_SizedAnswers) as (url, token):
        code, out, _ = _fuzz(url, "--token", token, "--max-examples", "0", "--no-save-failures")
    assert code == 1
    assert (
        "\n  reply:   HTTP 200, content-type: text/plain; charset=utf-8, content-length: 2000\n"
        in out
    )
    bodies = re.findall(r"(?m)^ {11}(x+.*)$", out)
    assert "x" * 2000 in bodies
    assert "x" * 2000 + "… (2001 bytes)" in bodies


class _LongResults(CreateSitesApp):
    """Answers a request for another method with a result string of 1,500 characters."""

    def handle(self, body: bytes) -> Any:
        response = super().handle(body)
        if b'"method_not_found"' in response.body:
            sent = json.loads(body)
            reply = {"jsonrpc": "2.0", "id": sent["id"], "result": "x" * 1500}
            return Response(json.dumps(reply).encode())
        return response


def test_junit_cuts_a_failures_and_a_known_tests_message_at_1000_characters() -> None:
    """The ``message`` of a failure (every rule it broke, with what each found) and of a known
    test skipped as pytest writes an xfail (its entry's reason): at most 1,000 characters, the
    whole text's beginning."""
    reason = "SITES-9: " + "y" * 1500
    Path("known.toml").write_text(
        "[[known]]\nrule = 'expected-outcome'\ntest_id = 'test_protocol[method-case]'\n"
        f"reason = '{reason}'\n\n"
        "[[known]]\nrule = 'reply-schema'\ntest_id = 'test_protocol[method-case]'\n",
        "utf-8",
    )
    with serve(_LongResults) as (url, token):
        code, _, _ = _fuzz(
            url, "--token", token, "--max-examples", "0", "--no-save-failures",
            "--baseline", "known.toml", "--junitxml", "junit.xml",
        )  # fmt: skip
    assert code == 1
    cases = {case.get("name"): case for case in ElementTree.parse("junit.xml").getroot()}
    failed = cases["test_protocol[method-unknown]"].find("failure")
    assert failed is not None
    message = failed.get("message") or ""
    assert len(message) == 1000 and message.endswith("x" * 500)
    assert message.startswith("reply-schema: `result` must be an object; got string")
    assert '; expected-outcome: expected an error, got result "xxx' in message
    skipped = cases["test_protocol[method-case]"].find("skipped")
    assert skipped is not None
    known = "known failure expected-outcome: test_protocol[method-case] (baseline): " + reason
    assert skipped.get("message") == known[:1000]


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_the_json_report_is_indented_by_two_and_keeps_non_ascii() -> None:
    """``--output json``: two spaces a level, a non-ASCII character of a reply as it is."""
    class_ = type("_Accented", (_Answers,), {"body": "café"})
    with serve(class_) as (url, token):
        code, out, _ = _fuzz(
            url, "--token", token, "--max-examples", "0", "--no-save-failures", "--output", "json",
        )  # fmt: skip
    assert code == 1
    assert out.splitlines()[:2] == ["{", f'  "target": "{url}",']
    assert '"body": "café"' in out


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_the_report_functions_mask_the_token_unless_told_to_show_it() -> None:
    """``to_text``, ``to_json`` and ``to_junit`` called as a library user calls them, without
    ``show_secrets``: the token is ``***`` where they quote it; shown only when asked."""
    with serve(MUTANTS["any-method-creates"].app) as (url, token):
        report = run(url, settings=Settings(token=token, max_examples=0))
    assert report.failures
    for render in (to_text, to_json, to_junit):
        shown = render(report)
        assert token not in shown
        assert "***" in shown
        assert token in render(report, show_secrets=True)
