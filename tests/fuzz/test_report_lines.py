"""The lines the text, JSON and JUnit reports of ``conformance fuzz`` add only where they are
due, each checked against what the JSON report of the same run counts: a defect's cases
(six named, then how many more), a hint's failures, the tests sent and not judged (four
named, then how many more), the member a defect is at, the profile of a run, and the line a
JUnit failure's commands need."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from helpers.cli import fuzz as _fuzz
from helpers.planted_defects import HalfMigrated, UpperCaseDomainsRefused
from mutants import MUTANTS, serve

from conformance.server import CreateSitesApp


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _both(
    app: type[CreateSitesApp], *argv: str, revision: str = "seed"
) -> tuple[str, dict[str, Any]]:
    """The text report and the JSON report of two runs of ``argv`` against fresh ``app``s
    serving ``revision`` (the same cases, the same verdicts: the seed is fixed)."""
    quick = ("--max-examples", "0", "--no-save-failures", *argv)
    with serve(app, revision=revision) as (url, token):
        code, text, _ = _fuzz(url, "--token", token, *quick)
    with serve(app, revision=revision) as (url, token):
        json_code, shown, _ = _fuzz(url, "--token", token, *quick, "--output", "json")
    assert code == json_code == 1
    return text, json.loads(shown)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_defects_line_names_six_cases_then_how_many_more() -> None:
    """Each defect's line names its cases: all of them up to six, else six and "and N more"
    (a server answering every invalid request -32600 breaks tests of 6 and of 7 cases)."""
    text, report = _both(MUTANTS["params-error-as-invalid-request"].app)
    groups = report["groups"]
    assert {1, 6, 7} <= {len(group["cases"]) for group in groups}
    for group in groups:
        cases = group["cases"]
        named = ", ".join(cases[:6]) + (f" and {len(cases) - 6} more" if len(cases) > 6 else "")
        count = group["failures"]
        counted = f"{count} failure" + ("" if count == 1 else "s")
        # on its "defect:" line (the first 20 defects) or on a line of its own (the others)
        assert f"  {group['defect']}: {counted} (cases: {named})" in text


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_hint_is_said_once_with_the_failures_it_explains_then_a_blank_line() -> None:
    """A current server that gives some sites the seed's success shape: each hint once, with
    the number of failures that carry it, and a blank line after the hints (one, never two,
    anywhere)."""
    text, report = _both(HalfMigrated, "--revision", "current", revision="current")
    counts: dict[str, int] = {}
    for failure in report["failures"]:
        if failure["hint"]:
            counts[failure["hint"]] = counts.get(failure["hint"], 0) + 1
    assert counts
    said = [f"hint ({n} failure{'' if n == 1 else 's'}): {hint}" for hint, n in counts.items()]
    assert "\n".join(said) + "\n\n" in text
    assert "\n\n\n" not in text
    # what only some runs have: none answered with an application error; the bundled
    # contract's contested inputs, said once
    assert report["application_errors"] == {}
    assert "answered with an application error" not in text
    assert text.count("\nnever judged (contested; a conforming server may go either way): ") == 1


def test_tests_sent_and_not_judged_are_named_four_then_how_many_more() -> None:
    """The tests judged for robustness alone, by their reason: four named, then how many more."""
    text, report = _both(UpperCaseDomainsRefused)
    by_reason: dict[str, list[str]] = {}
    for item in report["sent_not_judged"]:
        by_reason.setdefault(item["why"], []).append(item["test_id"])
    assert any(len(tests) > 4 for tests in by_reason.values())
    assert any(len(tests) <= 4 for tests in by_reason.values())
    for why, tests in by_reason.items():
        named = ", ".join(tests[:4]) + (f" and {len(tests) - 4} more" if len(tests) > 4 else "")
        reason = why.removeprefix("the kit's decision: ")
        assert f"  {reason} [{named}]" in text.splitlines()


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_the_json_report_names_a_defects_member_and_no_profile_for_create_sites() -> None:
    """A valid-family defect at a member: the member in its group; a defect of no member:
    ``null``; create.sites is judged by its own contract: no ``profile``."""
    _, report = _both(UpperCaseDomainsRefused, "--max-examples", "10")
    members = {group["defect"]: group["member"] for group in report["groups"]}
    assert members["expected-outcome: test_valid_accepted[valid] at domain_name"] == "domain_name"
    assert members["expected-outcome: test_boundary_accepted[domain_name:format]"] is None
    assert report["profile"] is None


def test_junit_failures_end_with_the_line_their_commands_need() -> None:
    """Each JUnit failure's text ends with the line that sets the token its commands read."""
    with serve(MUTANTS["any-method-creates"].app) as (url, token):
        code, _, _ = _fuzz(
            url, "--token", token, "--max-examples", "0", "--no-save-failures",
            "--junitxml", "junit.xml",
        )  # fmt: skip
    assert code == 1
    texts = [f.text or "" for f in ElementTree.parse("junit.xml").getroot().iter("failure")]
    setup = (
        "\n\npaste this line before the commands above: export CONFORMANCE_TARGET_TOKEN='***'"
        "  # the run's values, *** where masked: put yours in their place"
    )
    reading = [text for text in texts if "${CONFORMANCE_TARGET_TOKEN:?" in text]
    assert reading and all(text.endswith(setup) for text in reading)
    others = [text for text in texts if text not in reading]
    assert others and not any("paste this line" in text for text in others)
