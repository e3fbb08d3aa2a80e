"""What a run found: one ``Failure`` a broken rule on one case, the ``Report`` of the run.

One results model for every contract: a failure names its method where the contract has
several (its test id is then ``method::test_id``), and the source its rule stands on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from conformance.engine.creations import Created
from conformance.engine.reproduce import Template
from conformance.engine.settings import Settings
from conformance.errors import PayloadError
from conformance.generation import cases as case_module
from conformance.generation.cases import Case
from conformance.validation.payloads import loads

#: Reply headers a failure report shows.
SHOWN_HEADERS: Final = ("content-type", "content-length", "connection")


@dataclass(frozen=True)
class Failure:
    """One broken rule on one case: what was sent, what came back, how to reproduce it."""

    rule: str
    doc: str
    family: str
    label: str
    case: str
    message: str
    request: Any
    body: bytes
    status: int | None
    headers: dict[str, str]
    reply_body: bytes
    seed: int
    target: str
    #: the body in parts (token, unique tag), where the runner built it from a payload: what
    #: reports show and ``curl`` replays (``conformance.engine.reproduce``)
    shown: Template | None = None
    #: the case that broke the rule (its expectation and headers): saved failures replay it
    source: Case | None = field(default=None, compare=False, repr=False)
    #: the method, where the contract has several: the test id is then ``method::test_id``
    method: str | None = None
    #: what the rule stands on (the method page, JSON-RPC 2.0, a standard, the kit's decision)
    basis: str = ""
    #: the bodies sent before this one on the same unique value (a duplicates case: the
    #: request that created the site): a reproduction sends them first
    before: tuple[Template, ...] = field(default=(), compare=False, repr=False)
    #: what the run's own setting may have to do with it (a target of the other revision):
    #: the text report says each hint once, not with each failure
    hint: str = ""

    @property
    def explained(self) -> str:
        """The message with its hint, for the outputs that show one failure alone."""
        return f"{self.message} ({self.hint})" if self.hint else self.message

    @property
    def test_id(self) -> str:
        """The id of the test of the broken rule (``test_invalid_rejected[field:keyword]``,
        ``eth_call::test_protocol[batch]`` in a contract of several methods)."""
        bare = case_module.test_id(self.family, self.label)
        return f"{self.method}::{bare}" if self.method else bare


@dataclass
class RuleCount:
    """How many cases a rule was checked on, and how many broke it."""

    cases: int = 0
    failures: int = 0


@dataclass
class MethodTally:
    """One method's share of a run over a contract of several methods."""

    cases_sent: int = 0
    families: dict[str, int] = field(default_factory=dict)
    failures: int = 0
    #: what the plan could not make or generate for this method
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    """The outcome of a run."""

    target: str
    settings: Settings
    #: what was run: "create.sites (seed revision)", or the OpenRPC document's source
    contract: str = "create.sites"
    #: the bundled contract's revision; ``None`` for an OpenRPC document
    revision: str | None = None
    failures: list[Failure] = field(default_factory=list)
    rules: dict[str, RuleCount] = field(default_factory=dict)
    cases_sent: int = 0
    families: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    first_failure_at: int | None = None
    notes: list[str] = field(default_factory=list)
    #: valid requests that failed, by rule and the member the reply named ("expected-outcome
    #: at domain_name"), shrinking included
    valid_failures: dict[str, int] = field(default_factory=dict)
    #: the test id of every rule sent, in order, once each (the valid family is one)
    test_ids: list[str] = field(default_factory=list)
    #: each method's tally, where the contract has several (in the contract's order)
    methods: dict[str, MethodTally] = field(default_factory=dict)
    #: -32029 limit_exceeded replies waited on and resent, and the seconds waited for them
    limit_waits: int = 0
    limit_waited: float = 0.0
    #: the tests sent and not judged beyond robustness (the kit's decisions, without
    #: ``--strict``), each with the reason: what the report lists as not judged
    not_judged: dict[str, str] = field(default_factory=dict)
    #: valid requests of a document answered with an application error, by code: counted,
    #: not judged (a stateful server's "not found"), unless ``Settings.expect_success``
    application_errors: dict[int, int] = field(default_factory=dict)
    #: why the run ended before its plan (a signal, a target that stopped answering,
    #: ``Settings.max_failures``); ``None``: it ran whole
    stopped: str | None = None
    #: what the run created on the target, in order (``conformance.engine.creations``)
    created: list[Created] = field(default_factory=list)
    #: cases not sent because ``Settings.max_creates`` was reached, by family
    not_sent: dict[str, int] = field(default_factory=dict)
    #: cases of the plan left out by ``Settings.selection``, by family
    deselected: dict[str, int] = field(default_factory=dict)

    @property
    def conforms(self) -> bool:
        """Whether no check failed."""
        return not self.failures


