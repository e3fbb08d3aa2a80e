"""The baseline file as a CI keeps it: each way a hand-edited file can be wrong refused by
``conformance fuzz --baseline`` with exit 2 before any case, naming the entry and the key;
the file ``--baseline-update`` writes, whole; the reason it quotes (the defect's first
failure, cut at 200 characters); a version 1 file read with a note only where one is due."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import fuzz as _fuzz
from helpers.planted_defects import refuse
from mutants import serve
from mutants.combined import COMBINED

from conformance.reporting.baseline import HEADER
from conformance.server import CreateSitesApp

#: No server listens here: a run that got as far as sending a case would fail otherwise.
NOWHERE = "http://127.0.0.1:9/"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test in its own folder: fuzz saves failures under .conformance/ there."""
    monkeypatch.chdir(tmp_path)


def _entries(path: Path) -> dict[str, dict[str, Any]]:
    """The written file's entries by test id, as any TOML reader reads them."""
    return {entry["test_id"]: entry for entry in tomllib.loads(path.read_text("utf-8"))["known"]}


# --- a file a hand got wrong --------------------------------------------------------------------

ENTRY = "[[known]]\nrule = 'reply-id'\ntest_id = 'test_protocol[batch]'\n"
VALID = "[[known]]\nrule = 'expected-outcome'\ntest_id = 'test_valid_accepted[valid]'\n"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # the first unknown key in sorted order, whichever comes first in the file
        ("zz = 1\nversoin = 2\n", "unknown key 'versoin'; a baseline has `version` and [[known]]"),
        ("known = 1\n", "known must be an array of tables: [[known]] blocks"),
        (
            "known = [1]\n",
            "known[0] must be a table of rule, test_id, member, first_seen, last_seen, expires, "
            "reason",
        ),
        ("version = 0\n", "version must be one of 1, 2; got 0"),
        (
            ENTRY + "weight = 1\ncolour = 'red'\n",
            "known[0]: unknown key 'colour'; expected some of ['rule', 'test_id', 'member', "
            "'first_seen', 'last_seen', 'expires', 'reason']",
        ),
        # of two close keys (first_seen, last_seen) the closer one, of the first unknown key
        (
            ENTRY + "weight = 1\nfirst_seem = 2025-01-01\n",
            "known[0]: unknown key 'first_seem'; did you mean 'first_seen'?",
        ),
        (
            "[[known]]\nrule = ''\ntest_id = 'test_protocol[batch]'\n",
            "known[0]: rule is required, a string; got ''",
        ),
        (
            "[[known]]\nrule = 'zzz'\ntest_id = 'test_protocol[batch]'\n",
            "known[0]: rule 'zzz' is no rule of the kit; expected one of ['answer-in-time', ",
        ),
        # of three close rules (reply-schema, result-schema, reply-shape) the closest
        (
            "[[known]]\nrule = 'reply-schemas'\ntest_id = 'test_protocol[batch]'\n",
            "known[0]: rule 'reply-schemas' is no rule of the kit; did you mean 'reply-schema'?",
        ),
        (
            "[[known]]\nrule = 'reply-id'\ntest_id = 'test_nothing[batch]'\n",
            "known[0]: test_id 'test_nothing[batch]' is not a test id of the suite",
        ),
        (ENTRY + "reason = 1\n", "known[0]: reason must be a string; got 1"),
        (VALID + "member = 1\n", "known[0]: member must be a string; got 1"),
        (ENTRY + "expires = 'soon'\n", "known[0]: expires must be a date (YYYY-MM-DD); got 'soon'"),
        (
            ENTRY + "expires = 2025-01-01T10:00:00\n",
            "known[0]: expires must be a date (YYYY-MM-DD); got "
            "datetime.datetime(2025, 1, 1, 10, 0)",
        ),
        (
            ENTRY + "first_seen = 10:00:00\n",
            "known[0]: first_seen must be a date (YYYY-MM-DD); got datetime.time(10, 0)",
        ),
        (
            ENTRY + "last_seen = '2025-01-01'\n",
            "known[0]: last_seen must be a TOML date, written without quotes: "
            "last_seen = 2025-01-01",
        ),
    ],
)
def test_a_hand_edited_mistake_exits_2_naming_the_entry_and_key(text: str, said: str) -> None:
    Path("b.toml").write_text(text, "utf-8")
    code, out, err = _fuzz(NOWHERE, "--token", "t", "--baseline", "b.toml")
    assert (code, out) == (2, "")
    assert f"conformance fuzz: error: b.toml: {said}" in err


