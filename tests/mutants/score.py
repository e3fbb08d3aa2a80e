"""The mutation score at the end of a pytest session: caught mutants / all mutants run.

Each mutant test calls ``record``, which stores the outcome in the test report's
``user_properties`` (pytest-xdist carries those from its workers to the controller). The hooks
below, imported by tests/conftest.py, collect them where the terminal is and print the score.
"""

from __future__ import annotations

from typing import Any

import pytest

#: The key of the user property a mutant test reports under.
KEY = "mutant"

_outcomes: dict[str, dict[str, Any]] = {}


def record(item: pytest.Item, name: str, caught: bool, report: Any) -> None:
    """Remember (in ``item``'s report) whether mutant ``name`` was caught, and how soon."""
    first = report.failures[0] if report.failures else None
    item.user_properties.append(
        (
            KEY,
            {
                "name": name,
                "caught": caught,
                "cases": report.first_failure_at,
                "seconds": round(report.elapsed, 3),
                "rule": first.rule if first else None,
                "case": f"{first.family} {first.case}" if first else None,
            },
        )
    )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for key, value in report.user_properties:
        if key == KEY and isinstance(value, dict):
            _outcomes[value["name"]] = value


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _outcomes:
        return
    caught = [name for name, outcome in _outcomes.items() if outcome["caught"]]
    missed = sorted(set(_outcomes) - set(caught))
    total = len(_outcomes)
    terminalreporter.write_sep("=", "mutation score")
    terminalreporter.write_line(
        f"mutation score: {len(caught)}/{total} mutants caught ({100 * len(caught) / total:.0f}%)"
    )
    if missed:
        terminalreporter.write_line(f"not caught: {', '.join(missed)}")
