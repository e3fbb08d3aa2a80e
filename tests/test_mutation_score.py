"""Proof that the runner finds real defects: zero failures on the reference server, and every
deliberately broken server (tests/mutants) caught, by the rule its docstring names.

The runner runs with its default budget (``Settings``' defaults: hypothesis's default
``max_examples`` for the valid family, the default timeout) and a fixed seed. Mutants are run
with ``stop_at_first``: the time until a defect is first caught is what matters, and a catch is
only counted where the failure is one the reference server does not also get (a false alarm
that happens to come first proves nothing). The mutation score (caught / total) is printed at
the end of the session by ``mutants.score`` (hooked in by tests/conftest.py).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from mutants import MUTANTS, SCENARIO_IDS, Mutant, serve
from mutants.score import record, score_lines

from conformance.contract import REVISIONS
from conformance.create_sites import run
from conformance.engine.checks import CHECKS
from conformance.engine.results import Failure, Report
from conformance.engine.settings import Settings
from conformance.engine.setup import OtherRevision
from conformance.server import CreateSitesApp

#: One seed for every run here, so that a failure repeats.
SEED = 20240601

pytestmark = pytest.mark.slow


def _signature(failure: Failure) -> tuple[str, str, str]:
    return failure.rule, failure.family, failure.case


def _shown(report: Report, limit: int = 5) -> str:
    return "\n".join(
        f"  {f.rule} on {f.family} {f.case}: {f.message[:160]}" for f in report.failures[:limit]
    )


@pytest.fixture(scope="module")
def reference_reports() -> dict[str, Report]:
    """The full default run against the reference server (customer token, no known ids), in
    each revision of the contract."""
    reports = {}
    for revision in REVISIONS:
        with serve(CreateSitesApp, revision=revision) as (url, token):
            # --strict: the reference server takes every decision of the kit, so its strict run
            # holds the default run's verdicts and more; a false alarm in either shows here
            settings = Settings(token=token, seed=SEED, revision=revision, strict=True)
            reports[revision] = run(url, settings=settings)
    return reports


@pytest.mark.parametrize("revision", REVISIONS)
def test_reference_server_conforms(reference_reports: dict[str, Report], revision: str) -> None:
    """The default run finds nothing wrong with the reference server (no false alarm), in
    either revision."""
    reference_report = reference_reports[revision]
    assert reference_report.cases_sent > 0
    assert reference_report.conforms, (
        f"{len(reference_report.failures)} failures on the reference server:\n"
        + _shown(reference_report)
    )


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"scenario_id": SCENARIO_IDS[0]}, id="customer-with-scenario"),
        pytest.param({"seed": SEED + 1}, id="customer-other-seed"),
    ],
)
def test_reference_server_conforms_with_other_settings(extra: dict[str, Any]) -> None:
    """No false alarm either with a scenario id the server knows, or with another seed."""
    with serve(CreateSitesApp) as (url, token):
        report = run(url, settings=Settings(**{"token": token, "seed": SEED, **extra}))
    assert report.conforms, f"{len(report.failures)} failures:\n" + _shown(report)


def test_there_are_enough_distinct_mutants() -> None:
    """At least 25 mutants, each a different class, each naming a registered rule."""
    assert len(MUTANTS) >= 25
    assert len({mutant.app for mutant in MUTANTS.values()}) == len(MUTANTS)
    for mutant in MUTANTS.values():
        assert issubclass(mutant.app, CreateSitesApp)
        assert mutant.rule in CHECKS, f"{mutant.name}: no rule {mutant.rule!r}"
        assert "\n" not in mutant.defect and f"({mutant.rule})" in mutant.defect, mutant.name


def _first_case(failure: Failure) -> str:
    """How the mutant table names a case: its family and name (``valid`` for hypothesis's)."""
    return failure.family if failure.case == failure.family else f"{failure.family} {failure.case}"


MUTANT_RUNS = [
    pytest.param(mutant, revision, id=f"{revision}-{mutant.name}")
    for revision in REVISIONS
    for mutant in MUTANTS.values()
    if revision in mutant.revisions
]


@pytest.mark.parametrize(("mutant", "revision"), MUTANT_RUNS)
def test_mutant_is_caught(
    mutant: Mutant,
    revision: str,
    reference_reports: dict[str, Report],
    request: pytest.FixtureRequest,
) -> None:
    """The runner catches the mutant's defect in each revision it exists in, by the rule the
    mutant names, first on the case the mutant's ``shows`` names (the table of docs/evidence.md).
    A mutant ``told_once`` answers the run's first valid request as the other revision does:
    caught by the one set-up message (``OtherRevision``, exit 2 on the command line) that
    names that answer as the target's defect if it implements the run's revision."""
    reference_report = reference_reports[revision]
    settings = Settings(
        token="-", seed=SEED, stop_at_first=True, revision=revision, strict=mutant.strict
    )
    if mutant.told_once:
        with (
            serve(mutant.app, revision=revision) as (url, token),
            pytest.raises(OtherRevision) as stopped,
        ):
            run(url, settings=dataclasses.replace(settings, token=token))
        said = str(stopped.value)
        caught = f"if it implements {revision!r}, that " in said and "is its defect" in said
        record(request.node, mutant.name, caught, None, revision)
        assert caught, said
        return
    try:
        with serve(mutant.app, revision=revision) as (url, token):
            report = run(url, settings=dataclasses.replace(settings, token=token))
    except BaseException:  # a run that crashes is recorded as not caught: it lowers the score
        record(request.node, mutant.name, False, None, revision)
        raise
    false_alarms = {_signature(f) for f in reference_report.failures}
    genuine = [f for f in report.failures if _signature(f) not in false_alarms]
    caught = bool(genuine) and mutant.rule in {f.rule for f in genuine}
    record(request.node, mutant.name, caught, report, revision)
    assert genuine, f"{mutant.name} ({mutant.defect}) not caught in {report.cases_sent} cases" + (
        f"; only failures the reference also gets:\n{_shown(report)}" if report.failures else ""
    )
    assert mutant.rule in {f.rule for f in genuine}, (
        f"{mutant.name} caught, but not by {mutant.rule}:\n{_shown(report)}"
    )
    assert _first_case(genuine[0]) == mutant.shows[revision], (
        f"{mutant.name} is first shown by {_first_case(genuine[0])!r} in the {revision} "
        f"revision, not {mutant.shows[revision]!r}: correct its shows= and docs/evidence.md's table"
    )


def test_some_mutants_exist_in_one_revision_only() -> None:
    """At least three defects exist only in the current revision, and the seed-only ones are
    the seed's success shape."""
    current_only = [m.name for m in MUTANTS.values() if m.revisions == ("current",)]
    seed_only = [m.name for m in MUTANTS.values() if m.revisions == ("seed",)]
    assert len(current_only) >= 3, current_only
    assert {"success-missing", "string-result-id"} <= set(seed_only)


def test_a_mutant_without_an_outcome_lowers_the_score() -> None:
    """A mutant whose test crashed before recording counts as not caught, and is named."""
    outcomes = {"a": {"caught": True}, "b": {"caught": False}}
    assert score_lines(outcomes, ["a", "b", "c", "d"]) == [
        "mutation score: 1/4 mutants caught (25%)",
        "not caught: b",
        "no outcome (not run, or the test crashed): c, d",
    ]
    # per revision: each revision's registered mutants, scored apart
    outcomes = {"seed a": {"caught": True}, "current a": {"caught": False}}
    assert score_lines(outcomes, ["seed a"], "seed") == [
        "mutation score (seed revision): 1/1 mutants caught (100%)"
    ]


def test_all_caught() -> None:
    """Every registered mutant caught: the score and nothing else."""
    assert score_lines({"a": {"caught": True}}, ["a"]) == [
        "mutation score: 1/1 mutants caught (100%)"
    ]


def _readme_mutant_rows() -> list[tuple[str, str, str, str]]:
    # the table lives on the docs site's Evidence page (it was the README's until issue 21)
    readme = (Path(__file__).resolve().parent.parent / "docs" / "evidence.md").read_text(
        encoding="utf-8"
    )
    head = "| mutant | defect | rule that catches it | case that shows it first |"
    table = readme[readme.index(head) :].split("\n\n", 1)[0].splitlines()[2:]
    rows = []
    for line in table:
        name, defect, rule, shows = (cell.strip() for cell in line.strip("|").split(" | "))
        rows.append((name.strip("`"), defect, rule.strip("`"), shows))
    return rows


def test_the_readme_mutant_table_is_the_registry() -> None:
    """The Evidence page's table (docs/evidence.md) lists every mutant, in order, with its
    defect, rule and first case."""
    registered = [
        (m.name, m.defect.removesuffix(".").removesuffix(f" ({m.rule})"), m.rule, m.shows_text)
        for m in MUTANTS.values()
    ]
    assert _readme_mutant_rows() == registered


STRICT_MUTANTS = [m for m in MUTANTS.values() if m.strict]


@pytest.mark.parametrize("mutant", STRICT_MUTANTS, ids=[m.name for m in STRICT_MUTANTS])
def test_a_decision_taken_the_other_way_is_judged_only_under_strict(mutant: Mutant) -> None:
    """A mutant that takes one of the kit's decisions the other way (a 4xx status for an error,
    ids rounded past 2^53, a 64-octet label accepted) conforms in a default run: the method
    page, JSON-RPC 2.0 and the standards leave the point open. ``--strict`` catches it
    (``test_mutant_is_caught``)."""
    revision = mutant.revisions[0]
    with serve(mutant.app, revision=revision) as (url, token):
        settings = Settings(token=token, seed=SEED, revision=revision, max_examples=10)
        report = run(url, settings=settings)
    assert mutant.rule not in {f.rule for f in report.failures}, [
        (f.test_id, f.message) for f in report.failures[:3]
    ]


def test_a_default_run_lists_what_it_sent_and_did_not_judge(
    reference_reports: dict[str, Report],
) -> None:
    """The list of what is not judged comes from the schemas' x-decisions, not from a
    hand-written string: each decided case of the plan is in a default run's list, with its
    reason; a strict run judges them all and lists none of them."""
    from conformance.create_sites import plan

    decided = [c for c in plan(Settings(token="t", max_examples=0)) if c.strict is not None]
    assert len(decided) >= 10
    with serve(CreateSitesApp) as (url, token):
        report = run(url, settings=Settings(token=token, seed=SEED, max_examples=0))
    listed = set(report.not_judged)
    for case in decided:
        shown = case.test_id + ("" if case.name == case.label else f" (case {case.name})")
        assert shown in listed, shown
        assert report.not_judged[shown] in case.expect.basis
    assert report.conforms
    strict = reference_reports["seed"]
    assert not any(c.test_id in key for c in decided for key in strict.not_judged)