def test_a_file_that_cannot_be_read_exits_2_saying_why() -> None:
    """A folder named as the file, and a file that is no UTF-8: the reason, not a traceback."""
    Path("folder.toml").mkdir()
    code, _, err = _fuzz(NOWHERE, "--token", "t", "--baseline", "folder.toml")
    assert code == 2
    assert err == "conformance fuzz: error: cannot read baseline folder.toml: Is a directory\n"
    Path("latin1.toml").write_bytes("reason = 'café'\n".encode("latin-1"))
    code, _, err = _fuzz(NOWHERE, "--token", "t", "--baseline", "latin1.toml")
    assert code == 2
    assert err == (
        "conformance fuzz: error: cannot read baseline latin1.toml: 'utf-8' codec can't decode "
        "byte 0xe9 in position 13: invalid continuation byte\n"
    )


# --- the file an update writes ------------------------------------------------------------------


def test_an_update_writes_the_whole_file_in_its_documented_form() -> None:
    """Against ``two-defects``: a known entry keeps its dates, expiry and reason (last_seen
    moved on), the new ones are dated today with the failure quoted, a fixed one is dropped,
    an entry of a test that did not run is kept as written (no line added to it); an entry
    without a member or a reason gets no such line; no version 1 note for a version 2 file."""
    baseline = Path("known.toml")
    baseline.write_text(
        "version = 2\n\n"
        "[[known]]\nrule = 'expected-outcome'\ntest_id = 'test_protocol[method-case]'\n"
        "first_seen = 2025-01-02\nlast_seen = 2025-01-03\nexpires = 2999-12-31\n"
        "reason = 'SITES-1: the case of the method'\n\n"
        "[[known]]\nrule = 'expected-outcome'\ntest_id = 'test_protocol[token-wrong]'\n\n"
        "[[known]]\nrule = 'reply-schema'\ntest_id = 'test_invalid_rejected[user_id:required]'\n",
        "utf-8",
    )
    with serve(COMBINED["two-defects"].app) as (url, token):
        code, out, err = _fuzz(
            url, "--token", token, "--max-examples", "0", "--no-save-failures",
            "--baseline", str(baseline), "--baseline-update",
        )  # fmt: skip
    assert code == 0, out
    assert "conformance fuzz: baseline known.toml: 7 entries written" in err
    assert (
        "note: fixed (baseline): expected-outcome: test_protocol[token-wrong] no longer fails; "
        "removed from the baseline"
    ) in out
    assert "version 1" not in out
    today = date.today().isoformat()
    result = 'found: expected an error, got result {\\"id\\": N, \\"success\\": true}'

    def new(test: str, found: str = result) -> str:
        return (
            f'[[known]]\nrule = "expected-outcome"\ntest_id = "test_protocol[{test}]"\n'
            f'first_seen = {today}\nlast_seen = {today}\nreason = "{found}"\n'
        )

    written = re.sub(r'\\"id\\": \d+', '\\"id\\": N', baseline.read_text("utf-8"))
    assert written == "\n".join(
        [
            HEADER,
            "version = 2\n",
            new("jsonrpc-missing"),
            new("jsonrpc-number"),
            new("jsonrpc-wrong"),
            '[[known]]\nrule = "expected-outcome"\ntest_id = "test_protocol[method-case]"\n'
            f"first_seen = 2025-01-02\nlast_seen = {today}\nexpires = 2999-12-31\n"
            'reason = "SITES-1: the case of the method"\n',
            # sorted: "-" before "]"
            new(
                "method-unknown-empty-params",
                'found: expected error code -32601, got error -32602 \\"required_parameter_missed'
                '\\", field \\"access_token\\": \\"The required parameter has been missed\\"',
            ),
            new("method-unknown"),
            '[[known]]\nrule = "reply-schema"\n'
            'test_id = "test_invalid_rejected[user_id:required]"\n',
        ]
    )


class _AnswersOtherMethods(CreateSitesApp):
    """Answers a method other than create.sites with a string result: 168 characters for an
    unknown method, 169 for create.sites in another letter case. Its failure's message,
    ``expected an error, got result "..."``, is then 200 and 201 characters long."""

    def process(self, body: bytes) -> Any:
        reply = super().process(body)
        if isinstance(reply, dict) and reply.get("error", {}).get("code") == -32601:
            method = json.loads(body)["method"]
            size = 169 if method.lower() == "create.sites" else 168
            return {"jsonrpc": "2.0", "id": reply["id"], "result": "x" * size}
        return reply


