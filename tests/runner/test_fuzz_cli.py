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
from runner_helpers import CUSTOMER_TOKEN, served

from conformance.cli import Streams, main


def _fuzz(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["fuzz", *argv], Streams(stdin=io.BytesIO(), stdout=out, stderr=err))
    return code, out.getvalue(), err.getvalue()


def test_a_conforming_target_exits_0_with_a_summary_table(reference_url: str) -> None:
    """The reference server: exit 0, a row per rule, the verdict, no progress off a terminal."""
    code, out, err = _fuzz(reference_url, "--token", CUSTOMER_TOKEN, "--max-examples", "10")
    assert code == 0, out
    assert "expected-outcome" in out and out.rstrip().endswith("conforms")
    assert err == ""


def test_a_wrong_token_exits_1_and_never_shows_the_token(
    reference_url: str, tmp_path: Path
) -> None:
    """Failures exit 1; the token is *** in text, JSON and JUnit unless --show-secrets."""
    secret = "not-a-known-token-93ab"
    junit = tmp_path / "junit.xml"
    code, out, _ = _fuzz(
        reference_url,
        "--token",
        secret,
        "--max-examples",
        "5",
        "--output",
        "json",
        "--junitxml",
        str(junit),
    )
    assert code == 1
    report = json.loads(out)
    assert report["conforms"] is False and report["failures"]
    assert {"rule", "family", "label", "curl", "seed", "reply"} <= set(report["failures"][0])
    assert "curl" in report["failures"][0]["curl"]
    assert secret not in out and "***" in out
    suite = ElementTree.parse(junit).getroot()
    assert int(suite.get("failures", "0")) > 0
    assert secret not in junit.read_text(encoding="utf-8")
    code, text, _ = _fuzz(reference_url, "--token", secret, "--max-examples", "0")
    assert code == 1 and secret not in text and "reproduce with:" in text
    code, shown, _ = _fuzz(
        reference_url, "--token", secret, "--max-examples", "0", "--show-secrets"
    )
    assert secret in shown


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


def test_the_same_seed_sends_the_same_cases(
    reference_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs with one seed send the same requests, hypothesis's included (the run-unique
    domain tag aside); another seed draws other valid requests."""
    from conformance.runner import Session, Settings, run

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
