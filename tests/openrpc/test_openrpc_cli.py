"""``conformance fuzz --openrpc``'s reports: each failure with its request, reply and curl (the
token masked), a few a rule; JSON and JUnit alike; a Ctrl-C that keeps what ran; the
create.sites run's options it cannot honour refused, never ignored."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from mutants.servers import MUTANTS
from openrpc_tools import example_document
from simple_math_server import SimpleMath
from target_helpers import CUSTOMER_TOKEN, served

from conformance.cli import Streams, main
from conformance.engine.runner import Session, Settings
from conformance.openrpc.export import export_document
from conformance.openrpc.runner import DocumentInterrupted, run_document
from conformance.reporting.formats import SHOWN_PER_RULE
from conformance.server import serve_in_thread


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("openrpc") / "create.sites.json"
    path.write_text(json.dumps(export_document()), encoding="utf-8")
    return path


def _fuzz(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["fuzz", *argv], Streams(io.BytesIO(), out, err))
    return code, out.getvalue(), err.getvalue()


def test_a_failing_method_is_reported_with_reproductions_and_the_token_masked(
    exported: Path, tmp_path: Path
) -> None:
    junit = tmp_path / "junit.xml"
    with served(MUTANTS["mnemonic-missing"].app) as url:
        base = (url, "--openrpc", str(exported), "--token", CUSTOMER_TOKEN, "--max-examples", "5")
        code, text, _ = _fuzz(*base, "--junitxml", str(junit))
        json_code, shown, _ = _fuzz(*base, "--output", "json")
    assert code == json_code == 1
    assert text.count("FAILED reply-shape:") == SHOWN_PER_RULE
    assert "more failures of reply-shape in create.sites (--output json)" in text
    assert "reproduce with:" in text and "curl -sS" in text and "request: " in text
    assert CUSTOMER_TOKEN not in text + shown and '"access_token": "***"' in text
    report: dict[str, Any] = json.loads(shown)
    failures = report["methods"][0]["failures"]
    assert failures and all(f["test_id"].startswith("create.sites::test_") for f in failures)
    assert {"curl", "request", "reply", "rule", "message"} <= set(failures[0])
    suite = ElementTree.parse(junit).getroot()
    names = [case.get("name") for case in suite.iter("testcase")]
    assert names and all(name and name.startswith("create.sites::") for name in names)
    failing = {c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None}
    assert int(suite.get("failures", "0")) == len(failing) > 0
    assert CUSTOMER_TOKEN not in junit.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (["--baseline", "known.toml"], "--baseline is not supported with --openrpc"),
        (["--baseline-update"], "--baseline-update is not supported"),
        (["--report-html", "r.html"], "--report-html is not supported"),
        (["--output", "github"], "--output github is not supported"),
        (["--save-failures", "kept"], "--save-failures is not supported"),
        (["--revision", "current"], "export openrpc --revision current"),
    ],
)
def test_options_an_openrpc_run_cannot_honour_are_refused(option: list[str], said: str) -> None:
    document = str(example_document("simple-math"))
    code, _, err = _fuzz("http://127.0.0.1:9/", "--openrpc", document, *option)
    assert code == 2 and said in err


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
        with pytest.raises(DocumentInterrupted) as raised:
            run_document(url, load(str(exported)), settings=Settings(token=CUSTOMER_TOKEN))
        calls = 0
        code, out, _ = _fuzz(url, "--openrpc", str(exported), "--token", CUSTOMER_TOKEN)
    assert raised.value.report.cases_sent == 20
    assert code == 130 and "interrupted (Ctrl-C) after 20 cases" in out
