"""The branches a property test must reach.

A hypothesis test with a branch inside (a token long enough to be an echo, or not; a payload
valid, or not) proves nothing about the side no example reached, and a budget or a strategy
changed later can starve a side without a word. A test names its branches up front, marks each
one its examples reach, and fails, naming the side, when the run reached none of it::

    def test_x() -> None:
        with branches("valid", "invalid") as reach:

            @given(...)
            def example(payload):
                reach("valid" if is_valid(payload) else "invalid")
                ...

            example()

Hypothesis has ``event()`` for such counts, but it only prints them under
``--hypothesis-show-statistics``; nothing fails when a side is never reached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["branches"]


@contextmanager
def branches(*names: str) -> Iterator[Callable[[str], None]]:
    """Yield ``reach(name)``; on leaving (without an error), fail unless every name was reached.

    A name not declared is an error at once: a typo must not count as a branch reached."""
    if not names or len(set(names)) != len(names):
        raise ValueError(f"name each branch once: {names!r}")
    reached: dict[str, int] = dict.fromkeys(names, 0)

    def reach(name: str) -> None:
        if name not in reached:
            raise AssertionError(f"{name!r} is not one of the declared branches {list(names)}")
        reached[name] += 1

    yield reach
    missing = [name for name, count in reached.items() if count == 0]
    assert not missing, (
        f"no example reached the branch(es) {missing} (reached: {reached}): raise the test's "
        "max_examples or steer its strategy there"
    )
