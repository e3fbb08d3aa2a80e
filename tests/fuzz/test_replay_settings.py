"""``conformance replay`` sends a saved failure again as the run that found it sent it: with its
--strict, its revision, its role and user id, its timeout; and ``--times`` is a number of sends.
Each test saves failures with ``conformance fuzz`` and replays them, judged by the exit code
and the verdict line a CI log shows."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, ClassVar

import pytest
from helpers.cli import run as _run
from helpers.planted_defects import HalfMigrated, SeedIndustriesRefused
from helpers.targets import AGENT_TOKEN, CUSTOMER_USER_ID, served
from mutants import MUTANTS, serve

from conformance.server import CreateSitesApp, Response, serve_in_thread
from conformance.server.rpc import encode


@pytest.fixture(autouse=True)
def _no_token_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONFORMANCE_TARGET_TOKEN", raising=False)


def _fuzz(url: str, token: str, folder: Path, *options: str) -> list[dict[str, Any]]:
    """The failures ``conformance fuzz`` saves in ``folder``: at least one."""
    code, _, err = _run(
        "fuzz", url, "--token", token, "--max-examples", "0", "--save-failures", str(folder),
        *options,
    )  # fmt: skip
    assert code == 1, err
    records = [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.failure.json"))]
    assert records
    return records


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_failure_found_under_strict_is_replayed_under_strict(tmp_path: Path) -> None:
    """errors-with-http-400 takes one of the kit's decisions the other way (a 4xx status for an
    error reply): a failure only --strict judges. Replayed from its file, without --strict on
    the command line, it is FAILED: judged as the run that found it judged it."""
    with serve(MUTANTS["errors-with-http-400"].app) as (url, token):
        records = _fuzz(url, token, tmp_path, "--strict")
        assert {r["rule"] for r in records} == {"http-200-json"}
        protocol = sorted(tmp_path.glob("*test_protocol*.failure.json"))
        assert protocol, sorted(p.name for p in tmp_path.iterdir())
        code, out, _ = _run("replay", str(protocol[0]), "--token", token)
    assert code == 1, out
    assert out.startswith("FAILED http-200-json test_protocol["), out


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_failure_found_in_the_current_revision_is_replayed_in_it(tmp_path: Path) -> None:
    """A current server that gives a site without a name the seed's success shape: a reply
    that breaks the current revision's contract only. Found with --revision current, it is
    FAILED on replay, not judged by the seed revision's contract and called FIXED."""
    with serve(HalfMigrated, revision="current") as (url, token):
        records = _fuzz(url, token, tmp_path, "--revision", "current")
        code, out, _ = _run("replay", str(tmp_path), "--token", token)
    assert code == 1, out
    assert out.count("FAILED reply-schema") >= 1, out
    assert "FIXED" not in out and len(out.splitlines()) == len(records) + 1, out


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_an_agents_failure_is_replayed_as_the_agent_of_that_user(tmp_path: Path) -> None:
    """A failure found with --role agent --user-id 100 (an agent's token, which needs both) is
    replayed with both from the file: FAILED, not a refused token or a setup error."""
    with served(MUTANTS["jsonrpc-unchecked"].app) as url:
        options = ("--role", "agent", "--user-id", str(CUSTOMER_USER_ID))
        records = _fuzz(url, AGENT_TOKEN, tmp_path, *options)
        code, out, err = _run("replay", str(tmp_path), "--token", AGENT_TOKEN)
    assert code == 1, err
    assert out.count("FAILED expected-outcome") == len(records), out + err


class SlowOnWrongVersion(CreateSitesApp):
    """The reference server, but a request with jsonrpc "1.0" is answered after 1 s."""

    def handle(self, body: bytes) -> Response:
        if b'"jsonrpc": "1.0"' in body:
            threading.Event().wait(1.0)
        return super().handle(body)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_failure_found_with_a_short_timeout_is_replayed_with_it(tmp_path: Path) -> None:
    """A reply that takes 1 s fails a run with --timeout 0.5; replayed without --timeout it is
    FAILED again (the run's 0.5 s, not the 5 s default); with --timeout 3 it is FIXED."""
    with serve(SlowOnWrongVersion) as (url, token):
        records = _fuzz(url, token, tmp_path, "--timeout", "0.5")
        slow = [p for p in tmp_path.glob("*.failure.json") if "jsonrpc-wrong" in p.name]
        assert len(slow) == 1, [r["test_id"] for r in records]
        code, out, _ = _run("replay", str(slow[0]), "--token", token)
        assert (code, out.count("FAILED ")) == (1, 1), out
        code, out, _ = _run("replay", str(slow[0]), "--token", token, "--timeout", "3")
    assert (code, out.count("FIXED ")) == (0, 1), out


