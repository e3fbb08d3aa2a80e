"""Saved failures and ``conformance replay``: one file per failure without the token, sent
again with a fresh domain, FIXED / FAILED / FLAKY / HELD / ERROR, and the exit codes."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import run as _run
from mutants import MUTANTS, serve

from conformance.server import CreateSitesApp, Response


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONFORMANCE_TARGET_TOKEN", raising=False)


def _saved(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(path.read_text("utf-8")) for path in sorted(folder.glob("*.json"))]


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_failures_are_saved_without_the_token_and_replay_fixed_on_a_fixed_server() -> None:
    """html-parse-error breaks the protocol family's bodies that are no JSON (half a request,
    the token cut inside it): each failure is a file holding no part of the token; replayed
    on the same server each is FAILED (exit 1), on the reference server FIXED (exit 0)."""
    folder = Path(".conformance/failures")
    with serve(MUTANTS["html-parse-error"].app) as (url, token):
        code, _, err = _run("fuzz", url, "--token", token, "--max-examples", "0")
        assert code == 1
        records = _saved(folder)
        assert f"{len(records)} failures saved in .conformance/failures/" in err
        texts = [path.read_text("utf-8") for path in folder.glob("*.json")]
        assert not any(token[:4] in text for text in texts)  # not even the half body's cut
        not_json = [r for r in records if r["case"] == "not-json"]
        # the half request holds the placeholder the runner sends in place of the token
        assert not_json and "***" in json.dumps(not_json[0]["request"])
        assert not_json[0]["expected"]["codes"] == [-32700]
        assert {"rule", "test_id", "request", "reply", "seed", "settings"} <= set(records[0])
        assert records[0]["settings"]["target"] == url
        code, out, _ = _run("replay", "--token", token)
    assert code == 1
    assert out.count("FAILED ") == len(records)
    assert out.endswith(f"{len(records)} saved failures replayed: 0 fixed, {len(records)} "
                        "failed, 0 flaky, 0 held, 0 errors\n")  # fmt: skip
    with serve(CreateSitesApp) as (url, token):
        code, out, _ = _run("replay", str(folder), "--url", url, "--token", token)
    assert code == 0, out
    assert out.count("FIXED ") == len(records)


class _EveryOtherIsWrong(CreateSitesApp):
    """Accepts jsonrpc "1.0" on every other request: a flaky defect."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self._count = 0

    def handle(self, body: bytes) -> Response:
        with self._lock:
            self._count += 1
            lax = self._count % 2 == 0
        if lax:
            body = body.replace(b'"jsonrpc": "1.0"', b'"jsonrpc": "2.0"')
        return super().handle(body)


def test_a_flaky_defect_is_flaky_and_a_broken_file_is_an_error() -> None:
    """Sent three times, a defect seen on some sends only is FLAKY; a file that is no saved
    failure is ERROR with the reason; both exit 1."""
    with serve(MUTANTS["jsonrpc-unchecked"].app) as (url, token):
        assert _run("fuzz", url, "--token", token, "--max-examples", "0")[0] == 1
    wrong = next(Path(".conformance/failures").glob("*jsonrpc-wrong*"))
    Path("not-a-failure.failure.json").write_text('{"format": "other"}', "utf-8")
    with serve(_EveryOtherIsWrong) as (url, token):
        code, out, _ = _run(
            "replay", str(wrong), "not-a-failure.failure.json", "--url", url, "--token", token
        )
    assert code == 1
    # the token check is the server's first request: the replay's are its 2nd, 3rd and 4th
    assert "FLAKY  expected-outcome test_protocol[jsonrpc-wrong]: broken on 2 of 3 sends" in out
    assert (
        "ERROR  ?: not-a-failure.failure.json: not a saved failure: format must be "
        "'create.sites-conformance-failure/1'; got 'other'" in out
    )


def test_replay_usage_errors_exit_2() -> None:
    """No token, nothing saved, a missing path, an unreachable target: exit 2, one message."""
    assert _run("replay")[0] == 2
    code, _, err = _run("replay", "--token", "t")
    assert code == 2 and "no saved failures: .conformance/failures does not exist" in err
    Path("empty").mkdir()
    code, _, err = _run("replay", "empty", "--token", "t")
    assert code == 2 and "no saved failures (*.failure.json) in empty" in err
    code, _, err = _run("replay", "missing.json", "--token", "t")
    assert code == 2 and "missing.json: no such file or folder" in err
    with serve(MUTANTS["jsonrpc-unchecked"].app) as (url, token):
        _run("fuzz", url, "--token", token, "--max-examples", "0")
    code, _, err = _run("replay", "--token", token)  # the server is gone
    assert code == 2 and "unreachable" in err


