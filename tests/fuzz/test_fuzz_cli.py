"""``conformance fuzz``: exit codes, JSON and JUnit output, the token masked, an unreachable
target said at once."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from helpers.cli import fuzz as _fuzz
from helpers.targets import CUSTOMER_TOKEN, served

from conformance.cli import Streams, main
from conformance.server import CreateSitesApp


def test_a_conforming_target_exits_0_with_a_summary_table(reference_url: str) -> None:
    """The reference server: exit 0, a row per rule, the verdict; off a terminal no progress
    line drawn in place, only whole lines (a run over a second says what runs and how far)."""
    code, out, err = _fuzz(reference_url, "--token", CUSTOMER_TOKEN, "--max-examples", "10")
    assert code == 0, out
    assert "expected-outcome" in out and out.rstrip().endswith("conforms")
    assert "\r" not in err
    assert all(line.startswith("conformance fuzz: ") for line in err.splitlines()), err


class _StringSiteIds(CreateSitesApp):
    """Broken: ``result.id`` is a string, so every created site is a failure."""

    def success(self, request_id: Any, site_id: int) -> dict[str, Any]:
        reply = super().success(request_id, site_id)
        reply["result"]["id"] = str(site_id)
        return reply


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_failures_exit_1_and_never_show_the_token(tmp_path: Path) -> None:
    """Failures exit 1; the token is *** in text, JSON and JUnit unless --show-secrets."""
    junit = tmp_path / "junit.xml"
    with served(_StringSiteIds) as url:
        code, out, _ = _fuzz(
            url, "--token", CUSTOMER_TOKEN, "--max-examples", "5",
            "--output", "json", "--junitxml", str(junit),
        )  # fmt: skip
        assert code == 1
        report = json.loads(out)
        assert report["conforms"] is False and report["failures"]
        assert {"rule", "family", "label", "curl", "seed", "reply"} <= set(report["failures"][0])
        assert "curl" in report["failures"][0]["curl"]
        assert CUSTOMER_TOKEN not in out and "***" in out
        suite = ElementTree.parse(junit).getroot()
        assert int(suite.get("failures", "0")) > 0
        assert CUSTOMER_TOKEN not in junit.read_text(encoding="utf-8")
        code, text, _ = _fuzz(url, "--token", CUSTOMER_TOKEN, "--max-examples", "0")
        assert code == 1 and CUSTOMER_TOKEN not in text and "reproduce with:" in text
        code, shown, _ = _fuzz(
            url, "--token", CUSTOMER_TOKEN, "--max-examples", "0", "--show-secrets"
        )
        assert CUSTOMER_TOKEN in shown


def test_a_token_the_target_refuses_exits_2_with_one_plain_message(reference_url: str) -> None:
    """A wrong token is the run's mistake, not the server's: exit 2 at the first valid request."""
    secret = "not-a-known-token-93ab"
    code, out, err = _fuzz(reference_url, "--token", secret, "--max-examples", "5")
    assert (code, out) == (2, "")
    assert "refused the token" in err and "access_token_invalid" in err
    assert secret not in err


def test_an_unreachable_target_exits_2_at_once() -> None:
    """Nothing listening: exit 2 within a second or two, saying so plainly."""
    with served() as url:
        pass
    started = time.perf_counter()
    code, out, err = _fuzz(url, "--token", CUSTOMER_TOKEN)
    assert code == 2 and "unreachable" in err and out == ""
    assert time.perf_counter() - started < 3


def test_usage_errors_exit_2() -> None:
    """No token, a bad URL, an agent without --user-id: exit 2 with a message."""
    assert _fuzz("http://127.0.0.1:9/")[0] == 2
    code, _, err = _fuzz("ftp://x", "--token", "t")
    assert code == 2 and "http://" in err
    code, _, err = _fuzz("http://127.0.0.1:9/", "--token", "t", "--role", "agent")
    assert code == 2 and "--user-id" in err


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_the_same_seed_sends_the_same_cases(
    reference_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs with one seed send the same requests, hypothesis's included (the run-unique
    domain tag aside); another seed draws other valid requests."""
    from conformance.create_sites import run
    from conformance.engine.session import Session
    from conformance.engine.settings import Settings

    drawn: list[str] = []
    exchange = Session.exchange

    def recording(self: Session, case: Any) -> Any:
        drawn.append(json.dumps([case.name, case.payload, case.body], default=repr))
        return exchange(self, case)

    monkeypatch.setattr(Session, "exchange", recording)

    def sent(seed: int) -> list[str]:
        drawn.clear()
        run(reference_url, settings=Settings(token=CUSTOMER_TOKEN, seed=seed, max_examples=15))
        return list(drawn)

    first = sent(4)
    assert first == sent(4)
    assert first != sent(5)


def test_the_demo_fuzzes_the_reference_server(capsys: pytest.CaptureFixture[str]) -> None:
    """``make demo``'s module starts the server, fuzzes it (exit 0) and stops it."""
    from conformance.demo import demo

    assert demo(["--max-examples", "5"]) == 0
    shown = capsys.readouterr().out
    assert "conforms" in shown and "reference server stopped" in shown


