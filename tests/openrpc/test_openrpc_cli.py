"""``conformance fuzz --openrpc``'s reports: each failure with its request, reply and curl (the
token masked), a few a rule; JSON and JUnit alike; a Ctrl-C that keeps what ran; the
bundled run's CI options on a document, as on create.sites."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from helpers.cli import fuzz as _fuzz
from helpers.html_report import listed
from helpers.openrpc_tools import example_document
from helpers.targets import CUSTOMER_TOKEN, served
from mutants import serve
from mutants.servers import MUTANTS
from simple_math_server import SimpleMath

from conformance.cli import Streams, main
from conformance.engine.results import Interrupted
from conformance.engine.session import Session
from conformance.engine.settings import Settings
from conformance.openrpc.contract import run_document
from conformance.openrpc.export import export_document
from conformance.server import CreateSitesApp, serve_in_thread


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("openrpc") / "create.sites.json"
    path.write_text(json.dumps(export_document()), encoding="utf-8")
    return path


def test_a_failing_method_is_reported_with_reproductions_and_the_token_masked(
    exported: Path, tmp_path: Path
) -> None:
    junit = tmp_path / "junit.xml"
    with served(MUTANTS["mnemonic-missing"].app) as url:
        base = (url, "--openrpc", str(exported), "--token", CUSTOMER_TOKEN, "--max-examples", "5")
        code, text, _ = _fuzz(*base, "--junitxml", str(junit))
        json_code, shown, _ = _fuzz(*base, "--output", "json")
    assert code == json_code == 1
    assert "reproduce with:" in text and "curl -sS" in text and "request: " in text
    assert CUSTOMER_TOKEN not in text + shown and '"access_token": "***"' in text
    report: dict[str, Any] = json.loads(shown)
    # one full example of each defect (up to 20, as docs/fuzzing.md says), each named by its method
    groups = report["groups"]
    assert any(g["rule"] == "reply-shape" for g in groups)
    assert all(g["test_id"].startswith("create.sites::") for g in groups)
    assert text.count("FAILED ") == min(len(groups), 20)
    assert [m["method"] for m in report["methods"]] == ["create.sites"]
    failures = report["failures"]
    assert failures and all(f["test_id"].startswith("create.sites::test_") for f in failures)
    assert {"curl", "request", "reply", "rule", "message"} <= set(failures[0])
    suite = ElementTree.parse(junit).getroot()
    names = [case.get("name") for case in suite.iter("testcase")]
    assert names and all(name and name.startswith("create.sites::") for name in names)
    failing = {c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None}
    assert int(suite.get("failures", "0")) == len(failing) > 0
    assert CUSTOMER_TOKEN not in junit.read_text(encoding="utf-8")


def test_revision_is_refused_with_a_document() -> None:
    """--revision names a revision of the bundled contract: with a document it is a usage
    error that says how to run that revision as a document, never silently ignored."""
    document = str(example_document("simple-math"))
    code, _, err = _fuzz("http://127.0.0.1:9/", "--openrpc", document, "--revision", "current")
    assert code == 2 and "export openrpc --revision current" in err


def test_every_ci_option_works_on_an_openrpc_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CI options of the bundled run, on a document: a baseline written, then judging
    the same defect known (exit 0) and a fixed server's entry as fixed; the HTML report and
    the GitHub summary name the failing method; saved failures replay FAILED against the
    broken server and FIXED against the fixed one; JUnit names ``method::test``."""
    document = str(example_document("simple-math"))
    baseline, html, kept = tmp_path / "known.toml", tmp_path / "r.html", tmp_path / "kept"
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    argv = ("--openrpc", document, "--method", "subtraction", "--max-examples", "3")
    with serve_in_thread(SimpleMath(wrong_result=True), read_timeout=2.0) as broken:
        first, out, _ = _fuzz(
            broken,
            *argv,
            "--report-html",
            str(html),
            "--save-failures",
            str(kept),
            "--output",
            "github",
        )
        update = ("--baseline", str(baseline), "--baseline-update", "--no-save-failures")
        written, _, _ = _fuzz(broken, *argv, *update)
        again, text, _ = _fuzz(broken, *argv, "--baseline", str(baseline), "--no-save-failures")
        replayed = main(
            ["replay", str(kept), "--url", broken, "--token", "t", "--times", "1"],
            Streams(io.BytesIO(), io.StringIO(), io.StringIO()),
        )
    assert first == 1 and written == 0
    assert "subtraction::test_protocol[id-string]" in baseline.read_text()
    assert "::error" in out and "subtraction" in summary.read_text(encoding="utf-8")
    assert "subtraction::" in html.read_text(encoding="utf-8")
    assert again == 0 and "no new failures" in text
    assert replayed == 1  # the defect is still there: FAILED
    with serve_in_thread(SimpleMath(), read_timeout=2.0) as fixed:
        out_stream = io.StringIO()
        replay_fixed = main(
            ["replay", str(kept), "--url", fixed, "--token", "t", "--times", "1"],
            Streams(io.BytesIO(), out_stream, io.StringIO()),
        )
        judged, text, _ = _fuzz(fixed, *argv, "--baseline", str(baseline), "--no-save-failures")
    assert replay_fixed == 0 and "FIXED" in out_stream.getvalue()
    assert "FAILED" not in out_stream.getvalue()
    assert judged == 0 and "fixed (baseline): result-schema: subtraction::" in text
    junit = tmp_path / "j.xml"
    with serve_in_thread(SimpleMath(wrong_result=True), read_timeout=2.0) as broken:
        code, _, _ = _fuzz(broken, *argv, "--junitxml", str(junit), "--no-save-failures")
    failing = [
        case.get("name")
        for case in ElementTree.parse(junit).getroot().iter("testcase")
        if case.find("failure") is not None
    ]
    assert code == 1 and failing and all(str(n).startswith("subtraction::") for n in failing)


