"""The saved failures a CI keeps: the folder holds the last run's failures only (made where
missing, however deep), and ``conformance replay`` refuses a record edited into nonsense with
ERROR naming the file and the member, never a traceback, never sending it."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import run as _run
from mutants import MUTANTS, serve

from conformance.server import CreateSitesApp


@pytest.fixture(autouse=True)
def _no_token_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONFORMANCE_TARGET_TOKEN", raising=False)


def _test_ids(folder: Path) -> set[str]:
    return {json.loads(p.read_text("utf-8"))["test_id"] for p in folder.glob("*.failure.json")}


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_the_folder_holds_the_last_runs_failures_only(tmp_path: Path) -> None:
    """--save-failures into a folder three levels deep that does not exist: made. A second
    run on a target with another defect leaves only its own failures there (a replay of the
    folder must not send the first run's again); a run without failures leaves none."""
    folder = tmp_path / "a" / "b" / "kept"
    for mutant, wanted in (("jsonrpc-unchecked", 1), ("errors-with-http-400", 1)):
        with serve(MUTANTS[mutant].app) as (url, token):
            code, _, err = _run(
                "fuzz", url, "--token", token, "--max-examples", "0", "--strict",
                "--save-failures", str(folder),
            )  # fmt: skip
        assert code == wanted, err
        rules = {json.loads(p.read_text("utf-8"))["rule"] for p in folder.glob("*.failure.json")}
        assert rules == {MUTANTS[mutant].rule}, (mutant, rules)
    with serve(CreateSitesApp) as (url, token):
        code, _, err = _run(
            "fuzz", url, "--token", token, "--max-examples", "0", "--save-failures", str(folder)
        )
    assert code == 0, err
    assert _test_ids(folder) == set()


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One saved failure of jsonrpc-unchecked whose request has a tag (the fresh domain name)."""
    folder = tmp_path_factory.mktemp("kept")
    with serve(MUTANTS["jsonrpc-unchecked"].app) as (url, token):
        _run("fuzz", url, "--token", token, "--max-examples", "0", "--save-failures", str(folder))
    records = [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.failure.json"))]
    tagged = [
        r
        for r in records
        if r.get("template") and any("tag" in part for part in r["template"]["parts"])
    ]
    assert tagged
    return tagged[0]


def _tag_part(document: dict[str, Any], tag: Any) -> dict[str, Any]:
    parts = [
        {**part, "tag": tag} if "tag" in part else part for part in document["template"]["parts"]
    ]
    return {**document, "template": {**document["template"], "parts": parts}}


EDITS = {
    "a-tag-of-one-number": (
        lambda r: _tag_part(r, [5]),
        "template.parts[",
    ),
    "a-negative-tag": (lambda r: _tag_part(r, [-1, 3]), "template.parts["),
    "a-tag-of-true": (lambda r: _tag_part(r, [True, 3]), "template.parts["),
    "a-part-not-base64": (
        lambda r: {
            **r,
            "template": {**r["template"], "parts": [*r["template"]["parts"], {"base64": "!!"}]},
        },
        "base64 is not base64",
    ),
    "a-template-of-a-number": (
        lambda r: {**r, "template": 5},
        "template must be an object with a list of parts",
    ),
    "a-request-not-base64": (
        lambda r: {**r, "request": {"base64": "!!"}},
        "request.base64 is not base64",
    ),
    "a-contract-of-a-number": (
        lambda r: {**r, "contract": 5},
        "contract must be an object of strings; got 5",
    ),
    "a-status-of-true": (
        lambda r: {**r, "reply": {**r["reply"], "status": True}},
        "reply.status must be an integer or null; got True",
    ),
    "an-unknown-outcome": (
        lambda r: {**r, "expected": {**r["expected"], "outcome": "maybe"}},
        "expected.outcome must be one of",
    ),
    "an-unknown-reply-id": (
        lambda r: {**r, "expected": {**r["expected"], "reply_id": "whatever"}},
        "expected.reply_id must be one of",
    ),
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_a_record_edited_into_nonsense_is_an_error_naming_the_member(
    record: dict[str, Any], tmp_path: Path, edit: str
) -> None:
    """The replay says ERROR with the file and the member (exit 1), before it sends anything:
    the target the record names is gone, and a record read as valid would say so (exit 2)."""
    change, said = EDITS[edit]
    path = tmp_path / "edited.failure.json"
    path.write_text(json.dumps(change(record)), "utf-8")
    code, out, err = _run("replay", str(path), "--token", "t")
    assert code == 1, out + err
    assert out.startswith(f"ERROR  ?: {path}: "), out
    assert said in out, out


def test_a_folder_named_like_a_record_is_an_error_not_a_crash(
    record: dict[str, Any], tmp_path: Path
) -> None:
    """A folder inside the saved folder named ``*.failure.json``: ERROR, cannot read it."""
    (tmp_path / "odd.failure.json").mkdir()
    code, out, err = _run("replay", str(tmp_path), "--token", "t")
    assert code == 1, out + err
    odd = tmp_path / "odd.failure.json"
    assert out.startswith(f"ERROR  ?: cannot read {odd}: Is a directory ["), out


def test_the_html_report_reproduces_a_duplicate_with_the_request_before_it(
    tmp_path: Path,
) -> None:
    """The HTML report is made from the saved records' form: a duplicate sent in upper case
    (duplicates-case-sensitive stores it) is reproduced by the first request, with a fresh
    lower-case tag, then the duplicate with the same tag upper-cased."""
    report = tmp_path / "report.html"
    with serve(MUTANTS["duplicates-case-sensitive"].app) as (url, token):
        code, _, err = _run(
            "fuzz", url, "--token", token, "--max-examples", "0", "--no-save-failures",
            "--report-html", str(report),
        )  # fmt: skip
    assert code == 1, err
    text = html.unescape(report.read_text("utf-8"))
    first = text.index("tag=$(LC_ALL=C tr -dc a-z </dev/urandom | head -c 9); TAG=${tag^^};")
    line = text[first : text.index("\n", first)]
    before, _, duplicate = line.partition(" && curl -sS -i -X POST ")
    assert '"domain_name": "\'"${tag:0:9}"\'.example.com"' in before, line
    assert '"domain_name": "\'"${TAG:0:9}"\'.EXAMPLE.COM"' in duplicate, line
