"""A baseline: the known failures of a target, so that CI fails only on new ones.

The file is TOML (why: see the README's "Baseline"), one ``[[known]]`` block per defect
(``conformance.engine.results.Defect``), sorted, so that a diff shows one block per change::

    version = 2

    [[known]]
    rule = "expected-outcome"
    test_id = "test_invalid_rejected[widget_link.text:maxLength]"
    first_seen = 2025-05-02
    last_seen = 2025-05-09
    expires = 2025-06-30        # optional: known through this day, a failure again after it
    reason = "ticket SITES-123: the length is checked in bytes"

    [[known]]
    rule = "expected-outcome"
    test_id = "test_valid_accepted[valid]"
    member = "second_communication_period"
    reason = "found: expected a success, got error -32602 ..."

An entry's signature is the defect: its rule, its test id (the member or param and the kind of
case: ``widget_link.text:maxLength``, ``batch``) with no drawn value in it
(``test_references[user_id=*]``), and for the valid family, whose one test covers every
member, the member the reply named (``member``; none: a reply that named none). No seed, no
budget, no domain name, no time: the same defect found by another seed, another
``--max-examples`` or on another day is the same entry, and a defect of another member is new.

``judge(failures, test_ids, baseline, today)`` sorts a run's failures into new ones, known
ones and ones whose entry has expired, and finds the entries that no longer fail (``fixed``:
their test ran and the rule held; the valid family draws its requests, so an entry of it that
a run did not meet is ``not_run``, never fixed). ``updated`` and ``pruned`` give the baseline
to write back.

Version 1 files (written before entries named a member) are read: a valid-family entry of
version 1 names no member, so it now matches only failures whose reply named none, and a
note says so (``Baseline.notes``: ``--baseline-update`` writes an entry per member); a
references test id with a drawn value is read without it. Files are written as version 2.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

from conformance.engine.checks import rule_names
from conformance.engine.results import Defect, Failure, defect_of, stable_test_id
from conformance.errors import ArgumentError
from conformance.generation.cases import TEST_NAMES
from conformance.reporting.groups import counts_text
from conformance.reporting.redaction import scrub_text

VERSION: Final = 2

#: The versions read: 1 (no ``member``; see the module docstring) and this one.
READ_VERSIONS: Final = (1, 2)

HEADER: Final = """\
# Known failures of a JSON-RPC server: `conformance fuzz URL --baseline THIS_FILE`,
# `pytest --target-baseline THIS_FILE`. One [[known]] block per defect: its rule, its test id
# and, for the valid family (test_valid_accepted), the member the reply named.
# Edit `reason` and `expires` (a date, unquoted) by hand; --baseline-update and
# --baseline-prune rewrite the file and keep every member but comments.
"""

_KEYS: Final = ("rule", "test_id", "member", "first_seen", "last_seen", "expires", "reason")

#: The test every valid-family failure shares: its entries name a member.
_VALID_TEST: Final = TEST_NAMES["valid"]
#: a test id: ``test_invalid_rejected[label]``, with ``method::`` before it in a contract of
#: several methods (a method name may hold any character but the separator)
_TEST_ID: Final = re.compile(
    r"(?:(?P<method>.+?)::)?(?P<test>test_[a-z_]+)\[(?P<label>.+)\]\Z", re.DOTALL
)

#: The longest reason written from a failure's message when an entry is made.
_REASON_LENGTH: Final = 200

Key = Defect


@dataclass(frozen=True, order=True)
class Entry:
    """One known defect: ``rule`` broken on ``test_id`` (at ``member``, for the valid family)."""

    rule: str
    test_id: str
    member: str = ""
    first_seen: date | None = field(default=None, compare=False)
    last_seen: date | None = field(default=None, compare=False)
    expires: date | None = field(default=None, compare=False)
    reason: str = field(default="", compare=False)

    @property
    def key(self) -> Key:
        """The signature: the defect."""
        return Defect(self.rule, self.test_id, self.member)

    @property
    def text(self) -> str:
        """``expected-outcome: test_valid_accepted[valid] at default_phone_number``."""
        return self.key.text

    @property
    def drawn(self) -> bool:
        """Whether its test draws its requests (the valid family): a run that did not meet
        it proves nothing."""
        return self.test_id.rpartition("::")[2].startswith(_VALID_TEST + "[")

    def expired(self, today: date) -> bool:
        """Whether ``today`` is past ``expires`` (the entry holds through that day)."""
        return self.expires is not None and today > self.expires


@dataclass(frozen=True)
class Baseline:
    """The entries of a baseline file, sorted by rule and test id, one per signature."""

    entries: tuple[Entry, ...] = ()
    #: what reading the file had to say (an older version's entries read as this one's)
    notes: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(sorted(self.entries)))

    def get(self, key: Key) -> Entry | None:
        return next((entry for entry in self.entries if entry.key == key), None)


# --- reading and writing ------------------------------------------------------------------------


def _date(where: str, name: str, value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ArgumentError(
            f"{where}: {name} must be a TOML date, written without quotes: {name} = {value}"
        )
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise ArgumentError(f"{where}: {name} must be a date (YYYY-MM-DD); got {value!r}")
    return value


def _entry(where: str, document: Any) -> Entry:
    if not isinstance(document, dict):
        raise ArgumentError(f"{where} must be a table of {', '.join(_KEYS)}")
    unknown = sorted(set(document) - set(_KEYS))
    if unknown:
        # the closest first: only it is named (a bound on how many are looked for changes none)
        hint = difflib.get_close_matches(unknown[0], _KEYS)
        said = f"; did you mean {hint[0]!r}?" if hint else f"; expected some of {list(_KEYS)}"
        raise ArgumentError(f"{where}: unknown key {unknown[0]!r}{said}")
    for name in ("rule", "test_id"):
        if not isinstance(document.get(name), str) or not document[name]:
            raise ArgumentError(
                f"{where}: {name} is required, a string; got {document.get(name)!r}"
            )
    rule, test_id = document["rule"], document["test_id"]
    if rule not in rule_names():
        hint = difflib.get_close_matches(rule, rule_names())
        said = f"did you mean {hint[0]!r}?" if hint else f"expected one of {sorted(rule_names())}"
        raise ArgumentError(f"{where}: rule {rule!r} is no rule of the kit; {said}")
    matched = _TEST_ID.match(test_id)
    if matched is None or matched["test"] not in TEST_NAMES.values():
        raise ArgumentError(
            f"{where}: test_id {test_id!r} is not a test id of the suite, such as "
            f"'test_invalid_rejected[widget_link.text:maxLength]' (tests: "
            f"{', '.join(sorted(TEST_NAMES.values()))})"
        )
    reason = document.get("reason", "")
    if not isinstance(reason, str):
        raise ArgumentError(f"{where}: reason must be a string; got {reason!r}")
    member = document.get("member", "")
    if not isinstance(member, str):
        raise ArgumentError(f"{where}: member must be a string; got {member!r}")
    if member and not matched["test"] == _VALID_TEST:
        raise ArgumentError(
            f"{where}: member is for entries of the valid family ({_VALID_TEST}); the test id "
            f"{test_id!r} names its member already"
        )
    return Entry(
        rule,
        stable_test_id(test_id),
        member,
        first_seen=_date(where, "first_seen", document.get("first_seen")),
        last_seen=_date(where, "last_seen", document.get("last_seen")),
        expires=_date(where, "expires", document.get("expires")),
        reason=reason,
    )


def parse(text: str, where: str = "baseline") -> Baseline:
    """A baseline from TOML text; ``ArgumentError`` naming the entry and key for anything
    that is not one."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ArgumentError(f"{where}: not TOML: {error}") from None
    unknown = sorted(set(document) - {"version", "known"})
    if unknown:
        raise ArgumentError(
            f"{where}: unknown key {unknown[0]!r}; a baseline has `version` and [[known]] tables"
        )
    version = document.get("version", VERSION)
    if version not in READ_VERSIONS:
        raise ArgumentError(
            f"{where}: version must be one of {', '.join(map(str, READ_VERSIONS))}; got {version!r}"
        )
    known = document.get("known", [])
    if not isinstance(known, list):
        raise ArgumentError(f"{where}: known must be an array of tables: [[known]] blocks")
    entries: dict[Key, tuple[int, Entry]] = {}
    notes: list[str] = []
    for index, item in enumerate(known):
        entry = _entry(f"{where}: known[{index}]", item)
        if entry.key in entries:
            if version == 1:  # references test ids with other drawn ids: one entry now
                continue
            raise ArgumentError(
                f"{where}: known[{index}] repeats known[{entries[entry.key][0]}] "
                f"({entry.text}): one entry per defect"
            )
        if version == 1 and entry.drawn and not entry.member:
            notes.append(
                f"{where}: known[{index}] ({entry.text}) was written by a version 1 baseline, "
                "which named no member: it now matches only valid requests whose reply names "
                "none; --baseline-update writes an entry for each member that fails"
            )
        entries[entry.key] = index, entry
    return Baseline(tuple(entry for _, entry in entries.values()), tuple(notes))