def test_rate_paces_an_openrpc_run() -> None:
    document = str(example_document("simple-math"))
    with serve_in_thread(SimpleMath(), read_timeout=2.0) as url:
        argv = (url, "--openrpc", document, "--method", "addition", "--max-examples", "0")
        code, out, _ = _fuzz(*argv, "--output", "json")
        sent = json.loads(out)["cases_sent"]
        started = time.monotonic()
        code, _, _ = _fuzz(*argv, "--rate", str(sent))  # about one second at that pace
        took = time.monotonic() - started
    assert code == 0 and sent > 10
    assert took >= 0.8, f"{sent} cases at --rate {sent} took {took:.2f} s"


def test_exclude_method_leaves_a_method_out() -> None:
    """--exclude-method: every method of the document but that one is run; a name the
    document does not have is a usage error naming those it has; so is leaving none."""
    document = str(example_document("simple-math"))
    with serve_in_thread(SimpleMath(), read_timeout=2.0) as url:
        argv = (url, "--openrpc", document, "--max-examples", "0", "--output", "json")
        code, out, _ = _fuzz(*argv)
        every = {m["method"] for m in json.loads(out)["methods"]}
        code, out, _ = _fuzz(*argv, "--exclude-method", "addition")
        ran = {m["method"] for m in json.loads(out)["methods"]}
        assert code == 0 and ran == every - {"addition"} == {"subtraction"}
        code, _, err = _fuzz(*argv, "--exclude-method", "adition")
        assert code == 2 and "describes no method 'adition'; it has: addition" in err
        code, _, err = _fuzz(*argv, "--method", "addition", "--exclude-method", "addition")
        assert code == 2 and "leave no method of the document to run" in err
    code, _, err = _fuzz("http://127.0.0.1:9/", "--token", "t", "--exclude-method", "x")
    assert code == 2 and "--exclude-method names a method of an OpenRPC document" in err


def test_a_ctrl_c_keeps_the_report_of_what_ran(
    exported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exchange = Session.exchange
    calls = 0

    def interrupted_after_twenty(self: Session, case: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls > 20:
            raise KeyboardInterrupt
        return exchange(self, case)

    monkeypatch.setattr(Session, "exchange", interrupted_after_twenty)
    from conformance.openrpc.document import load

    with served() as url:
        with pytest.raises(Interrupted) as raised:
            run_document(url, load(str(exported)), settings=Settings(token=CUSTOMER_TOKEN))
        calls = 0
        code, out, _ = _fuzz(url, "--openrpc", str(exported), "--token", CUSTOMER_TOKEN)
    assert raised.value.report.cases_sent == 20
    assert code == 130 and "interrupted (Ctrl-C) after 20 cases" in out


def test_a_document_run_gets_no_create_sites_revision_hint(tmp_path: Path) -> None:
    """The bundled contract's hints ("the request breaks the 'current' revision's contract")
    are about create.sites's revisions: a document's run, even of the exported create.sites
    document, judges the document alone and never tells the user to switch --revision."""
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(export_document("seed")), encoding="utf-8")
    with served(revision="current") as url:  # refuses industry 20, which the seed allows
        code, shown, _ = _fuzz(url, "--openrpc", str(seed), "--token", CUSTOMER_TOKEN,
                               "--max-examples", "5", "--output", "json")  # fmt: skip
    messages = [failure["message"] for failure in json.loads(shown)["failures"]]
    assert code == 1 and any("industry_id" in m for m in messages), messages
    assert not [m for m in messages if "revision's contract" in m or "--revision" in m]


def test_a_document_run_says_what_no_check_of_a_document_looks_at(tmp_path: Path) -> None:
    """A document's run lists what no check of a document looks at (error.data without a
    schema, which application error), not create.sites's (result beyond id and success)."""

    def never_judged(url: str, *options: str) -> list[str]:
        html = tmp_path / "report.html"
        code, _, err = _fuzz(url, "--max-examples", "0", "--no-save-failures",
                             "--report-html", str(html), *options)  # fmt: skip
        assert code == 0, err
        return listed(html.read_text("utf-8"), "No check looks at:")

    with serve_in_thread(SimpleMath(), read_timeout=2.0) as url:
        document = never_judged(url, "--openrpc", str(example_document("simple-math")))
    with serve(CreateSitesApp) as (url, token):
        bundled = never_judged(url, "--token", token)
    assert any("x-error-data schema" in line for line in document), document
    assert not any("beyond id and success" in line for line in document), document
    assert any("beyond id and success" in line for line in bundled), bundled
    assert not any("x-error-data" in line for line in bundled), bundled