def test_a_reason_longer_than_200_characters_is_cut_to_200() -> None:
    """A message of 200 characters is quoted whole; one of 201 cut to its first 199 and "…"."""
    with serve(_AnswersOtherMethods) as (url, token):
        code, _, _ = _fuzz(
            url, "--token", token, "--max-examples", "0", "--no-save-failures",
            "--baseline", "known.toml", "--baseline-update",
        )  # fmt: skip
    assert code == 0
    reasons = {
        entry["test_id"]: entry["reason"]
        for entry in tomllib.loads(Path("known.toml").read_text("utf-8"))["known"]
        if entry["rule"] == "expected-outcome"
    }
    whole = 'expected an error, got result "' + "x" * 168 + '"'
    longer = 'expected an error, got result "' + "x" * 169 + '"'
    assert (len(whole), len(longer)) == (200, 201)
    assert reasons["test_protocol[method-unknown]"] == f"found: {whole}"
    assert reasons["test_protocol[method-case]"] == f"found: {longer[:199]}…"


class _NamesTheRefusedDomain(CreateSitesApp):
    """Refuses a domain name with an upper-case or a non-ASCII letter (a defect the boundary
    family meets on many cases of one test), the error message naming the refused name: each
    failure of the defect has its own message."""

    def validate_params(self, params: dict[str, Any], role: str) -> dict[str, Any]:
        params = super().validate_params(params, role)
        domain = params["domain_name"]
        if domain != domain.lower() or not domain.isascii():
            raise refuse("domain_name", domain)
        return params

    def error(self, request_id: Any, error: Any) -> dict[str, Any]:
        reply = super().error(request_id, error)
        value = reply["error"].get("data", {}).get("value")
        if isinstance(value, str):
            reply["error"]["message"] = f"refused {value}"
        return reply


def test_a_new_entrys_reason_quotes_the_first_failure_of_its_defect() -> None:
    """The entry's reason quotes the failure the run found first (the one the run printed as
    it found the defect), not another of its failures."""
    with serve(_NamesTheRefusedDomain) as (url, token):
        code, _, err = _fuzz(
            url, "--token", token, "--max-examples", "0", "--save-failures", "kept",
            "--baseline", "k.toml", "--baseline-update",
        )  # fmt: skip
    assert code == 0
    test_id = "test_boundary_accepted[domain_name:format]"
    said = rf"defect \d+ found: expected-outcome: {re.escape(test_id)} \(case [^)]+\): (.+)"
    found = re.search(said, err)
    assert found is not None, err
    first = found[1]
    messages = [
        json.loads(path.read_text("utf-8"))["found"] for path in Path("kept").glob("*.failure.json")
    ]
    assert first in messages and len(set(messages)) > 1 and len(first) < 200
    assert _entries(Path("k.toml"))[test_id]["reason"] == f"found: {first}"


# --- a version 1 file ----------------------------------------------------------------------------


def test_a_version_1_file_reads_every_entry_and_notes_only_the_memberless_valid_one() -> None:
    """Two references entries with other drawn ids read as one (and the entries after them
    still read); the note is for the valid-family entry alone, which named no member."""
    Path("old.toml").write_text(
        "version = 1\n\n"
        "[[known]]\nrule = 'expected-outcome'\ntest_id = 'test_references[user_id=1]'\n\n"
        "[[known]]\nrule = 'expected-outcome'\ntest_id = 'test_references[user_id=2]'\n\n"
        "[[known]]\nrule = 'expected-outcome'\ntest_id = 'test_protocol[method-case]'\n\n"
        "[[known]]\nrule = 'expected-outcome'\ntest_id = 'test_valid_accepted[valid]'\n",
        "utf-8",
    )
    with serve(COMBINED["two-defects"].app) as (url, token):
        code, out, _ = _fuzz(
            url, "--token", token, "--max-examples", "0", "--no-save-failures",
            "--baseline", "old.toml",
        )  # fmt: skip
    assert code == 1  # two-defects breaks five more protocol tests
    assert "note: known (baseline): expected-outcome: test_protocol[method-case], 1 case" in out
    notes = [line for line in out.splitlines() if "version 1" in line]
    assert notes == [
        "note: old.toml: known[3] (expected-outcome: test_valid_accepted[valid]) was written by "
        "a version 1 baseline, which named no member: it now matches only valid requests whose "
        "reply names none; --baseline-update writes an entry for each member that fails"
    ]