def load(path: Path) -> Baseline:
    """Read a baseline file; ``ArgumentError`` naming the file when it cannot be one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ArgumentError(
            f"baseline {path} does not exist; make it from a run with --baseline-update"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ArgumentError(f"cannot read baseline {path}: {reason}") from None
    return parse(text, str(path))


def dumps(baseline: Baseline) -> str:
    """The baseline as TOML: the header, ``version``, then the entries in order."""
    import tomli_w

    blocks = [tomli_w.dumps({"version": VERSION})]
    for entry in baseline.entries:
        table: dict[str, Any] = {"rule": entry.rule, "test_id": entry.test_id}
        if entry.member:
            table["member"] = entry.member
        for name in ("first_seen", "last_seen", "expires"):
            if getattr(entry, name) is not None:
                table[name] = getattr(entry, name)
        if entry.reason:
            table["reason"] = entry.reason
        # each entry its own [[known]] block, whatever its length (tomli_w would write short
        # arrays of tables inline, one line for all, which diffs badly)
        blocks.append("[[known]]\n" + tomli_w.dumps(table))
    return HEADER + "\n" + "\n".join(blocks)


def write(path: Path, baseline: Baseline) -> None:
    """Write ``baseline`` to ``path`` whole (a temporary file renamed over it)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(dumps(baseline), encoding="utf-8")
    temporary.replace(path)


