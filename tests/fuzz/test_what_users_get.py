"""Defects a user would feel, each seen where the user sees it: the exit code of ``conformance
fuzz`` and ``conformance replay``, the baseline file a CI keeps, the pace of requests a
rate-limited target gets, the threads a long run leaves behind."""

from __future__ import annotations

import dataclasses
import itertools
import json
import threading
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import run as _run
from mutants import MUTANTS, serve

from conformance.create_sites import Settings, run
from conformance.server import CreateSitesApp, Response
from conformance.server.rpc import encode


@pytest.fixture(autouse=True)
def _no_token_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONFORMANCE_TARGET_TOKEN", raising=False)


# --- a null for a required member --------------------------------------------------------------


class NullIndustryTaken(CreateSitesApp):
    """Takes ``"industry_id": null`` as industry 1 (a required member's null read as absent and
    defaulted): the site is created."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        if "industry_id" in params and params["industry_id"] is None:
            params = {**params, "industry_id": 1}
        return super().validate_params(params, role)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_server_that_takes_null_for_a_required_member_fails() -> None:
    with serve(NullIndustryTaken) as (url, token):
        code, out, err = _run(
            "fuzz", url, "--token", token, "--max-examples", "0", "--output", "json",
            "--no-save-failures",
        )  # fmt: skip
    assert code == 1, err
    cases = {(f["test_id"], f["case"]) for f in json.loads(out)["failures"]}
    assert cases == {("test_invalid_rejected[industry_id:type]", "industry_id:type/null")}


# --- the baseline a partial run writes -----------------------------------------------------------


def test_baseline_update_keeps_the_entries_of_tests_that_did_not_run(tmp_path: Path) -> None:
    """An agent's entry in the baseline, updated by a customer's run (where no test_invalid_
    rejected[user_id:required] is sent): the entry stays as it was, for the agent's run."""
    baseline = tmp_path / "baseline.toml"
    agent_only = "test_invalid_rejected[user_id:required]"
    baseline.write_text(
        "version = 1\n\n[[known]]\n"
        f'rule = "expected-outcome"\ntest_id = "{agent_only}"\n'
        'first_seen = 2025-01-02\nlast_seen = 2025-01-03\nreason = "SITES-7: agents only"\n',
        "utf-8",
    )
    with serve(MUTANTS["jsonrpc-unchecked"].app) as (url, token):
        code, _, err = _run(
            "fuzz", url, "--token", token, "--max-examples", "0", "--no-save-failures",
            "--baseline", str(baseline), "--baseline-update",
        )  # fmt: skip
    assert code in (0, 1), err
    entries = {e["test_id"]: e for e in tomllib.loads(baseline.read_text("utf-8"))["known"]}
    assert "test_protocol[jsonrpc-wrong]" in entries  # this run's failures were added
    kept = entries[agent_only]
    assert (kept["reason"], str(kept["first_seen"]), str(kept["last_seen"])) == (
        "SITES-7: agents only",
        "2025-01-02",
        "2025-01-03",
    )


# --- replay: the exit code and the saved rule ------------------------------------------------


def _save_failures(folder: Path) -> list[Path]:
    """The saved failures of jsonrpc-unchecked (accepts a jsonrpc other than "2.0")."""
    with serve(MUTANTS["jsonrpc-unchecked"].app) as (url, token):
        _run("fuzz", url, "--token", token, "--max-examples", "0", "--save-failures", str(folder))
    saved = sorted(folder.glob("*.failure.json"))
    assert saved
    return saved


def test_a_replay_that_could_not_replay_a_file_does_not_exit_0(tmp_path: Path) -> None:
    """Every real failure FIXED, one file that is no saved failure ERROR: exit 1, since the
    replay never reached the server for that one (a CI must not go green on it)."""
    saved = _save_failures(tmp_path / "failures")
    broken = tmp_path / "failures" / "broken.failure.json"
    broken.write_text('{"format": "create.sites-conformance-failure/1"}', "utf-8")
    with serve(CreateSitesApp) as (url, token):
        code, out, _ = _run("replay", str(tmp_path / "failures"), "--url", url, "--token", token)
        assert out.count("FIXED ") == len(saved) and out.count("ERROR ") == 1, out
        assert code == 1, out
        code, out, _ = _run("replay", str(broken), "--url", url, "--token", token)
    assert (code, out.count("ERROR ")) == (1, 1), out