def test_times_is_a_number_of_sends(tmp_path: Path) -> None:
    """--times 0 is a usage error (a replay that sends nothing must not say FIXED); --times 1
    sends once and says what that send saw."""
    with serve(MUTANTS["jsonrpc-unchecked"].app) as (url, token):
        records = _fuzz(url, token, tmp_path)
        code, _, err = _run("replay", str(tmp_path), "--token", token, "--times", "0")
        assert code == 2 and "--times must be at least 1; got 0" in err
        code, out, err = _run("replay", str(tmp_path), "--token", token, "--times", "1")
    assert code == 1, err
    assert out.count("FAILED ") == len(records), out
    assert f"{len(records)} saved failures replayed: 0 fixed, {len(records)} failed" in out


class CountedRefusals(CreateSitesApp):
    """The reference server, but a request with jsonrpc "1.0" is refused -32602 (not -32600)
    with a message counting such refusals, except the ones numbered in ``CONFORMING``."""

    CONFORMING: ClassVar[frozenset[int]] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count = 0

    def handle(self, body: bytes) -> Response:
        if b'"jsonrpc": "1.0"' not in body:
            return super().handle(body)
        self.count += 1
        if self.count in self.CONFORMING:
            return super().handle(body)
        error = {"code": -32602, "message": f"refusal {self.count}"}
        return Response(encode({"jsonrpc": "2.0", "id": None, "error": error}))


@pytest.mark.parametrize(
    ("conforming", "times", "shown"),
    [
        pytest.param(frozenset(), 3, "FAILED expected-outcome", id="failed"),
        pytest.param(frozenset({3}), 4, "FLAKY  expected-outcome", id="flaky"),
    ],
)
def test_the_verdict_line_quotes_the_last_send_that_broke_the_rule(
    tmp_path: Path, conforming: frozenset[int], times: int, shown: str
) -> None:
    """Each send gets another message (refusal 2, 3, ...; the run saw refusal 1): the verdict
    line quotes the last broken send's, the state of the target now. FLAKY: 3 of 4 broken, the
    second send of the replay conforming."""
    target = type("Target", (CountedRefusals,), {"CONFORMING": conforming})
    with serve(target) as (url, token):
        _fuzz(url, token, tmp_path)
        (saved,) = [
            path
            for path in tmp_path.glob("*.failure.json")
            if "refusal 1" in json.loads(path.read_text("utf-8"))["found"]
        ]
        code, out, _ = _run("replay", str(saved), "--token", token, "--times", str(times))
    assert code == 1, out
    (line,) = out.splitlines()[:1]
    assert line.startswith(f"{shown} test_protocol[jsonrpc-wrong]"), out
    last = 1 + times
    assert f"refusal {last}" in line and "refusal 2" not in line, line
    if conforming:
        assert f"broken on {times - 1} of {times} sends" in line


#: Two methods of integers, as the simple-math example has them.
TWO_METHODS = {
    "openrpc": "1.2.6",
    "info": {"title": "two-methods", "version": "1.0.0"},
    "methods": [
        {
            "name": name,
            "paramStructure": "by-position",
            "params": [
                {"name": "a", "required": True, "schema": {"type": "integer"}},
                {"name": "b", "required": True, "schema": {"type": "integer"}},
            ],
            "result": {"name": "value", "schema": {"type": "integer"}},
        }
        for name in ("addition", "subtraction")
    ],
}


