"""Runs CI kills, targets that hang or die, and the bounds a user sets: each ends with the
report of what ran, one message saying why, and every file asked for; each bounded in time."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from helpers.cli import fuzz as _fuzz
from helpers.targets import CUSTOMER_TOKEN, config_document, served

from conformance.create_sites import run
from conformance.engine.settings import Settings
from conformance.server import CreateSitesApp, Response, SiteStore
from conformance.server.config import parse
from conformance.server.httpd import RpcHTTPServer

# Runs stopped by hangs, deaths and signals, waited out: make test runs them, make check not.
pytestmark = pytest.mark.slow

FAST = Settings(token=CUSTOMER_TOKEN, families=("protocol", "invalid"), max_examples=0)


@contextlib.contextmanager
def serving(app_class: type[CreateSitesApp]) -> Iterator[tuple[str, CreateSitesApp]]:
    """``app_class`` (the reference app with a behaviour of its own) served on a free loopback
    port; the app knows its server (``app.server``), to stop it from inside a request."""
    with SiteStore(":memory:") as store:
        app = app_class(parse(config_document()), store)
        server = RpcHTTPServer(("127.0.0.1", 0), app, read_timeout=2.0)
        app.server = server  # type: ignore[attr-defined]
        with server.running():
            yield server.url, app


class _DiesOnNull(CreateSitesApp):
    """The reference app, killed by a body of ``null`` (as stock ganache is): it answers that
    request, then takes no connection again."""

    server: RpcHTTPServer

    def handle(self, body: bytes) -> Response:
        answer = super().handle(body)
        if body.strip() == b"null":
            self.server.shutdown()  # the listening socket closed before the answer goes
            self.server.server_close()
            return Response(answer.body, answer.status, answer.content_type, close=True)
        return answer


def test_a_target_killed_by_a_request_is_one_finding_and_the_run_stops() -> None:
    """The request sent just before the target stopped taking connections is reported under
    target-survives, with its body; the run says once where the target stopped and sends
    nothing after: no answer-in-time failure at all (there were hundreds of
    ConnectionRefusedError ones)."""
    started = time.monotonic()
    with serving(_DiesOnNull) as (url, _):
        report = run(url, settings=FAST)
    assert time.monotonic() - started < 30
    survives = [f for f in report.failures if f.rule == "target-survives"]
    assert [f.body for f in survives] == [b"null"]
    assert "refused every connection after this request" in survives[0].message
    assert "ConnectionRefusedError" in survives[0].message
    assert not [f for f in report.failures if f.rule == "answer-in-time"]
    assert report.stopped is not None
    assert report.stopped.startswith("the target stopped answering at case ")
    assert "is reported under target-survives" in report.stopped
    assert [note for note in report.notes if "stopped answering" in note] == [report.stopped]
    assert report.rules["target-survives"].failures == 1


def test_the_command_says_once_where_a_dying_target_stopped(tmp_path: Path) -> None:
    """Exit 1 (a crash is a finding), the message once on stderr, the finding in the report."""
    with serving(_DiesOnNull) as (url, _):
        code, out, err = _fuzz(url, "--token", CUSTOMER_TOKEN, "--max-examples", "0")
    assert code == 1
    assert err.count("the target stopped answering at case") == 1
    assert "target-survives" in out and "ConnectionRefusedError" in out
    assert out.count("answer-in-time") <= 1  # its row of the table, no failure


class _HangsAfter(CreateSitesApp):
    """Answers its first ``ANSWERED`` requests, then holds every request unanswered."""

    ANSWERED = 5
    server: RpcHTTPServer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen = 0
        self.released = threading.Event()

    def handle(self, body: bytes) -> Response:
        self.seen += 1
        if self.seen > self.ANSWERED:
            self.released.wait(30)
        return super().handle(body)


@contextlib.contextmanager
def hanging() -> Iterator[str]:
    with serving(_HangsAfter) as (url, app):
        try:
            yield url
        finally:
            app.released.set()  # type: ignore[attr-defined]


def test_a_hanging_target_stops_the_run_after_a_few_timeouts() -> None:
    """Three requests in a row unanswered end the run: one message names the last request
    answered and the first that was not; the three are answer-in-time failures, and nothing
    more is sent (at the default 5 s timeout the run would have taken half an hour)."""
    settings = Settings(
        token=CUSTOMER_TOKEN, families=("protocol", "invalid"), max_examples=0, timeout=0.3
    )
    started = time.monotonic()
    with hanging() as url:
        report = run(url, settings=settings)
    assert time.monotonic() - started < 20
    assert report.cases_sent == _HangsAfter.ANSWERED + 3
    timeouts = [f for f in report.failures if f.rule == "answer-in-time"]
    assert len(timeouts) == 3
    assert report.stopped is not None
    assert "3 requests in a row got no answer within 0.3 s (--timeout)" in report.stopped
    assert f"the last request answered was case {_HangsAfter.ANSWERED} (" in report.stopped
    assert f"the first not answered case {_HangsAfter.ANSWERED + 1} (" in report.stopped


def test_a_hanging_target_in_a_ci_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """Off a terminal (a CI log), the command says at once what runs and prints progress
    lines as it goes, and then the one message of the stop."""
    from conformance.cli import fuzz

    monkeypatch.setattr(fuzz._Progress, "FIRST", 0.2)
    monkeypatch.setattr(fuzz._Progress, "PERIOD", 0.2)
    with hanging() as url:
        code, out, err = _fuzz(
            url, "--token", CUSTOMER_TOKEN, "--timeout", "0.3", "--max-timeouts", "2"
        )
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith(f"conformance fuzz: create.sites (seed revision) against {url}")
    assert any(" cases sent · " in line for line in lines[1:]), err
    assert "\r" not in err
    assert err.count("2 requests in a row got no answer") == 1
    assert "the target stopped answering" in out


class _StringSiteIds(CreateSitesApp):
    """Broken: ``result.id`` is a string, so every created site is a failure."""

    def success(self, request_id: Any, site_id: int) -> dict[str, Any]:
        reply = super().success(request_id, site_id)
        reply["result"]["id"] = str(site_id)
        return reply


class _SlowAnswers(CreateSitesApp):
    """The reference app, every answer 50 ms late."""

    def handle(self, body: bytes) -> Response:
        time.sleep(0.05)
        return super().handle(body)


def test_max_failures_and_exitfirst_stop_the_run() -> None:
    """--max-failures N stops at N failures, saying so; -x at the first."""
    with served(_StringSiteIds) as url:
        code, out, err = _fuzz(url, "--token", CUSTOMER_TOKEN, "--max-failures", "3")
        assert code == 1
        assert "stopped after 3 failures (--max-failures 3)" in err
        code, out, _ = _fuzz(url, "--token", CUSTOMER_TOKEN, "-x", "--output", "json")
        assert code == 1
        assert len(json.loads(out)["failures"]) == 1


def test_max_response_time_is_a_rule_off_unless_asked() -> None:
    """A slow answer breaks max-response-time (not answer-in-time) where the bound is given;
    without it the rule is neither run nor listed."""
    settings = Settings(token=CUSTOMER_TOKEN, families=("protocol",), max_examples=0)
    with served(_SlowAnswers) as url:
        report = run(url, settings=settings)
        assert report.conforms and "max-response-time" not in report.rules
        bounded = Settings(
            token=CUSTOMER_TOKEN, families=("protocol",), max_examples=0, max_response_time=0.02
        )
        report = run(url, settings=bounded)
    slow = [f for f in report.failures if f.rule == "max-response-time"]
    assert slow and len(slow) == report.cases_sent
    assert "over the bound of 0.02 s" in slow[0].message
    assert not [f for f in report.failures if f.rule == "answer-in-time"]


class _SilentOnEmptyIds(CreateSitesApp):
    """The reference app, answering a request whose id is ``""`` only after a second."""

    def handle(self, body: bytes) -> Response:
        if b'"id": ""' in body or b'"id":""' in body:
            time.sleep(1.0)
        return super().handle(body)


def test_an_answer_that_never_came_is_not_a_slow_one() -> None:
    """A request left unanswered past the timeout breaks answer-in-time alone: no
    max-response-time "answered in" for an answer that never came (bug: the bound judged on
    the time waited where no status came back)."""
    settings = Settings(
        token=CUSTOMER_TOKEN,
        families=("protocol",),
        max_examples=0,
        timeout=0.4,
        max_response_time=0.3,
    )
    with served(_SilentOnEmptyIds) as url:
        report = run(url, settings=settings)
    silent = [f for f in report.failures if f.rule == "answer-in-time"]
    assert silent, [(f.rule, f.test_id) for f in report.failures]
    cases = {f.case for f in silent}
    assert not [f for f in report.failures if f.rule == "max-response-time" and f.case in cases]


class _SlowStringSiteIds(_StringSiteIds):
    """Broken as ``_StringSiteIds``, every answer 20 ms late: a run of many seconds."""

    def handle(self, body: bytes) -> Response:
        time.sleep(0.02)
        return super().handle(body)


def _wait_for_line(stream: Any, deadline: float) -> str:
    line: str = stream.readline()
    assert line and time.monotonic() < deadline, "the run printed no start line"
    return line


def test_sigterm_writes_the_report_and_every_file_then_exits_143(tmp_path: Path) -> None:
    """SIGTERM mid-run (CI's timeout or cancel): the report so far on stdout, JUnit, HTML,
    saved failures, the baseline update and GitHub's summary written, then exit 143."""
    files = {
        "junit": tmp_path / "junit.xml",
        "html": tmp_path / "report.html",
        "saved": tmp_path / "failures",
        "baseline": tmp_path / "baseline.toml",
        "summary": tmp_path / "summary.md",
    }
    with served(_SlowStringSiteIds) as url:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "conformance",
                "fuzz",
                url,
                "--token",
                CUSTOMER_TOKEN,
                "--output",
                "github",
                "--junitxml",
                str(files["junit"]),
                "--report-html",
                str(files["html"]),
                "--save-failures",
                str(files["saved"]),
                "--baseline",
                str(files["baseline"]),
                "--baseline-update",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "GITHUB_STEP_SUMMARY": str(files["summary"])},
        )
        try:
            assert process.stderr is not None
            # the run has started: its first progress line comes after a second
            _wait_for_line(process.stderr, time.monotonic() + 60)
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == 143, err
    assert "note: interrupted (SIGTERM) after " in out and "known, 0 fixed" in out
    suite = ElementTree.parse(files["junit"]).getroot()
    assert int(suite.get("tests", "0")) > 0
    assert re.search(r"known failure [\w-]+: test_\w+\[", files["junit"].read_text("utf-8"))
    assert "interrupted (SIGTERM)" in files["html"].read_text(encoding="utf-8")
    assert list(files["saved"].glob("*.json"))
    assert "test_id = " in files["baseline"].read_text(encoding="utf-8")
    assert files["summary"].read_text(encoding="utf-8")
    assert "Traceback" not in err


def test_fuzz_leaves_no_hypothesis_folder(tmp_path: Path) -> None:
    """hypothesis stores in a temporary folder during a run: the working folder holds no
    .hypothesis/ afterwards (the pytest plugin's behaviour). A process of its own: hypothesis
    settles its folder once a process."""
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    with served() as url:
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "fuzz", url, "--token", CUSTOMER_TOKEN,
             "--max-examples", "5"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert not (tmp_path / ".hypothesis").exists()