@pytest.mark.parametrize("token", ["it's-a-token", "токен-секрет", "tab\there"])
def test_curl_never_carries_the_token(token: str) -> None:
    """A token with a quote, non-ASCII letters or a control character never reaches the curl
    command, which reads it from $CONFORMANCE_TARGET_TOKEN instead."""
    from conformance.engine.results import Failure
    from conformance.engine.session import Prepared, shown_template
    from conformance.reporting.formats import curl

    payload = {"params": {"access_token": "***", "domain_name": "example.com"}}
    template = shown_template(Prepared(payload), "access_token")
    body = template.render(token).encode()
    failure = Failure(
        "reply-schema", "doc", "valid", "valid", "valid", "m", None, body,
        200, {}, b"{}", 0, "http://127.0.0.1:9/", template,
    )  # fmt: skip
    command = curl(failure)
    assert token not in command and '"${CONFORMANCE_TARGET_TOKEN:?' in command
    assert json.dumps(token)[1:-1] not in command


def test_an_unwritable_junit_path_exits_2(reference_url: str, tmp_path: Path) -> None:
    """--junitxml into a folder that does not exist: exit 2 and a message, no traceback."""
    path = tmp_path / "missing" / "junit.xml"
    code, _, err = _fuzz(
        reference_url, "--token", CUSTOMER_TOKEN, "--max-examples", "0", "--junitxml", str(path)
    )
    assert code == 2
    assert f"cannot write --junitxml {path}: No such file or directory" in err


def test_a_refused_token_is_said_plainly_for_the_valid_family_alone(reference_url: str) -> None:
    """With only the hypothesis-driven family, a wrong token still ends the run at once."""
    from conformance.create_sites import run
    from conformance.engine.settings import Settings
    from conformance.engine.setup import TokenRefused

    with pytest.raises(TokenRefused, match="refused the token"):
        run(reference_url, settings=Settings(token="wrong-0", families=("valid",)))


def test_revision_current_against_a_current_server() -> None:
    """fuzz --revision current: the current server conforms and the summary names the
    revision; without it, its success replies break the seed's reply schema."""
    with served(revision="current") as url:
        code, out, _ = _fuzz(url, "--token", CUSTOMER_TOKEN, "--revision", "current",
                             "--max-examples", "0")  # fmt: skip
        assert code == 0, out[-2000:]
        assert "revision current" in out and "duplicates 3" in out
        code, out, _ = _fuzz(url, "--token", CUSTOMER_TOKEN, "--max-examples", "0")
        assert code == 1 and "reply-schema" in out
        # the failure teaches the setting: its replies keep the current revision's contract
        assert "keeps the 'current' revision's contract" in out
        assert "conformance fuzz --revision current" in out
        # industry 20 is refused as the current page refuses it: the request's hint says where
        assert "breaks the 'current' revision's contract at `params.industry_id`" in out


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_seed_server_checked_by_the_current_revision_is_told_the_other_way(
    reference_url: str,
) -> None:
    """The seed's reference server under --revision current: its replies keep the seed's
    contract, and it refuses `name` as the seed's page does."""
    code, out, _ = _fuzz(reference_url, "--token", CUSTOMER_TOKEN, "--revision", "current",
                         "--max-examples", "0")  # fmt: skip
    assert code == 1
    assert "keeps the 'seed' revision's contract" in out
    assert "breaks the 'seed' revision's contract at `params.name`" in out
    # said once each, with how many failures it explains, never under every failure
    hints = [line for line in out.splitlines() if "conformance fuzz --revision seed" in line]
    assert hints and all(line.startswith("hint (") for line in hints), hints
    assert len(hints) == len(set(hints)) <= 3


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_broken_reply_gets_no_revision_hint() -> None:
    """A string site id keeps neither revision's contract: no hint points away from the
    defect."""
    with served(_StringSiteIds) as url:
        code, out, _ = _fuzz(url, "--token", CUSTOMER_TOKEN, "--max-examples", "0")
        assert code == 1 and "reply-schema" in out
        assert "revision's contract" not in out


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_strict_judges_a_decision_the_default_run_leaves_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--strict: a server answering errors with HTTP 400 (the Data API documents no status)
    conforms by default and fails under --strict, each failure with the source it stands on, in
    the text, the GitHub annotations and the HTML report."""

    from mutants import MUTANTS, serve

    def fuzz(url: str, token: str, *more: str) -> tuple[int, str]:
        out = io.StringIO()
        argv = ["fuzz", url, "--token", token, "--max-examples", "5", "--no-save-failures"]
        code = main([*argv, *more], Streams(io.BytesIO(), out, io.StringIO()))
        return code, out.getvalue()

    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    html = tmp_path / "report.html"
    with serve(MUTANTS["errors-with-http-400"].app) as (url, token):
        default, text = fuzz(url, token)
        strict, strict_text = fuzz(
            url, token, "--strict", "--output", "github", "--report-html", str(html)
        )
    assert default == 0, text[-2000:]
    assert "sent and not judged in full" in text and "test_protocol[id-float]" in text
    assert strict == 1
    assert "FAILED http-200-json" in strict_text
    assert "  source:  the Data API" in strict_text
    assert "[source: the Data API" in strict_text  # the ::error annotations
    assert "<dt>source</dt><dd>the Data API" in html.read_text(encoding="utf-8")
