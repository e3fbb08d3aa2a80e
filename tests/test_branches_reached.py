"""``helpers.reach.branches``: a property test that never reaches a branch it names fails."""

from __future__ import annotations

import pytest
from helpers.reach import branches
from hypothesis import given, settings
from hypothesis import strategies as st


def _run(wanted: tuple[str, ...], values: st.SearchStrategy[int]) -> None:
    with branches(*wanted) as reach:

        @settings(max_examples=50, database=None)
        @given(values)
        def example(value: int) -> None:
            reach("even" if value % 2 == 0 else "odd")

        example()


def test_every_branch_reached_passes() -> None:
    _run(("even", "odd"), st.integers())


def test_a_branch_no_example_reached_fails_naming_it() -> None:
    with pytest.raises(AssertionError, match=r"no example reached the branch\(es\) \['odd'\]"):
        _run(("even", "odd"), st.integers().map(lambda n: 2 * n))


def test_a_branch_not_declared_is_refused_not_counted() -> None:
    with pytest.raises(AssertionError, match="'odd' is not one of the declared branches"):
        _run(("even",), st.integers())


def test_a_failing_example_is_reported_as_itself() -> None:
    """The example's own failure propagates: not hidden behind a branch count."""
    with pytest.raises(ZeroDivisionError), branches("never") as reach:
        reach("never")
        raise ZeroDivisionError


def test_each_branch_is_named_once() -> None:
    with pytest.raises(ValueError, match="name each branch once"), branches("a", "a"):
        pass
