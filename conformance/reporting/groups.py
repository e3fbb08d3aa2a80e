"""A run's failures grouped by the defect each is a case of (``conformance.engine.results.
Defect``): what every report lists, one group a defect, so that no count hides one.

Nearly every behavioural defect breaks the one rule ``expected-outcome``: a report that counted
failures by rule would show a few and hide the rest behind a number. A group is one defect: one
full example (the first failure found; the valid family's is the one hypothesis shrank), the
number of failures and the cases they came from.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from conformance.engine.results import Defect, Failure, defect_of


@dataclass
class Group:
    """The failures of one defect, in the order they were found."""

    defect: Defect
    failures: list[Failure] = field(default_factory=list)

    @property
    def example(self) -> Failure:
        """The failure shown in full: the first found."""
        return self.failures[0]

    @property
    def cases(self) -> list[str]:
        """The names of the cases that broke the rule, once each, in order."""
        return list(dict.fromkeys(failure.case for failure in self.failures))


def grouped(failures: Iterable[Failure]) -> list[Group]:
    """``failures`` by defect, each group where its first failure was found."""
    groups: dict[Defect, Group] = {}
    for failure in failures:
        defect = defect_of(failure)
        groups.setdefault(defect, Group(defect)).failures.append(failure)
    return list(groups.values())


def defect_words(defect: Defect, hide: Callable[[str], str]) -> str:
    """``defect`` in words, the member (named by the target, which may have echoed a secret
    there) passed through ``hide``; the rest is the kit's own words."""
    if not defect.member:
        return defect.text
    return dataclasses.replace(defect, member=hide(defect.member)).text


def counts_text(failures: int, groups: int, rules: int) -> str:
    """``13 failures (3 defects) of 1 rule``: the words of every report's verdict."""
    return f"{_count(failures, 'failure')} ({_count(groups, 'defect')}) of {_count(rules, 'rule')}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


__all__ = ["Group", "counts_text", "defect_words", "grouped"]
