"""The mutation score at the end of a pytest session: caught mutants / all registered mutants.

Each mutant test calls ``record``, which stores the outcome in the test report's
``user_properties`` (pytest-xdist carries those from its workers to the controller). The hooks
below, imported by tests/conftest.py, collect them where the terminal is and print the score.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.contract import REVISIONS
from mutants.servers import MUTANTS

#: The key of the user property a mutant test reports under.
KEY = "mutant"

_outcomes: dict[str, dict[str, Any]] = {}


def record(item: pytest.Item, name: str, caught: bool, report: Any, revision: str) -> None:
    """Remember (in ``item``'s report) whether mutant ``name`` was caught in the contract's
    ``revision``, and how soon (under the key ``"{revision} {name}"``).

    ``report`` is ``None`` where the run itself crashed, or stopped at its first valid answer
    with one set-up message (a mutant ``told_once``).
    """
    first = report.failures[0] if report is not None and report.failures else None
    item.user_properties.append(
        (
            KEY,
            {
                "name": f"{revision} {name}",
                "caught": caught,
                "cases": report.first_failure_at if report is not None else None,
                "seconds": round(report.elapsed, 3) if report is not None else None,
                "rule": first.rule if first else None,
                "case": f"{first.family} {first.case}" if first else None,
            },
        )
    )


#: The key of another server's mutants (tests/openrpc: the openrpc-framework server): each
#: outcome carries its title and the names of all that server's mutants.
OTHER_KEY = "other-mutant"
_others: dict[str, dict[str, dict[str, Any]]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for key, value in report.user_properties:
        if key == KEY and isinstance(value, dict):
            _outcomes[value["name"]] = value
        elif key == OTHER_KEY and isinstance(value, dict):
            _others.setdefault(value["title"], {})[value["name"]] = value


def score_lines(
    outcomes: dict[str, dict[str, Any]], registered: list[str], revision: str | None = None
) -> list[str]:
    """The score, over every registered mutant (of ``revision``, where given): one that
    reported nothing (its test crashed before recording, or was not run) counts as not caught,
    so it lowers the score."""
    caught = [name for name in registered if outcomes.get(name, {}).get("caught")]
    missed = [name for name in registered if name in outcomes and name not in caught]
    silent = [name for name in registered if name not in outcomes]
    total = len(registered)
    of = f" ({revision} revision)" if revision else ""
    lines = [
        f"mutation score{of}: {len(caught)}/{total} mutants caught "
        f"({100 * len(caught) / total:.0f}%)"
    ]
    if missed:
        lines.append(f"not caught: {', '.join(missed)}")
    if silent:
        named = ", ".join(silent) if len(silent) <= 10 else f"{len(silent)} mutants"
        lines.append(f"no outcome (not run, or the test crashed): {named}")
    return lines


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for title, outcomes in _others.items():
        terminalreporter.write_sep("=", f"mutation score, {title}")
        registered = next(iter(outcomes.values()))["registered"]
        for line in score_lines(outcomes, registered):
            terminalreporter.write_line(line)
    if not _outcomes:
        return
    terminalreporter.write_sep("=", "mutation score")
    for revision in REVISIONS:
        registered = [f"{revision} {m.name}" for m in MUTANTS.values() if revision in m.revisions]
        for line in score_lines(_outcomes, registered, revision):
            terminalreporter.write_line(line)
