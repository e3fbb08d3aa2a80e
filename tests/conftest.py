"""Session-wide hooks and fixtures: the mutation score of tests/test_mutation_score.py, printed
at the end; the reference server as a target, served once per test process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mutants.score import pytest_runtest_logreport, pytest_terminal_summary
from target_helpers import served

__all__ = ["pytest_runtest_logreport", "pytest_terminal_summary"]


@pytest.fixture(scope="session")
def reference_url() -> Iterator[str]:
    """The base URL of the reference server, on a free loopback port."""
    with served() as url:
        yield url
