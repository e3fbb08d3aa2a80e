"""The token in the runner's reports is masked by structure (only where it stood), and the
printed ``curl`` command reproduces a defect as printed, again and again."""

from __future__ import annotations

import io
import json
import re

import pytest
from helpers.json_parts import names, strings
from helpers.reach import branches
from helpers.tools import needs_curl, pasted
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from mutants import MUTANTS, serve

from conformance import create_sites
from conformance.cli import Streams, main
from conformance.create_sites import plan
from conformance.engine.reproduce import TOKEN_ENV
from conformance.engine.results import Report
from conformance.engine.settings import Settings
from conformance.engine.transport import Answer
from conformance.generation.cases import SUCCESS, Case
from conformance.reporting.formats import curl, failure_text, to_json, to_junit, to_text
from conformance.reporting.redaction import Masker
from conformance.server import CreateSitesApp
from conformance.validation.masking import MIN_ECHO_LENGTH

URL = "http://127.0.0.1:8083/"

#: A token that appears nowhere else in a report.
DISTINCT = "Qx7DistinctQx7"


def _echoing_reply(body: bytes, token_echo: bool) -> bytes:
    """What a careless server answers: an error that echoes the token it was sent, as the
    value of the field, in an echo of the params and (for a long token) in the message."""
    sent = json.loads(body)
    token = sent["params"]["access_token"]
    message = f"token {token} is not allowed here" if token_echo else "not allowed here"
    reply = {
        "jsonrpc": "2.0",
        "id": sent["id"],
        "error": {
            "code": -32602,
            "message": message,
            "data": {
                "mnemonic": "invalid_parameter_value",
                "field": "access_token",
                "value": token,
                "params": {"access_token": token, "industry_id": 1},
            },
        },
    }
    return json.dumps(reply, ensure_ascii=False).encode()


def _picked_cases() -> list[Case]:
    # made once: cases carry a placeholder, not the token (test_raw_bodies_never_hold_the_token)
    cases = plan(Settings(token=DISTINCT, max_examples=0))
    return [
        next(c for c in cases if c.expect == SUCCESS and c.family == "boundary"),
        next(c for c in cases if c.family == "invalid" and "access_token" not in c.label),
    ]


_CASES = _picked_cases()


def _report(token: str, echo: bool) -> Report:
    """A report of two failing cases (a valid one, an invalid one) from a target that echoes
    ``token`` (in its message too if ``echo``), with everything but the token fixed."""
    chosen = Settings(token=token, max_examples=0)
    session = create_sites.session(URL, chosen)
    report = session.report
    session.tag = "fixed"  # the run's random tag, fixed so that two reports can be compared
    session.client.post = lambda body, headers=None: Answer(  # type: ignore[method-assign]
        200, {"content-type": "application/json"}, _echoing_reply(body, echo), 0.001
    )
    for case in _CASES:
        session.record(session.evaluate(session.exchange(case)))
    report.elapsed = 1.0
    return report


def _renders(report: Report, show_secrets: bool) -> dict[str, str]:
    token = report.settings.token
    return {
        "text": to_text(report, show_secrets=show_secrets),
        "json": to_json(report, show_secrets=show_secrets),
        "junit": to_junit(report, show_secrets=show_secrets),
        "pytest": "\n".join(
            failure_text(f, token, show_secrets=show_secrets) for f in report.failures
        ),
        "curl": "\n".join(curl(f) for f in report.failures),
    }


#: The report for a distinct token, shown, with and without the echo in the message.
_REFERENCE = {echo: _renders(_report(DISTINCT, echo), show_secrets=True) for echo in (False, True)}
#: The words of a report, and the pieces of its target's URL: tokens that text masking garbled.
_WORDS = sorted(
    set(re.findall(r"[\w.-]+", _REFERENCE[True]["text"])) | {"127", "0.0", ":", "/", "8"}
)

tokens = st.one_of(
    st.characters(codec="utf-8", exclude_characters="\x00"),
    st.sampled_from([str(d) for d in range(10)]),
    st.sampled_from(_WORDS),
    st.sampled_from(['"', "'", '\\"', "it's", "create", "x", "sites", "токен", "🙂", "é"]),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=16),
)


def _otherstrings() -> list[str]:
    """The target-made words of the report (reply strings, messages, headers), but the echoed
    token: where the token equals (or, if long, is inside) one of them, it cannot be told apart."""
    found = []
    for failure in json.loads(_REFERENCE[True]["json"])["failures"]:
        found += strings(json.loads(failure["reply"]["body"]))
        found += [failure["message"], *failure["reply"]["headers"].values()]
    return [text.replace(DISTINCT, "") for text in found if text != DISTINCT]


