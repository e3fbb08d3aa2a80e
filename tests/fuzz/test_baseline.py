"""The baseline: the file's format and its messages, and ``conformance fuzz --baseline``
against servers with several defects (tests/mutants/combined.py): known defects pass, a new
one fails, a fixed one is reported fixed (and pruned), an expired entry fails again."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from helpers.cli import fuzz as _fuzz
from hypothesis import given
from hypothesis import strategies as st
from mutants import MUTANTS, serve
from mutants.combined import COMBINED

from conformance.engine.checks import CHECKS
from conformance.engine.results import Failure
from conformance.errors import ArgumentError
from conformance.reporting.baseline import Baseline, Entry, dumps, judge, parse

#: The tests the two defects of ``two-defects`` break, each by expected-outcome.
TWO_DEFECTS = {
    "test_protocol[jsonrpc-missing]",
    "test_protocol[jsonrpc-number]",
    "test_protocol[jsonrpc-wrong]",
    "test_protocol[method-case]",
    "test_protocol[method-unknown]",
    "test_protocol[method-unknown-empty-params]",
}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test in its own folder: fuzz saves failures under .conformance/ there."""
    monkeypatch.chdir(tmp_path)


def _entries(path: Path) -> dict[str, Entry]:
    return {entry.test_id: entry for entry in parse(path.read_text("utf-8")).entries}


# --- the file -----------------------------------------------------------------------------------


def _failure(rule: str, test_id: str) -> Failure:
    family = {"test_protocol": "protocol", "test_invalid_rejected": "invalid"}[
        test_id.split("[")[0]
    ]
    label = test_id.split("[", 1)[1][:-1]
    return Failure(
        rule, "doc", family, label, label, "found it", None, b"", 200, {}, b"{}", 0, "http://x/"
    )


def test_judge_sorts_failures_into_new_known_expired_and_fixed() -> None:
    """Each kind of entry and failure lands where the README says; fixed needs the test run."""
    today = date(2025, 6, 1)
    baseline = Baseline(
        (
            Entry("expected-outcome", "test_protocol[batch]"),
            Entry("expected-outcome", "test_protocol[method-case]", expires=date(2025, 5, 31)),
            Entry("expected-outcome", "test_protocol[id-zero]", expires=today),
            Entry("reply-id", "test_protocol[id-string]"),
            Entry("reply-id", "test_protocol[id-integer]"),
        )
    )
    failures = [
        _failure("expected-outcome", "test_protocol[batch]"),
        _failure("expected-outcome", "test_protocol[method-case]"),
        _failure("expected-outcome", "test_protocol[id-zero]"),
        _failure("reply-schema", "test_protocol[batch]"),
    ]
    ran = ["test_protocol[batch]", "test_protocol[method-case]", "test_protocol[id-zero]"]
    judgement = judge(failures, [*ran, "test_protocol[id-string]"], baseline, today)
    assert [f.rule for f in judgement.new] == ["reply-schema"]
    assert {e.test_id for e in judgement.known} == {
        "test_protocol[batch]",
        "test_protocol[id-zero]",  # holds through its expiry day
    }
    assert [e.test_id for e in judgement.expired] == ["test_protocol[method-case]"]
    assert [e.test_id for e in judgement.fixed] == ["test_protocol[id-string]"]
    assert [e.test_id for e in judgement.not_run] == ["test_protocol[id-integer]"]
    assert not judgement.passed
    assert [f.test_id for f in judgement.failing] == [
        "test_protocol[method-case]",
        "test_protocol[batch]",
    ]


entries = st.builds(
    Entry,
    rule=st.sampled_from(sorted(CHECKS)),
    test_id=st.builds(
        "test_invalid_rejected[{}]".format,
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1),
    ),
    first_seen=st.none() | st.dates(),
    last_seen=st.none() | st.dates(),
    expires=st.none() | st.dates(),
    reason=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"])),
)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@given(st.lists(entries, unique_by=lambda e: e.key, max_size=6))
def test_the_file_reads_back_as_written_sorted(written: list[Entry]) -> None:
    """Any entries, any text in their reasons and labels: written, they read back equal, every
    member kept, in sorted order, one [[known]] block each."""
    text = dumps(Baseline(tuple(written)))
    read = parse(text).entries
    assert [(e.key, e.first_seen, e.last_seen, e.expires, e.reason) for e in read] == sorted(
        (e.key, e.first_seen, e.last_seen, e.expires, e.reason) for e in written
    )
    assert len(re.findall(r"(?m)^\[\[known\]\]$", text)) == len(written)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("version = 1\n[[known]]\nrule = 'expected-outcome'\n", "known[0]: test_id is required"),
        (
            "[[known]]\nrule = 'expected-outcom'\ntest_id = 'test_protocol[batch]'\n",
            "rule 'expected-outcom' is no rule of the kit; did you mean 'expected-outcome'?",
        ),
        (
            "[[known]]\nrule = 'reply-id'\ntest_id = 'protocol batch'\n",
            "test_id 'protocol batch' is not a test id of the suite",
        ),
        (
            "[[known]]\nrule = 'reply-id'\ntest_id = 'test_protocol[a]'\nexpires = '2025-01-01'\n",
            "expires must be a TOML date, written without quotes: expires = 2025-01-01",
        ),
        (
            "[[known]]\nrule = 'reply-id'\ntest_id = 'test_protocol[a]'\nexpire = 2025-01-01\n",
            "unknown key 'expire'; did you mean 'expires'?",
        ),
        (
            "[[known]]\nrule = 'reply-id'\ntest_id = 'test_protocol[a]'\n" * 2,
            "known[1] repeats known[0] (reply-id: test_protocol[a]): one entry per defect",
        ),
        ("version = 3\n", "version must be one of 1, 2; got 3"),
        (
            "[[known]]\nrule = 'reply-id'\ntest_id = 'test_protocol[a]'\nmember = 'x'\n",
            "member is for entries of the valid family (test_valid_accepted)",
        ),
        ("[[known]\n", "not TOML: "),
    ],
)
def test_a_bad_file_is_refused_naming_the_entry_and_key(text: str, said: str) -> None:
    with pytest.raises(ArgumentError) as raised:
        parse(text, "b.toml")
    assert str(raised.value).startswith("b.toml")
    assert said in str(raised.value)