class SameSiteId(CreateSitesApp):
    """Gives every site the id 1: the defect shows again between any two creations."""

    def success(self, request_id: Any, site_id: int) -> dict[str, Any]:
        return super().success(request_id, 1)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_run_wide_rule_is_held_never_fixed_when_the_case_alone_keeps_it() -> None:
    """distinct-result-ids is broken across two requests of a run. ids-per-industry numbers
    sites per industry: a case sent again alone gets ids its industry has not given, so the
    rule holds on the replay's sends while the defect stays; the verdict is HELD (exit 1), not
    FIXED. A server that gives every site one id breaks it again between the replay's own
    sends: FAILED, never FLAKY (the first send has nothing to clash with)."""
    lines, out = _replayed_distinct_ids(MUTANTS["ids-per-industry"].app, "5")
    assert all(line.startswith("HELD ") for line in lines), lines
    assert "only a run (conformance fuzz) can say it is fixed" in lines[0]
    assert f"{len(lines)} held" in out.splitlines()[-1]
    lines, _ = _replayed_distinct_ids(SameSiteId, "2")
    assert all(line.startswith("FAILED ") for line in lines), lines


def _paired_site_ids(given: list[int]) -> type[CreateSitesApp]:
    """An app (a new class, so a new count) that gives its sites the ids 0, 0, 1, 1, 2, ...
    and appends each to ``given``: every second creation clashes, each time on a new id."""
    lock = threading.Lock()

    class PairedSiteIds(CreateSitesApp):
        def success(self, request_id: Any, site_id: int) -> dict[str, Any]:
            with lock:
                given.append(len(given) // 2)
                return super().success(request_id, given[-1])

    return PairedSiteIds


def _clashes(ids: list[int]) -> list[int]:
    """The ids of ``ids`` given before in it, in order: the clashes a replay's sends meet."""
    return [site_id for n, site_id in enumerate(ids) if site_id in ids[:n]]


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_run_wide_rule_failed_again_quotes_the_last_clash_of_the_replay() -> None:
    """A saved distinct-result-ids failure replayed on a server that gives ids 0, 0, 1, 1:
    FAILED, quoting the last clash the replay's own sends met (on five sends, two clashes on
    two ids); on three sends, one clash, quoted, never an error. The replay's sends are the
    server's last creations (its probe's comes before them and is judged apart)."""
    lines, _ = _replayed_distinct_ids(SameSiteId, "2")
    assert lines
    (path, *_) = sorted(Path(".conformance/failures").glob("*.json"))
    for times, clashes in ((5, 2), (3, 1)):
        given: list[int] = []
        with serve(_paired_site_ids(given)) as (url, token):
            argv = ["replay", str(path), "--url", url, "--token", token, "--times", str(times)]
            code, out, err = _run(*argv)
        assert code == 1, out + err
        (line,) = [line for line in out.splitlines() if " distinct-result-ids " in line]
        assert line.startswith("FAILED "), line
        met = _clashes(given[-times:])
        assert len(set(met)) == clashes, given  # two ids clashed: the first and the last differ
        quoted = re.findall(r"result(?:\.data)?\.id (\d+) was already given", line)
        assert quoted == [str(met[-1])], (line, given)


def _replayed_distinct_ids(app: type[CreateSitesApp], budget: str) -> tuple[list[str], str]:
    """Fuzz ``app`` (exit 1), then replay what it saved (exit 1): the replay's line for each
    saved distinct-result-ids failure (one each), and its whole output."""
    folder = Path(".conformance/failures")
    for path in folder.glob("*.json"):
        path.unlink()
    with serve(app) as (url, token):
        assert _run("fuzz", url, "--token", token, "--max-examples", budget)[0] == 1
        records = [r for r in _saved(folder) if r["rule"] == "distinct-result-ids"]
        assert records
        code, out, _ = _run("replay", "--token", token)
    assert code == 1
    lines = [line for line in out.splitlines() if " distinct-result-ids " in line]
    assert len(lines) == len(records)
    return lines, out