class WrongErrorIds(CreateSitesApp):
    """The reference server, but an error reply carries another id than the request's: the
    reply-id rule is broken, expected-outcome holds."""

    def handle(self, body: bytes) -> Response:
        response = super().handle(body)
        reply = json.loads(response.body) if response.body else None
        if isinstance(reply, dict) and "error" in reply and reply.get("id") is not None:
            reply["id"] = "not-the-request-id"
            return dataclasses.replace(response, body=encode(reply))
        return response


def test_a_replay_judges_by_the_saved_rule_only(tmp_path: Path) -> None:
    """A saved expected-outcome failure replayed on a server where expected-outcome holds and
    another rule (reply-id) is broken: FIXED, exit 0; the other defect is fuzz's to find."""
    saved = [
        path
        for path in _save_failures(tmp_path / "failures")
        if "test_protocol[jsonrpc-wrong]" in json.loads(path.read_text("utf-8"))["test_id"]
    ]
    assert saved and all(
        json.loads(path.read_text("utf-8"))["rule"] == "expected-outcome" for path in saved
    )
    with serve(WrongErrorIds) as (url, token):
        code, out, _ = _run("replay", *map(str, saved), "--url", url, "--token", token)
        assert out.count("FIXED  expected-outcome test_protocol[jsonrpc-wrong]") == len(saved)
        assert code == 0, out
        # and the other way round: on a server that breaks the saved rule it is FAILED
    with serve(MUTANTS["jsonrpc-unchecked"].app) as (url, token):
        code, out, _ = _run("replay", *map(str, saved), "--url", url, "--token", token)
    assert (code, out.count("FAILED expected-outcome")) == (1, len(saved)), out


# --- -32029: the back-off grows ----------------------------------------------------------------


class LimitedThreeTimes(CreateSitesApp):
    """Answers its first three requests -32029 limit_exceeded, saying nothing of how long to
    wait; records when each request arrived."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrivals: list[float] = []
        self.lock = threading.Lock()

    def handle(self, body: bytes) -> Response:
        with self.lock:
            self.arrivals.append(time.monotonic())
            limited = len(self.arrivals) <= 3
        if limited:
            error = {"code": -32029, "message": "Limit exceeded", "data": {"mnemonic": "x"}}
            return Response(encode({"jsonrpc": "2.0", "id": 1, "error": error}))
        return super().handle(body)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_rate_limited_target_gets_a_growing_back_off() -> None:
    """Three -32029 replies in a row without a hint of how long to wait: the runner waits
    0.5 s, then 1 s, then 2 s before each resend (not 0.5 s each time: a rate-limited target
    hammered at a fixed pace stays limited)."""
    served: list[LimitedThreeTimes] = []

    class Recorded(LimitedThreeTimes):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            served.append(self)

    with serve(Recorded) as (url, token):
        report = run(url, settings=Settings(token=token, families=("protocol",), max_examples=0))
    assert report.conforms, [f.message for f in report.failures[:3]]
    arrivals = served[0].arrivals[:4]
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert len(gaps) == 3
    for gap, wanted in zip(gaps, (0.5, 1.0, 2.0), strict=True):
        assert wanted - 0.05 <= gap <= wanted + 0.5, gaps
    assert (report.limit_waits, report.limit_waited) == (3, pytest.approx(3.5))


# --- reconnects leave no thread behind ---------------------------------------------------------


class ClosesEveryConnection(CreateSitesApp):
    """Answers each request with ``Connection: close``: the runner reconnects for every case."""

    def handle(self, body: bytes) -> Response:
        return dataclasses.replace(super().handle(body), close=True)


def _watchdogs() -> int:
    return sum(thread.name == "conformance-watchdog" for thread in threading.enumerate())


def test_reconnecting_for_every_case_leaves_no_watchdog_thread() -> None:
    """Each connection's watchdog thread ends when its connection closes: a run of a hundred
    reconnects ends with as many watchdog threads as it began with."""
    before = _watchdogs()
    with serve(ClosesEveryConnection) as (url, token):
        report = run(url, settings=Settings(token=token, families=("protocol",), max_examples=0))
    assert report.conforms and report.cases_sent > 20
    deadline = time.monotonic() + 5.0
    while _watchdogs() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _watchdogs() <= before, f"{_watchdogs() - before} watchdog threads left running"
