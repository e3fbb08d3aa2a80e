"""Session-wide hooks: the mutation score of tests/test_mutation_score.py, printed at the end."""

from mutants.score import pytest_runtest_logreport, pytest_terminal_summary

__all__ = ["pytest_runtest_logreport", "pytest_terminal_summary"]
