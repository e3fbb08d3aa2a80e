"""A target that echoes the token it is sent, in a reply header and in its error messages: no
file a CI keeps (saved failures, the baseline, the HTML report, the job summary) nor anything
printed holds it, and each shows ``***`` where the target put it.

The other token assertions of the suite run against targets that never echo the token, so
they pass whether or not anything is scrubbed; each assertion here first finds the echo (the
masked form where the token stood), so that it fails when the scrubbing is gone.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import run as _run
from helpers.targets import served_with_token
from mutants import serve

from conformance.server import CreateSitesApp, Response

#: What the target answers an invalid request with in place of -32600: the token in the text.
ECHO_MESSAGE = "token {} is refused"


class TokenEcho(CreateSitesApp):
    """The reference server, but the token it was sent is echoed in the Content-Type header of
    every reply, and an invalid request (-32600) is answered -32602 with the token in the
    message: a defect of the protocol family whose every report quotes the token."""

    def handle(self, body: bytes) -> Response:
        response = super().handle(body)
        try:
            token = json.loads(body)["params"]["access_token"]
        except (ValueError, TypeError, KeyError):
            return response
        if not isinstance(token, str) or not token.isascii() or "\n" in token:
            return response
        reply = json.loads(response.body) if response.body else None
        if isinstance(reply, dict) and reply.get("error", {}).get("code") == -32600:
            reply["error"] = {"code": -32602, "message": ECHO_MESSAGE.format(token)}
            body = json.dumps(reply).encode()
        else:
            body = response.body
        return Response(body, response.status, f"application/json; echo={token}", response.close)


class _Run:
    """One run of ``conformance fuzz`` against ``TokenEcho`` writing every file a CI keeps."""

    def __init__(self, folder: Path, token: str, code: int, out: str, err: str) -> None:
        self.folder, self.token, self.code, self.out, self.err = folder, token, code, out, err
        self.saved = folder / "failures"
        self.summary = folder / "summary.md"
        self.html = folder / "report.html"
        self.baseline = folder / "baseline.toml"
        self.junit = folder / "report.xml"

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text("utf-8")) for p in sorted(self.saved.glob("*.json"))]


@pytest.fixture(scope="module")
def echoed(tmp_path_factory: pytest.TempPathFactory) -> _Run:
    folder = tmp_path_factory.mktemp("echo")
    with pytest.MonkeyPatch.context() as patch, serve(TokenEcho) as (url, token):
        patch.setenv("GITHUB_STEP_SUMMARY", str(folder / "summary.md"))
        patch.delenv("CONFORMANCE_TARGET_TOKEN", raising=False)
        code, out, err = _run(
            "fuzz", url, "--token", token, "--max-examples", "0", "--output", "github",
            "--save-failures", str(folder / "failures"),
            "--report-html", str(folder / "report.html"), "--junitxml", str(folder / "report.xml"),
        )  # fmt: skip
        # the baseline from a second run: --baseline-update writes it, quoting each failure
        _run(
            "fuzz", url, "--token", token, "--max-examples", "0", "--no-save-failures",
            "--baseline", str(folder / "baseline.toml"), "--baseline-update",
        )  # fmt: skip
    return _Run(folder, token, code, out, err)


def test_the_run_fails_on_the_echoing_defect(echoed: _Run) -> None:
    assert echoed.code == 1, echoed.err
    assert echoed.records(), "no failure saved"


def test_saved_failures_hold_the_echo_masked_in_the_headers_the_reply_and_the_message(
    echoed: _Run,
) -> None:
    """Every saved failure (a CI artefact) shows the echoed header as ``echo=***``, the reply's
    message and the check's message with ``***``; no file holds the token anywhere."""
    records = echoed.records()
    for record in records:
        text = json.dumps(record)
        assert echoed.token not in text, record["test_id"]
        assert record["reply"]["headers"]["content-type"] == "application/json; echo=***"
    refused = [r for r in records if r["rule"] == "expected-outcome"]
    assert refused
    for record in refused:
        assert ECHO_MESSAGE.format("***") in record["found"]
        assert json.loads(record["reply"]["text"])["error"]["message"] == ECHO_MESSAGE.format("***")
        # the request's token member holds the placeholder a replay fills in
        assert record["request"]["json"]["params"]["access_token"] == "***"


def test_the_job_summary_and_the_annotations_show_the_echo_masked(echoed: _Run) -> None:
    """$GITHUB_STEP_SUMMARY is public on the run's page: the failure it quotes shows ``***``."""
    summary = echoed.summary.read_text("utf-8")
    assert "| expected-outcome | `test_protocol[jsonrpc-wrong]` |" in summary
    assert ECHO_MESSAGE.format("***") in summary
    assert echoed.token not in summary
    annotations = [line for line in echoed.out.splitlines() if line.startswith("::error ")]
    assert any(ECHO_MESSAGE.format("***") in line for line in annotations)
    assert echoed.token not in echoed.out + echoed.err


def test_the_html_report_and_junit_show_the_echo_masked(echoed: _Run) -> None:
    html = echoed.html.read_text("utf-8")
    assert ECHO_MESSAGE.format("***") in html and "echo=***" in html
    assert echoed.token not in html
    junit = echoed.junit.read_text("utf-8")
    assert ECHO_MESSAGE.format("***") in junit
    assert echoed.token not in junit