class Interrupted(KeyboardInterrupt):
    """A Ctrl-C ended the run; ``report`` holds what ran until then."""

    def __init__(self, report: Report) -> None:
        super().__init__("interrupted")
        self.report = report


#: What a failing valid request is counted and shrunk under: the first broken rule, and the
#: member the reply's ``error.data.field`` names (``None`` where it names none).
FailureKey = tuple[str, str | None]


def failure_key(failures: Sequence[Failure]) -> FailureKey:
    """The key of a failing valid request (``FailureKey``).

    A server that refuses many drawn values of one member (a false alarm, or a real defect)
    must not hide a defect of another member: each key is its own failure to hypothesis.
    """
    first = failures[0]
    return first.rule, _field_named(first.reply_body)


@dataclass(frozen=True, order=True)
class Defect:
    """What a failure is a case of, the same on every seed and every budget: the rule broken,
    the test (its id with no drawn value in it: ``test_references[user_id=*]``, and
    ``method::`` before it in a contract of several methods), and for the valid family, whose
    one test covers every member, the member the reply named (``""``: it named none).

    The test id names the member or param and the case kind of every other family
    (``test_invalid_rejected[widget_link.text:maxLength]``, ``test_protocol[batch]``), so a
    defect of another member, or another kind of case, is another ``Defect``. Reports group
    failures by it and a baseline entry names one."""

    rule: str
    test_id: str
    member: str = ""

    @property
    def text(self) -> str:
        """``expected-outcome: test_valid_accepted[valid] at default_phone_number``."""
        return f"{self.rule}: {self.test_id}" + (f" at {self.member}" if self.member else "")


#: A references label names the id it sent (``user_id=1627694679``), drawn from the seed.
_DRAWN_ID: Final = re.compile(r"\[(?P<path>[^=\[\]]+)=[^\]]*\]\Z")


def stable_test_id(test_id: str) -> str:
    """``test_id`` with the value a references case drew written ``*``:
    ``test_references[user_id=*]``; any other test id as it is."""
    name = test_id.rpartition("::")[2]
    if not name.startswith(case_module.TEST_NAMES["references"] + "["):
        return test_id
    return _DRAWN_ID.sub(lambda found: f"[{found['path']}=*]", test_id)


def defect_of(failure: Failure) -> Defect:
    """The ``Defect`` ``failure`` is a case of."""
    member = _field_named(failure.reply_body) if failure.family == "valid" else None
    return Defect(failure.rule, stable_test_id(failure.test_id), member or "")


def key_text(key: FailureKey) -> str:
    """``expected-outcome at domain_name``, or the rule alone."""
    rule, member = key
    return f"{rule} at {member}" if member else rule


def _field_named(reply_body: bytes) -> str | None:
    try:
        reply = loads(reply_body)
    except PayloadError:
        return None
    error = reply.get("error") if isinstance(reply, dict) else None
    data = error.get("data") if isinstance(error, dict) else None
    named = data.get("field") if isinstance(data, dict) else None
    return named if isinstance(named, str) and named else None


__all__ = [
    "SHOWN_HEADERS",
    "Defect",
    "Failure",
    "FailureKey",
    "Interrupted",
    "MethodTally",
    "Report",
    "RuleCount",
    "defect_of",
    "failure_key",
    "key_text",
    "stable_test_id",
]