# --- judging a run ------------------------------------------------------------------------------


@dataclass
class Judgement:
    """A run's failures against a baseline."""

    #: failures no entry knows, in the run's order
    new: list[Failure] = field(default_factory=list)
    #: failures an entry knows, by entry
    known: dict[Entry, list[Failure]] = field(default_factory=dict)
    #: failures whose entry has expired, by entry: failures again
    expired: dict[Entry, list[Failure]] = field(default_factory=dict)
    #: entries whose test ran and whose rule held on it
    fixed: list[Entry] = field(default_factory=list)
    #: entries whose test did not run (another role, fewer families), or the valid family's
    #: entries a run did not meet (its requests are drawn): neither known nor fixed
    not_run: list[Entry] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """No new failure and no expired entry still failing."""
        return not self.new and not self.expired

    @property
    def failing(self) -> list[Failure]:
        """The failures that fail the run: new ones and those of expired entries."""
        failing = {id(f) for f in self.new}
        failing.update(id(f) for failures in self.expired.values() for f in failures)
        return [f for f in self._all if id(f) in failing]

    _all: list[Failure] = field(default_factory=list, repr=False)


def judge(
    failures: Sequence[Failure],
    test_ids: Iterable[str],
    baseline: Baseline,
    today: date,
    rules: Collection[str] | None = None,
) -> Judgement:
    """Sort ``failures`` by ``baseline``; ``test_ids`` are the tests the run sent, ``rules``
    the rules it judged where it left some out (``--rule``): an entry of another rule is not
    fixed by a test that ran unjudged by it."""
    judgement = Judgement(_all=list(failures))
    broken: set[Key] = set()
    for failure in failures:
        key = defect_of(failure)
        broken.add(key)
        entry = baseline.get(key)
        if entry is None:
            judgement.new.append(failure)
        elif entry.expired(today):
            judgement.expired.setdefault(entry, []).append(failure)
        else:
            judgement.known.setdefault(entry, []).append(failure)
    ran = {stable_test_id(test_id) for test_id in test_ids}
    for entry in baseline.entries:
        if entry.key in broken:
            continue
        judged = rules is None or entry.rule in rules
        fixed = entry.test_id in ran and not entry.drawn and judged
        (judgement.fixed if fixed else judgement.not_run).append(entry)
    return judgement


def _reason(failures: Sequence[Failure], token: str) -> str:
    message = " ".join(scrub_text(failures[0].explained, token).split())
    if len(message) > _REASON_LENGTH:
        message = message[: _REASON_LENGTH - 1] + "…"
    return f"found: {message}"


def updated(baseline: Baseline, judgement: Judgement, today: date, token: str) -> Baseline:
    """The baseline of this run: an entry per failing signature (the existing one with
    ``last_seen`` moved on, or a new one whose reason quotes the failure), fixed entries
    dropped, entries of tests that did not run kept as they are. The token is scrubbed out of
    the reasons."""
    entries = list(judgement.not_run)
    seen: dict[Key, list[Failure]] = {}
    for failure in judgement._all:
        seen.setdefault(defect_of(failure), []).append(failure)
    for key, failures in seen.items():
        entry = baseline.get(key)
        if entry is None:
            member = scrub_text(key.member, token)
            entry = Entry(
                key.rule, key.test_id, member, first_seen=today, reason=_reason(failures, token)
            )
        entries.append(dataclasses.replace(entry, last_seen=today))
    return Baseline(tuple(entries))


def verdict(judgement: Judgement) -> str:
    """The verdict of a run judged by a baseline, as every report says it."""
    known = sum(len(f) for f in judgement.known.values())
    if judgement.passed:
        return f"no new failures ({known} known, {len(judgement.fixed)} fixed: baseline)"
    failing = judgement.failing
    defects = len({defect_of(f) for f in failing})
    rules = len({f.rule for f in failing})
    expired = sum(len(f) for f in judgement.expired.values())
    return (
        f"does not conform: {counts_text(len(failing), defects, rules)} not in the baseline "
        f"({len(judgement.new)} new, {expired} of expired entries; {known} known)"
    )


def pruned(baseline: Baseline, judgement: Judgement) -> Baseline:
    """The baseline without its fixed entries; nothing added."""
    fixed = set(judgement.fixed)
    return Baseline(tuple(entry for entry in baseline.entries if entry not in fixed))


__all__ = [
    "HEADER",
    "READ_VERSIONS",
    "VERSION",
    "Baseline",
    "Entry",
    "Judgement",
    "dumps",
    "judge",
    "load",
    "parse",
    "pruned",
    "updated",
    "verdict",
    "write",
]