class _Sections(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.defects: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and "failure" in (found.get("class") or "").split():
            self.defects[str(found["data-defect"])] += int(str(found["data-failures"]))


def test_the_html_report_shows_every_defect_once_with_its_count(echoed: _Run) -> None:
    """The HTML report shows each defect (rule, test, member) once in full, with the number
    of its failures: every failing test of a run with many failures has its section."""
    from conformance.engine.results import defect_of
    from conformance.reporting.saved import from_record

    failures = [from_record(r).failure for r in echoed.records()]
    saved = Counter(defect_of(f).text for f in failures)
    assert len(saved) > 3  # many defects, each its own section
    sections = _Sections()
    sections.feed(echoed.html.read_text("utf-8"))
    assert sections.defects == saved


def test_the_baseline_quotes_the_failures_with_the_echo_masked(echoed: _Run) -> None:
    """--baseline-update writes each failure's message as the entry's reason: ``***`` there."""
    text = echoed.baseline.read_text("utf-8")
    reasons = [entry["reason"] for entry in tomllib.loads(text)["known"]]
    assert any(ECHO_MESSAGE.format("***") in reason for reason in reasons), reasons
    assert echoed.token not in text


def test_a_replay_on_the_echoing_target_shows_the_echo_masked(echoed: _Run) -> None:
    """``conformance replay`` prints what it saw again: the echo as ``***``."""
    with serve(TokenEcho) as (url, token):
        code, out, err = _run("replay", str(echoed.saved), "--url", url, "--token", token)
    assert code == 1, err
    assert "FAILED expected-outcome test_protocol[jsonrpc-wrong]" in out
    assert ECHO_MESSAGE.format("***") in out
    assert token not in out + err


#: A token with characters each quoting writes its own way: JSON escapes ``ö`` (or not), the
#: quote and the backslash; a raw echo of it breaks the reply's string literal open.
ODD_TOKEN = 'Zq8W-tök"en\\5x'
#: The credential of the Authorization header the run sends, echoed bare by the target.
CREDENTIAL = "cred3ntialXYZ"
#: Where the target cuts its body: inside the token after 3 and 4 characters (a beginning of 4
#: or more is masked, a shorter one is no more a secret than any few characters), and one
#: byte before its end.
CUTS = (3, 4, -1)


class BodyEcho(CreateSitesApp):
    """Answers every invalid request (-32600) with a body that is not JSON: the token in each
    form quoting writes it (JSON ASCII-escaped, JSON, raw), the header credential bare, an empty
    string, and the body cut inside the token (the cut written before it)."""

    calls = 0

    def handle(self, body: bytes) -> Response:
        response = super().handle(body)
        reply = json.loads(response.body) if response.body else None
        if not (isinstance(reply, dict) and reply.get("error", {}).get("code") == -32600):
            return response
        raw = ODD_TOKEN.encode()
        cut = CUTS[BodyEcho.calls % len(CUTS)]
        BodyEcho.calls += 1
        cut = len(raw) + cut if cut < 0 else cut
        forms = [json.dumps(ODD_TOKEN)[1:-1], json.dumps(ODD_TOKEN, ensure_ascii=False)[1:-1]]
        message = f"token {forms[0]} or {forms[1]} or {ODD_TOKEN} auth {CREDENTIAL}"
        # the empty string first: the raw token's quote breaks the string literals after it
        text = f'{{"note": "", "error": {{"code": -32602, "message": "{message}", "cut": {cut}, '
        return Response(text.encode() + b'"tail": "' + raw[:cut])


#: What each echo must read as, in the text report and in the saved failures.
MASKED_MESSAGE = (
    '{"note": "", "error": {"code": -32602, "message": "token *** or *** or *** auth ***"'
)


def _tails(text: str) -> dict[int, str]:
    return {int(cut): tail for cut, tail in re.findall(r'"cut": (\d+), "tail": "(.*)$', text, re.M)}


def test_a_body_that_is_not_json_shows_every_form_of_the_token_masked(tmp_path: Path) -> None:
    """A target whose error body is not JSON and quotes the token raw, JSON-escaped and cut off,
    and the Authorization credential bare (sent after another header, a secret header without
    a scheme beside them): the text report (a CI log) and each saved failure show ``***`` in
    each place, a 3-character beginning as it is, and nothing else changed (the empty string)."""
    with served_with_token(BodyEcho, ODD_TOKEN) as url:
        code, out, err = _run(
            "fuzz", url, "--token", ODD_TOKEN, "--max-examples", "0",
            "-H", "X-Trace: plain", "-H", f"Authorization: Bearer {CREDENTIAL}",
            "-H", "X-Api-Key: lettersonly", "--save-failures", str(tmp_path / "failures"),
        )  # fmt: skip
    assert code == 1, err
    texts = [
        json.loads(path.read_text("utf-8"))["reply"]["text"]
        for path in sorted((tmp_path / "failures").glob("*.json"))
    ]
    shown = [line for line in out.splitlines() if '"cut": ' in line]
    assert texts and shown
    cut_last = len(ODD_TOKEN.encode()) - 1
    for text in [*texts, *shown]:
        assert MASKED_MESSAGE in text, text
        assert CREDENTIAL not in text and "lettersonly" not in text
        for cut, tail in _tails(text).items():
            assert tail == ("Zq8" if cut == 3 else "***"), (cut, text)
    assert {cut for text in texts for cut in _tails(text)} == {3, 4, cut_last}
    assert {cut for line in shown for cut in _tails(line)} == {3, 4, cut_last}
    assert ODD_TOKEN not in out + err and CREDENTIAL not in out + err