_OTHERS = _otherstrings()
_NAMES = [
    name
    for failure in json.loads(_REFERENCE[True]["json"])["failures"]
    for name in names(json.loads(failure["reply"]["body"]))
]


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_reports_hide_the_token_and_change_nothing_else() -> None:
    """For any token (one character, a digit, a word of the report, a piece of the URL, a
    quote, non-ASCII), every report form is the same as for a distinct token: nothing of the
    token shows (unless --show-secrets), and the masked report differs from the unmasked one
    only where the token stood.

    A reply string that equals the token (or, for a token long enough, holds it) is taken to
    be an echo and masked, and so is a member's name that holds a long token: where the
    target's own words equal it, no report can tell them apart, so such draws are left out.

    The branches this must reach: tokens either side of the echo length."""
    with branches("echo", "no echo") as reach:

        @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(token=tokens)
        # a long token ending in a backslash: masked raw first, its JSON form kept a backslash
        @example(token="0000000\\")
        # the scheme's slashes and the port: never the token's place in the target URL
        @example(token="/")
        @example(token="8083")
        # a short token equal to a member's name: the name is shown, as any word is
        @example(token="code")
        def hidden(token: str) -> None:
            assume(token != DISTINCT and token not in _OTHERS)
            long = len(token) >= MIN_ECHO_LENGTH
            assume(not long or not any(token in other for other in [*_OTHERS, *_NAMES]))
            echo = len(token) >= MIN_ECHO_LENGTH  # a shorter token: masked where a whole value
            reach("echo" if echo else "no echo")
            masked = _renders(_report(token, echo), show_secrets=False)
            assert masked == _renders(_report(DISTINCT, echo), show_secrets=False)
            for form, text in masked.items():
                assert text == _REFERENCE[echo][form].replace(DISTINCT, "***"), form
            shown = _renders(_report(token, echo), show_secrets=True)
            request = json.loads(json.loads(shown["json"])["failures"][0]["request"])
            assert request["params"]["access_token"] == token  # --show-secrets shows it
            assert shown["curl"] == masked["curl"] and f'"${{{TOKEN_ENV}:?' in shown["curl"]

        hidden()


def test_the_request_shown_differs_from_the_one_sent_only_at_the_token() -> None:
    """The masked request is the body as sent with *** where the runner put the token."""
    token = 'a"b\\c'
    report = _report(token, echo=False)
    failure = report.failures[0]
    shown = Masker(token).request(failure)
    assert failure.shown is not None and failure.shown.render(token).encode() == failure.body
    assert shown == failure.body.decode().replace(json.dumps(token)[1:-1], "***")


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@given(token=tokens)
@settings(max_examples=10, deadline=None)  # each plan takes a fifth of a second
def test_raw_bodies_never_hold_the_token(token: str) -> None:
    """Bodies sent as raw bytes (not JSON, not UTF-8) are made with a placeholder: they are
    the same whatever the token."""
    raw = [c.body for c in plan(Settings(token=token, max_examples=0)) if c.body is not None]
    assert raw == [c.body for c in plan(Settings(token=DISTINCT)) if c.body is not None]


def _curl_of_first_failure(url: str, token: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["fuzz", url, "--token", token, "--max-examples", "0"], Streams(stdout=out, stderr=err)
    )
    assert code == 1, out.getvalue() + err.getvalue()
    lines = out.getvalue().splitlines()
    return lines[lines.index("  reproduce with:") + 1].strip()


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@needs_curl
def test_the_printed_curl_reproduces_the_defect_every_time() -> None:
    """The command printed for a mutant that accepts an out-of-range value, pasted into bash
    with the token in $CONFORMANCE_TARGET_TOKEN, shows the defect (a site created) on every
    replay, never duplicate_entity; the same command against the reference server gets the
    error the contract wants."""
    mutant = MUTANTS["range-unchecked"]
    with serve(mutant.app) as (url, token):
        command = _curl_of_first_failure(url, token)
        assert token not in command and f'"${{{TOKEN_ENV}:?' in command
        for _ in range(3):
            replay = pasted(command, token)
            assert "HTTP/1.1 200" in replay and '"result"' in replay, replay
            assert "duplicate_entity" not in replay
    with serve(CreateSitesApp) as (url, token):
        replay = pasted(command.replace(_url_in(command), url), token)
        assert '"invalid_parameter_value"' in replay and '"result"' not in replay, replay


def _url_in(command: str) -> str:
    found = re.search(r"-X POST (\S+) ", command)
    assert found is not None
    return found.group(1).strip("'")