def test_a_missing_or_broken_baseline_exits_2_before_any_case() -> None:
    """--baseline naming no file, a broken file, or --baseline-prune without --baseline."""
    code, out, err = _fuzz("http://127.0.0.1:9/", "--token", "t", "--baseline", "none.toml")
    assert (code, out) == (2, "")
    assert "baseline none.toml does not exist; make it from a run with --baseline-update" in err
    Path("broken.toml").write_text("[[known]]\nrule = 1\n", "utf-8")
    code, _, err = _fuzz("http://127.0.0.1:9/", "--token", "t", "--baseline", "broken.toml")
    assert code == 2 and "broken.toml: known[0]: rule is required, a string; got 1" in err
    code, _, err = _fuzz("http://127.0.0.1:9/", "--token", "t", "--baseline-prune")
    assert code == 2 and "--baseline-prune needs --baseline FILE" in err


# --- against servers with several defects --------------------------------------------------------


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_known_defects_pass_a_new_one_fails_a_fixed_one_is_said_and_pruned() -> None:
    """The issue's story: two defects baselined pass; a third fails alone; with one defect
    fixed the run passes and names it fixed; --baseline-prune removes it."""
    baseline = Path("known.toml")
    with serve(COMBINED["two-defects"].app) as (url, token):
        quick = (url, "--token", token, "--max-examples", "0", "--baseline", str(baseline))
        code, out, err = _fuzz(*quick, "--baseline-update")
        assert code == 0, out
        assert set(_entries(baseline)) == TWO_DEFECTS
        text = baseline.read_text("utf-8")
        assert token not in text
        assert re.search(r"(?m)^first_seen = \d{4}-\d\d-\d\d$", text)  # a TOML date
        code, out, _ = _fuzz(*quick)
        assert code == 0, out
        assert out.rstrip().endswith("no new failures (6 known, 0 fixed: baseline)")
        assert "FAILED" not in out
        assert baseline.read_text("utf-8") == text  # a plain run writes nothing

    with serve(COMBINED["three-defects"].app) as (url, token):
        code, out, _ = _fuzz(
            url, "--token", token, "--max-examples", "0", "--baseline", str(baseline),
            "--output", "json",
        )  # fmt: skip
    assert code == 1
    report = json.loads(out)
    assert [f["test_id"] for f in report["failures"]] == ["test_protocol[token-wrong]"]
    assert {e["test_id"] for e in report["baseline"]["known"]} == TWO_DEFECTS

    with serve(MUTANTS["jsonrpc-unchecked"].app) as (url, token):
        quick = (url, "--token", token, "--max-examples", "0", "--baseline", str(baseline))
        code, out, _ = _fuzz(*quick)
        assert code == 0, out
        assert "fixed (baseline): expected-outcome: test_protocol[method-unknown] no longer " in out
        assert set(_entries(baseline)) == TWO_DEFECTS
        code, out, err = _fuzz(*quick, "--baseline-prune")
    assert code == 0
    assert "3 entries written" in err
    assert set(_entries(baseline)) == {t for t in TWO_DEFECTS if "jsonrpc" in t}


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_an_expired_entry_fails_again_and_update_keeps_dates() -> None:
    """An entry past its expiry date fails the run, named as expired; --baseline-update keeps
    first_seen, expires and reason, and moves last_seen on."""
    baseline = Path("known.toml")
    with serve(COMBINED["two-defects"].app) as (url, token):
        quick = (url, "--token", token, "--max-examples", "0", "--baseline", str(baseline))
        assert _fuzz(*quick, "--baseline-update")[0] == 0
        text = baseline.read_text("utf-8").replace(
            'test_id = "test_protocol[method-case]"\n',
            'test_id = "test_protocol[method-case]"\nexpires = 2001-01-31\n',
        )
        text = re.sub(r"first_seen = [\d-]+", "first_seen = 2000-01-01", text)
        baseline.write_text(text, "utf-8")
        code, out, _ = _fuzz(*quick, "--output", "github")
        assert code == 1
        assert "expired (baseline, 2001-01-31): expected-outcome: test_protocol[method-case]" in out
        errors = [line for line in out.splitlines() if line.startswith("::error")]
        assert errors == [
            "::error title=expected-outcome%3A test_protocol[method-case]::baseline entry "
            'expired on 2001-01-31: expected an error, got result {"id": '
            + errors[0].split('{"id": ')[1]
        ]
        code, _, _ = _fuzz(*quick, "--baseline-update")
    assert code == 1  # an update keeps the expiry: the entry still fails
    entry = _entries(baseline)["test_protocol[method-case]"]
    assert (entry.first_seen, entry.expires) == (date(2000, 1, 1), date(2001, 1, 31))
    assert entry.last_seen == date.today() and entry.reason.startswith("found: expected an")
