"""Which part of a plan a run sends and judges: cases included or excluded by member (or
param), method and test id, rules by name (families are ``Settings.families``).

A case's member is the one its label names: ``widget_link.text`` for
``widget_link.text:maxLength``, ``user_id`` for ``user_id=0``, ``domain_name`` for the
duplicates family's ``domain_name``; a protocol case names none. A member selects itself and
the members under it (``widget_link`` takes ``widget_link.text``). The valid family draws every
member in each request, so it is always sent; its failures are kept where the member the reply
named is selected (``conformance.engine.results.defect_of``), so that ``--exclude-member``
drops a known defect there and hypothesis looks for others.

A test id pattern is matched as a shell glob in which ``[`` is a plain character (every test id
holds one): ``test_invalid_rejected[widget_link.*``; a bare test name (``test_protocol``) takes
each of its tests. A run whose selection leaves a rule unjudged fixes no baseline entry of it.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Final

from conformance.errors import ArgumentError

#: What ends a member's name in a case's label: a keyword after ``:``, a value after ``=``.
_MEMBER_END: Final = re.compile(r"[:=]")

#: Families whose labels do not start with a member (their cases are about the envelope).
_NO_MEMBER_FAMILIES: Final = ("protocol",)


def case_member(family: str, label: str) -> str:
    """The member (or param) a case of ``family`` with ``label`` is about; ``""``: none."""
    if family in _NO_MEMBER_FAMILIES:
        return ""
    return _MEMBER_END.split(label, maxsplit=1)[0]


def _under(member: str, names: Iterable[str]) -> bool:
    return any(member == name or member.startswith(name + ".") for name in names)


def _glob(pattern: str) -> str:
    """``pattern`` as fnmatch reads it with ``[`` a plain character; a bare test name takes
    every test of it."""
    if "[" not in pattern and "*" not in pattern and "?" not in pattern:
        pattern += "[*"
    return pattern.replace("[", "[[]")


@dataclass(frozen=True)
class Selection:
    """The user's selection: each ``include`` tuple empty means all; ``exclude`` wins."""

    rules: tuple[str, ...] = ()
    exclude_rules: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    exclude_members: tuple[str, ...] = ()
    test_ids: tuple[str, ...] = ()
    exclude_test_ids: tuple[str, ...] = ()

    @property
    def narrows_rules(self) -> bool:
        return bool(self.rules or self.exclude_rules)

    def check_rules(self, known: Collection[str], option: str, exclude_option: str) -> None:
        """``ArgumentError`` for a rule name the run does not know, with the closest one."""
        for given, name in [(option, r) for r in self.rules] + [
            (exclude_option, r) for r in self.exclude_rules
        ]:
            if name not in known:
                hint = difflib.get_close_matches(name, list(known), n=1)
                said = f"did you mean {hint[0]!r}?" if hint else f"rules: {', '.join(known)}"
                raise ArgumentError(f"{given} {name!r} is no rule of the run; {said}")

    def rule(self, name: str) -> bool:
        """Whether the rule ``name`` is judged."""
        if self.rules and name not in self.rules:
            return False
        return name not in self.exclude_rules

    def _test_id(self, test_id: str) -> bool:
        # a contract of several methods qualifies its ids (``method::test_...``): the pattern
        # may name either form
        forms = (test_id, test_id.rpartition("::")[2])
        matches = [
            any(fnmatch.fnmatchcase(form, _glob(p)) for form in forms)
            for p in (*self.test_ids, *self.exclude_test_ids)
        ]
        included, excluded = matches[: len(self.test_ids)], matches[len(self.test_ids) :]
        return (not self.test_ids or any(included)) and not any(excluded)

    def _member(self, member: str) -> bool:
        if self.members and not _under(member, self.members):
            return False
        return not (member and _under(member, self.exclude_members))

    def case(self, family: str, label: str, test_id: str) -> bool:
        """Whether a case (its family, label and test id as reports name it) is sent."""
        if not self._test_id(test_id):
            return False
        return family == "valid" or self._member(case_member(family, label))

    def failure(self, rule: str, family: str, member: str) -> bool:
        """Whether a failure of ``rule`` is kept: the valid family's by the ``member`` the reply
        named (``""``: none)."""
        return self.rule(rule) and (family != "valid" or self._member(member))

    def words(self, option: Callable[[str], str]) -> str:
        """The selection as the command line gave it (``option``: each field's option, as
        ``Settings.option`` names it)."""
        parts = [
            f"{option(name)} {value}"
            for name in (
                "rules",
                "exclude_rules",
                "members",
                "exclude_members",
                "test_ids",
                "exclude_test_ids",
            )
            for value in getattr(self, name)
        ]
        return " ".join(parts)

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


__all__ = ["Selection", "case_member"]
