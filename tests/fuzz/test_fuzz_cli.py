"""``conformance fuzz``: exit codes, JSON and JUnit output, the token masked, an unreachable
target said at once."""

from __future__ import annotations

import io
import json
import time
from html import escape
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from helpers.cli import fuzz as _fuzz
from helpers.planted_defects import HalfMigrated, SeedIndustriesRefused
from helpers.targets import CUSTOMER_TOKEN, served

from conformance.cli import Streams, main
from conformance.server import CreateSitesApp


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
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
    revision; without it, its first success reply breaks the seed's reply schema, and the run
    stops there with the one message that names the setting (tests/fuzz/test_setup_errors.py
    has it word for word)."""
    with served(revision="current") as url:
        code, out, err = _fuzz(url, "--token", CUSTOMER_TOKEN, "--revision", "current",
                               "--max-examples", "0")  # fmt: skip
        assert code == 0, out[-2000:]
        assert "revision current" in out and "duplicates 3" in out
        assert "--revision" not in out + err
        code, out, err = _fuzz(url, "--token", CUSTOMER_TOKEN, "--max-examples", "0")
        assert (code, out) == (2, ""), out[-2000:]
        assert "keeps the 'current' revision's contract" in err
        assert "(--revision current if the target implements it;" in err


def test_a_seed_server_refusing_the_current_industries_is_told_where() -> None:
    """A seed server that refuses industry 20 and 21 as the current page does, past a first
    valid request it answers right: the run goes on, and the failures' hint says where the
    request breaks the current revision's contract, and the option that checks by it."""
    with served(SeedIndustriesRefused) as url:
        code, out, _ = _fuzz(url, "--token", CUSTOMER_TOKEN, "--max-examples", "0")
    assert code == 1 and "FAILED expected-outcome: test_boundary_accepted[industry_id:" in out
    assert "breaks the 'current' revision's contract at `params.industry_id`" in out
    assert "conformance fuzz --revision current" in out


def test_a_half_migrated_server_is_told_the_other_revision_once() -> None:
    """A current server that gives the seed's success shape to a site without a name, past a
    first valid answer (with a name) that is right: its failures say that the reply keeps the
    seed's contract, once, with how many failures it explains, never under every failure."""
    with served(HalfMigrated, revision="current") as url:
        code, out, _ = _fuzz(url, "--token", CUSTOMER_TOKEN, "--revision", "current",
                             "--max-examples", "0")  # fmt: skip
    assert code == 1 and "FAILED reply-schema" in out
    assert "keeps the 'seed' revision's contract" in out
    hints = [line for line in out.splitlines() if "conformance fuzz --revision seed" in line]
    assert hints and all(line.startswith("hint (") for line in hints), hints
    assert len(hints) == len(set(hints)) == 1


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_broken_reply_gets_no_revision_hint() -> None:
    """A string site id keeps neither revision's contract: no hint points away from the
    defect."""
    with served(_StringSiteIds) as url:
        code, out, _ = _fuzz(url, "--token", CUSTOMER_TOKEN, "--max-examples", "0")
        assert code == 1 and "reply-schema" in out
        assert "revision's contract" not in out