class TwoMethods:
    """A JSON-RPC 2.0 server of ``TWO_METHODS``; ``wrong`` answers subtraction with a string."""

    def __init__(self, wrong: bool) -> None:
        self.wrong = wrong

    def handle(self, body: bytes) -> Response:
        try:
            request = json.loads(body)
        except ValueError:
            return self._reply(None, error={"code": -32700, "message": "Parse error"})
        if not isinstance(request, dict):
            return self._reply(None, error={"code": -32600, "message": "Invalid Request"})
        rid = request.get("id")
        rid = rid if isinstance(rid, str | int) and not isinstance(rid, bool) else None
        params = request.get("params")
        if request.get("jsonrpc") != "2.0" or not isinstance(request.get("method"), str):
            return self._reply(rid, error={"code": -32600, "message": "Invalid Request"})
        if request["method"] not in ("addition", "subtraction"):
            return self._reply(rid, error={"code": -32601, "message": "Method not found"})
        if not (
            isinstance(params, list)
            and len(params) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in params)
        ):
            return self._reply(rid, error={"code": -32602, "message": "Invalid params"})
        if request["method"] == "addition":
            return self._reply(rid, result=params[0] + params[1])
        difference = params[0] - params[1]
        return self._reply(rid, result=str(difference) if self.wrong else difference)

    @staticmethod
    def _reply(rid: Any, **outcome: Any) -> Response:
        return Response(json.dumps({"jsonrpc": "2.0", "id": rid, **outcome}).encode())


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_failure_found_on_an_openrpc_document_is_replayed_on_its_method(tmp_path: Path) -> None:
    """A document of two methods, subtraction broken (a string result): its saved failures
    name the document and the method; replayed they are FAILED on the broken server, also
    with the document moved (--openrpc names where it is now), and FIXED on a fixed one."""
    document = tmp_path / "two.json"
    document.write_text(json.dumps(TWO_METHODS), "utf-8")
    kept = tmp_path / "kept"
    with serve_in_thread(TwoMethods(wrong=True), read_timeout=2.0) as url:
        code, _, err = _run(
            "fuzz", url, "--token", "t", "--openrpc", str(document), "--max-examples", "3",
            "--save-failures", str(kept),
        )  # fmt: skip
        assert code == 1, err
        # the string result's failures (the server's other defects are no matter here)
        saved = [
            str(path)
            for path in kept.glob("*.failure.json")
            if json.loads(path.read_text("utf-8"))["rule"] == "result-schema"
        ]
        assert saved
        code, out, err = _run("replay", *saved, "--token", "t", "--times", "1")
        assert code == 1, out + err
        assert out.count("FAILED result-schema subtraction::") == len(saved), out
        moved = document.rename(tmp_path / "moved.json")
        code, out, err = _run(
            "replay", *saved, "--token", "t", "--times", "1", "--openrpc", str(moved)
        )
        assert out.count("FAILED result-schema subtraction::") == len(saved), out + err
    with serve_in_thread(TwoMethods(wrong=False), read_timeout=2.0) as fixed:
        code, out, err = _run(
            "replay", *saved, "--token", "t", "--times", "1", "--openrpc", str(moved),
            "--url", fixed,
        )  # fmt: skip
    assert code == 0, out + err
    assert out.count("FIXED  result-schema subtraction::") == len(saved), out


def test_a_case_this_kit_no_longer_makes_is_sent_as_saved(tmp_path: Path) -> None:
    """A saved failure whose body holds no token is sent as the file has it, even where the
    kit makes its case no more (a file saved by an older version, its case renamed since):
    FAILED, not ERROR. Only a body that held the token is made again from the current plan.
    A scenario id that is no integer (``true``, edited by hand) is left out, as absent."""
    with serve(MUTANTS["jsonrpc-unchecked"].app) as (url, token):
        _fuzz(url, token, tmp_path)
        saved = next(tmp_path.glob("*jsonrpc-wrong*.failure.json"))
        record = json.loads(saved.read_text("utf-8"))
        assert record["request_body_masked"] is False
        settings = {**record["settings"], "scenario_id": True}
        edited = {**record, "case": "retired-case", "settings": settings}
        saved.write_text(json.dumps(edited), "utf-8")
        code, out, _ = _run("replay", str(saved), "--token", token, "--times", "1")
    assert code == 1, out
    assert out.startswith(
        "FAILED expected-outcome test_protocol[jsonrpc-wrong] (case retired-case)"
    )


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_valid_request_refused_is_replayed_with_its_revision_hint(tmp_path: Path) -> None:
    """A seed server that refuses industry 20 and 21 as the current revision does: a request
    valid in the seed revision only is refused, and the failure says the target keeps the
    current revision's contract. Replayed, that valid request (the first of the replay,
    refused) is FAILED with the same hint: not taken for a refused token, nor for a target
    of the other revision, not judged without the hint."""
    with serve(SeedIndustriesRefused) as (url, token):
        _run(
            "fuzz", url, "--token", token, "--max-examples", "0", "--save-failures",
            str(tmp_path),
        )  # fmt: skip
        hinted = [
            path
            for path in sorted(tmp_path.glob("*.failure.json"))
            if "the 'current' revision's contract" in json.loads(path.read_text("utf-8"))["found"]
            and json.loads(path.read_text("utf-8"))["rule"] == "expected-outcome"
        ]
        assert hinted
        code, out, err = _run("replay", str(hinted[0]), "--token", token, "--times", "1")
    assert code == 1, out + err
    assert out.startswith("FAILED expected-outcome "), out
    assert "the 'current' revision's contract" in out, out


def test_failures_replayed_against_a_target_of_the_other_revision_are_one_message(
    tmp_path: Path,
) -> None:
    """Failures found with --revision current, replayed with --url on a seed server: exit 2
    and one line naming the option of the run that found them (replay has no --revision of
    its own), not a traceback, not a FAILED line a failure."""
    with serve(HalfMigrated, revision="current") as (url, token):
        _fuzz(url, token, tmp_path, "--revision", "current")
    with serve(CreateSitesApp) as (url, token):
        code, out, err = _run("replay", str(tmp_path), "--token", token, "--url", url)
    assert (code, out) == (2, ""), out
    assert err.startswith("conformance replay: error: the target refused a valid request at ")
    assert "(conformance fuzz --revision seed if the target implements it;" in err
    assert len(err.splitlines()) == 1, err
