"""Selection on the command line (issue 22): cases included and excluded by family, member (a
member takes those under it), test id (a glob in which ``[`` is plain) and rule; the valid
family's failures by the member the reply named; the report says what was left out; a rule left
out fixes no baseline entry."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import fuzz as _fuzz
from helpers.planted_defects import (
    AndPhonesFrom1To6Refused,
    ThreeMembersRefused,
    UpperCaseDomainsRefused,
)
from mutants import serve

from conformance.server import CreateSitesApp

#: The deterministic families only, each run of seconds.
QUICK = ("--max-examples", "0", "--no-save-failures", "--output", "json")


def _report(app: type[CreateSitesApp], *argv: str) -> tuple[int, dict[str, Any]]:
    with serve(app) as (url, token):
        code, out, err = _fuzz(url, "--token", token, *QUICK, *argv)
    assert code in (0, 1), err
    return code, json.loads(out)


def _members(report: dict[str, Any]) -> set[str]:
    """The member of each defect the report lists: its test id's label up to ``:``, or the
    member the reply named (the valid family)."""
    found = set()
    for group in report["groups"]:
        defect = group["defect"]
        if " at " in defect:
            found.add(defect.rpartition(" at ")[2])
        else:
            found.add(re.split(r"[:=\]]", defect.split("[", 1)[1])[0])
    return found


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_members_select_and_exclude_the_cases_and_a_parent_takes_its_children() -> None:
    """Three defects on three members: --exclude-member widget_link drops the link text's (a
    parent takes its children) and sends none of its cases; --member widget_link.text keeps it
    alone and sends no protocol case (they name no member)."""
    code, whole = _report(ThreeMembersRefused)
    assert code == 1
    assert _members(whole) == {"domain_name", "widget_link.text", "second_communication_period"}
    code, without = _report(ThreeMembersRefused, "--exclude-member", "widget_link")
    assert code == 1
    assert _members(without) == {"domain_name", "second_communication_period"}
    left_out = without["cases_sent"]
    assert 0 < left_out < whole["cases_sent"]
    code, alone = _report(ThreeMembersRefused, "--member", "widget_link.text")
    assert code == 1 and _members(alone) == {"widget_link.text"}
    assert "protocol" not in alone["families"] and "references" not in alone["families"]
    assert alone["cases_sent"] < whole["cases_sent"] - left_out
    (note,) = [n for n in alone["notes"] if n.startswith("selected (")]
    assert note.startswith("selected (--member widget_link.text): ")
    assert f"{whole['cases_sent'] - alone['cases_sent']} cases of the plan not sent (" in note


def test_a_test_id_glob_selects_with_its_bracket_plain() -> None:
    """--test-id with a test's id, or a glob of it, runs that test alone (its brackets are no
    character class);
    --exclude-test-id with a bare test name leaves out each of its tests."""
    exact = "test_boundary_accepted[second_communication_period:maximum]"
    for pattern in (exact, "test_boundary_accepted[second_communication_period:*"):
        code, report = _report(ThreeMembersRefused, "--test-id", pattern)
        assert code == 1, pattern
        assert [g["defect"] for g in report["groups"]] == [f"expected-outcome: {exact}"]
        assert set(report["families"]) == {"boundary"}
    code, report = _report(
        ThreeMembersRefused, "--exclude-test-id", "test_boundary_accepted", "--family", "boundary"
    )
    assert code == 0 and report["cases_sent"] == 0


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_rules_select_what_is_judged() -> None:
    """--exclude-rule expected-outcome: the three defects are not judged, the run conforms and
    the table lists every other rule; --rule expected-outcome: that rule alone is judged."""
    code, report = _report(ThreeMembersRefused, "--exclude-rule", "expected-outcome")
    rules = [row["rule"] for row in report["rules"]]
    assert code == 0 and "expected-outcome" not in rules and "reply-schema" in rules
    assert any(n.endswith("the rules not selected not judged") for n in report["notes"])
    code, report = _report(ThreeMembersRefused, "--rule", "expected-outcome")
    assert code == 1 and [row["rule"] for row in report["rules"]] == ["expected-outcome"]


def test_a_rule_or_family_that_does_not_exist_is_a_usage_error() -> None:
    code, _, err = _fuzz("http://127.0.0.1:9/", "--token", "t", "--rule", "expected-outcom")
    assert code == 2
    assert "--rule 'expected-outcom' is no rule of the run; did you mean 'expected-outcome'?" in err
    code, _, err = _fuzz("http://127.0.0.1:9/", "--token", "t", "--family", "vaild")
    assert code == 2 and "--family: invalid choice: 'vaild'" in err
    code, _, err = _fuzz(
        "http://127.0.0.1:9/", "--token", "t", "--family", "valid", "--exclude-family", "valid"
    )
    assert code == 2 and "leave no family to run" in err


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_the_valid_family_drops_an_excluded_members_failures_and_looks_further() -> None:
    """The valid family draws every member: --exclude-member domain_name keeps it running,
    its failures at domain_name dropped (not shrunk: hypothesis looks on), so the defect of
    another member is still found; with that defect alone the run conforms."""
    quick = ("--family", "valid", "--max-examples", "30", "--no-save-failures", "--output", "json")
    for app, expected in ((UpperCaseDomainsRefused, set()), (AndPhonesFrom1To6Refused, {"d"})):
        with serve(app) as (url, token):
            code, out, _ = _fuzz(url, "--token", token, *quick, "--exclude-member", "domain_name")
        report = json.loads(out)
        assert list(report["families"]) == ["valid"]
        members = _members(report)
        assert "domain_name" not in members
        assert (code, bool(members)) == (int(bool(expected)), bool(expected))
        if expected:
            assert members == {"default_phone_number"}


def test_a_rule_left_out_fixes_no_baseline_entry(tmp_path: Path) -> None:
    """A baseline knowing the three defects, pruned by a run that judged no expected-outcome:
    the entries stay (the tests ran, but the rule did not judge them)."""
    baseline = tmp_path / "known.toml"
    with serve(ThreeMembersRefused) as (url, token):
        base = (url, "--token", token, "--max-examples", "0", "--no-save-failures")
        assert _fuzz(*base, "--baseline", str(baseline), "--baseline-update")[0] == 0
        written = baseline.read_text("utf-8")
        assert written.count("[[known]]") >= 3
        code, text, _ = _fuzz(
            *base, "--baseline", str(baseline), "--baseline-prune", "--exclude-rule",
            "expected-outcome",
        )  # fmt: skip
    assert code == 0, text[-1500:]
    assert "fixed (baseline)" not in text
    assert baseline.read_text("utf-8").count("[[known]]") == written.count("[[known]]")