def _not_judged_html(page: str) -> str:
    return page.split('<div id="not-judged">', 1)[1]


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_strict_judges_a_decision_the_default_run_leaves_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--strict: a server answering errors with HTTP 400 (the Data API documents no status)
    conforms by default, which lists what it sent and did not judge with what each stands on
    in every output (the text, JSON, JUnit XML's system-out, the GitHub job summary and the
    HTML report); under --strict it fails, each failure standing on the kit's decision (not on
    the Data API) in every output, and no decided test is listed as not judged."""

    from mutants import MUTANTS, serve

    from conformance.engine.checks import ERROR_STATUS

    def fuzz(url: str, token: str, *more: str) -> tuple[int, str]:
        out = io.StringIO()
        argv = ["fuzz", url, "--token", token, "--max-examples", "5", "--no-save-failures"]
        code = main([*argv, *more], Streams(io.BytesIO(), out, io.StringIO()))
        return code, out.getvalue()

    def options(name: str) -> list[str]:
        """Every output form of a run, written as ``name``.html, .xml and .md (the summary)."""
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / f"{name}.md"))
        html, junit = tmp_path / f"{name}.html", tmp_path / f"{name}.xml"
        return ["--output", "github", "--report-html", str(html), "--junitxml", str(junit)]

    decision = f"the kit's decision: {ERROR_STATUS}"
    bound = "The method page sets no upper bound: 2147483647 (a 32-bit integer)"
    html, junit, summary = (tmp_path / f"default.{suffix}" for suffix in ("html", "xml", "md"))
    strict_html, strict_junit = tmp_path / "strict.html", tmp_path / "strict.xml"
    with serve(MUTANTS["errors-with-http-400"].app) as (url, token):
        default, text = fuzz(url, token, *options("default"))
        _, default_json = fuzz(url, token, "--output", "json")
        strict, strict_text = fuzz(url, token, "--strict", *options("strict"))
        _, strict_json = fuzz(url, token, "--strict", "--output", "json")
    assert default == 0, text[-2000:]
    assert "sent and not judged in full" in text and "test_protocol[id-float]" in text
    assert f"  {ERROR_STATUS} [replies: an error with HTTP 400]" in text
    listed = json.loads(default_json)["sent_not_judged"]
    assert {"test_id": "replies: an error with HTTP 400", "why": ERROR_STATUS} in listed
    assert any(e["why"].startswith(bound) for e in listed)
    system_out = ElementTree.parse(junit).getroot().findtext("system-out") or ""
    assert f"  {ERROR_STATUS} [replies: an error with HTTP 400]" in system_out
    assert f"  {bound}" in system_out and "\nnever judged (contested;" in system_out
    said = summary.read_text(encoding="utf-8")
    assert f"- `replies: an error with HTTP 400`: {escape(ERROR_STATUS)}" in said
    assert "`test_invalid_rejected[cookie_lifetime:maximum]`, " in said
    assert "<summary>Never judged (contested" in said
    page = _not_judged_html(html.read_text(encoding="utf-8"))
    assert f"<li>an error with HTTP 400<br><small>source: {escape(ERROR_STATUS)}" in page
    maximum = page.split("<code>test_invalid_rejected[cookie_lifetime:maximum]</code>", 1)[1]
    assert maximum.split("</li>", 1)[0].count(f"<small>source: {escape(bound)}") == 1
    assert "Never sent, never judged (contested" in page
    assert strict == 1
    assert "FAILED http-200-json" in strict_text
    assert f"  source:  {decision}" in strict_text
    assert f"[source: {decision}" in strict_text  # the ::error annotations
    assert "the Data API (one HTTP endpoint" not in strict_text
    assert "sent and not judged" not in strict_text
    failures = json.loads(strict_json)["failures"]
    assert failures and {f["basis"] for f in failures} == {decision}
    texts = [f.text or "" for f in ElementTree.parse(strict_junit).iter("failure")]
    assert texts and all(f"source:  {decision}" in t for t in texts)
    strict_page = strict_html.read_text(encoding="utf-8")
    assert f"<dt>source</dt><dd>{escape(decision)}" in strict_page
    # judged under --strict: no decided test is among those where either answer conforms
    assert "cookie_lifetime:maximum" not in _not_judged_html(strict_page)
    assert "test_invalid_rejected[access_token:minLength]" not in _not_judged_html(strict_page)


def test_a_rounded_id_under_strict_stands_on_the_kits_reading_of_rfc_8259() -> None:
    """Ids held as doubles (2^53 + 1 echoed as 9007199254740992.0): a JavaScript reading RFC
    8259 section 6 leaves open, so under --strict the failure stands on the kit's decision,
    never on JSON-RPC 2.0 alone (bug: the basis of a rounded echo left to the case's)."""
    from mutants import MUTANTS, serve

    from conformance.contract.decisions import decided_basis
    from conformance.engine.checks import ROUNDED_ID

    with serve(MUTANTS["big-id-as-float"].app) as (url, token):
        code, shown, err = _fuzz(
            url, "--token", token, "--strict", "--max-examples", "0", "--no-save-failures",
            "--output", "json",
        )  # fmt: skip
    assert code == 1, err
    failures = json.loads(shown)["failures"]
    rounded = [f for f in failures if f["rule"] == "reply-id"]
    assert [f["test_id"] for f in rounded] == [
        "test_protocol[id-beyond-double]",
        "test_protocol[id-beyond-int64]",
    ], failures
    assert {f["basis"] for f in rounded} == {decided_basis(ROUNDED_ID)}
    # the rule as the check's docstring states it, on one line, what every report shows
    assert rounded[0]["doc"] == (
        "The reply's id equals the request's id in JSON type and value; it is null only where "
        "the id could not be read (a parse error, an unreadable request)."
    )
