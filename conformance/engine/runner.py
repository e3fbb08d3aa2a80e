"""The conformance runner: send every family of cases to a live server and check each reply.

The API, for tools built on the runner (mutation tests, benchmarks)::

    from conformance.engine.runner import Settings, run

    report = run("http://127.0.0.1:8080/", settings=Settings(token="..."))
    report.conforms            # no failure at all
    report.failures            # [Failure(rule, family, label, case, message, ...)], in send order
    report.rules               # {"expected-outcome": RuleCount(cases=412, failures=0), ...}
    report.cases_sent          # every request sent, hypothesis's shrinking included
    report.first_failure_at    # cases sent until the first failure (None if none)

``Settings`` holds the token, the caller's role, the ids the target knows (``user_id``,
``scenario_id``), the seed, hypothesis's ``max_examples`` for the valid family, the timeout,
``families`` to run, ``stop_at_first``, ``progress`` and ``on_family`` callbacks, and
``options``: how the front end names each setting in messages. ``run`` raises
``ArgumentError`` for settings it cannot use, ``Unreachable`` when no TCP connection to the
target opens (said at once, before any case is sent), and another ``SetupFailed``
(``conformance.engine.setup``) when the first answers show the run's own mistake: no JSON-RPC
server at the URL, a token, ids or a role the target refuses. A Ctrl-C raises ``Interrupted``
(a ``KeyboardInterrupt``) carrying the report of what ran so far.

Order: protocol, boundary, invalid and references (deterministic, no hypothesis engine) then
valid (hypothesis, shrinking each failing rule to a minimal request). Every request's
``domain_name`` is made unique at send time by a run-unique tag written over its first letters
and digits, so a case about the name's length keeps that length, and hypothesis's replays see
the same behaviour as its first tries.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from conformance.contract import DEFAULT_REVISION, REVISIONS, ROLES
from conformance.engine.checks import CHECKS, UNPARSED, Exchange, Rule, RunState, Violated
from conformance.engine.interrupts import CtrlC, kept
from conformance.engine.limits import Pacer, RateLimited, limit_exceeded, wait_for
from conformance.engine.reproduce import Template, build, marks_for
from conformance.engine.setup import (
    CLI_OPTIONS,
    SetupFailed,
    TokenRefused,
    Unreachable,
    first_exchange,
    first_success,
)
from conformance.engine.transport import Answer, Client, Target, reachable
from conformance.errors import ArgumentError, PayloadError
from conformance.generation import cases as case_module
from conformance.generation.cases import ABSENT, FAMILIES, SUCCESS, UNIQUE_MEMBER, Case
from conformance.generation.schema_tree import node_validator, tree
from conformance.validation.masking import SECRET_MEMBERS
from conformance.validation.payloads import loads

if TYPE_CHECKING:
    import hypothesis

#: Members that name entities on the target: sent in valid requests only with ids the user
#: names (``Settings.user_id``, ``Settings.scenario_id``); random ones go to ``references``.
REFERENCE_MEMBERS: Final = {"user_id": "user_id", "default_scenario_id": "scenario_id"}

#: The member that carries the access token.
TOKEN_MEMBER: Final = next(iter(sorted(SECRET_MEMBERS)))

#: A token value that requests may carry where they are drawn or shown (hypothesis prints the
#: requests it draws): replaced by the real token only when sent.
TOKEN_PLACEHOLDER: Final = "***"

#: hypothesis examples of the valid family by default: about 1 s of generation here.
DEFAULT_MAX_EXAMPLES: Final = 100


class Interrupted(KeyboardInterrupt):
    """A Ctrl-C ended the run; ``report`` holds what ran until then."""

    def __init__(self, report: Report) -> None:
        super().__init__("interrupted")
        self.report = report


@dataclass(frozen=True)
class Settings:
    """How to run: see the module docstring."""

    token: str
    role: str = "customer"
    #: the contract's revision the target implements (``conformance.contract.REVISIONS``)
    revision: str = DEFAULT_REVISION
    user_id: int | None = None
    scenario_id: int | None = None
    seed: int = 0
    max_examples: int = DEFAULT_MAX_EXAMPLES
    timeout: float = 5.0
    #: requests per second at most (``None``: as fast as the target answers)
    rate: float | None = None
    #: seconds the run may wait in total on -32029 limit_exceeded replies before it stops
    max_limit_wait: float = 60.0
    families: tuple[str, ...] = FAMILIES
    stop_at_first: bool = False
    #: called with the number of cases sent so far and the family of the last one
    progress: Callable[[int, str], None] | None = field(default=None, compare=False)
    #: called as each family starts, with its number of cases (the valid family: its budget)
    on_family: Callable[[str, int], None] | None = field(default=None, compare=False)
    #: how messages name each setting (``conformance.engine.setup.CLI_OPTIONS`` by default)
    options: Mapping[str, str] = field(default_factory=lambda: dict(CLI_OPTIONS), compare=False)

    def option(self, setting: str) -> str:
        """The name the user knows ``setting`` by (``--user-id``, ``--target-user-id``)."""
        return self.options.get(setting, CLI_OPTIONS.get(setting, setting))

    def __post_init__(self) -> None:
        if not isinstance(self.token, str) or not self.token:
            raise ArgumentError(
                f"a token is required: {self.option('token')}, the access token the target accepts"
            )
        if self.role not in ROLES:
            raise ArgumentError(
                f"{self.option('role')} must be one of {', '.join(ROLES)}; got {self.role!r}"
            )
        if self.revision not in REVISIONS:
            raise ArgumentError(
                f"{self.option('revision')} must be one of the contract's revisions "
                f"{', '.join(REVISIONS)}; got {self.revision!r}"
            )
        for name in ("user_id", "scenario_id"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise ArgumentError(f"{self.option(name)} must be an integer; got {value!r}")
        if self.max_examples < 0:
            raise ArgumentError(f"max_examples must be >= 0; got {self.max_examples!r}")
        if not 0 < self.timeout < float("inf"):  # NaN too: sockets refuse it
            raise ArgumentError(
                f"{self.option('timeout')} must be a number of seconds > 0; got {self.timeout!r}"
            )
        if self.rate is not None and not 0 < self.rate < float("inf"):
            raise ArgumentError(
                f"{self.option('rate')} must be a number of requests per second > 0; "
                f"got {self.rate!r}"
            )
        if not 0 <= self.max_limit_wait < float("inf"):
            raise ArgumentError(f"max_limit_wait must be seconds >= 0; got {self.max_limit_wait!r}")
        unknown = set(self.families) - set(FAMILIES)
        if unknown:
            raise ArgumentError(f"unknown families {sorted(unknown)}; expected some of {FAMILIES}")

    @property
    def fixed(self) -> dict[str, Any]:
        """Params members with one value: the token, and the ids the user named."""
        fixed: dict[str, Any] = {TOKEN_MEMBER: self.token}
        for member, setting in REFERENCE_MEMBERS.items():
            if getattr(self, setting) is not None:
                fixed[member] = getattr(self, setting)
        return fixed

    @property
    def omitted(self) -> list[str]:
        """Reference members valid requests leave out: the ids the user did not name."""
        return [m for m, setting in REFERENCE_MEMBERS.items() if getattr(self, setting) is None]


def iter_plan(settings: Settings) -> Iterator[Case]:
    """The deterministic cases of the run (every family but ``valid``), in send order, each
    family made when the one before it is sent: the first case goes out at once."""
    for _, cases in iter_families(settings):
        yield from cases


def iter_families(settings: Settings) -> Iterator[tuple[str, list[Case]]]:
    """The deterministic families of the run, each ``(name, cases)``, made one at a time.

    Cases carry ``TOKEN_PLACEHOLDER`` as their token (put in place when sent), so that no
    case, raw body or report made from one ever holds the real token.
    """
    required = tree("params", settings.role, settings.revision).get("required", [])
    missing = [m for m in settings.omitted if m in required]
    if missing:
        options = ", ".join(settings.option(REFERENCE_MEMBERS[m]) for m in missing)
        raise ArgumentError(
            f"{', '.join(missing)} is required for {settings.option('role')} "
            f"{settings.role}: name one the target knows ({options})"
        )
    fixed = {**settings.fixed, TOKEN_MEMBER: TOKEN_PLACEHOLDER}
    base = case_module.base(
        settings.role, fixed=fixed, omitted=settings.omitted, revision=settings.revision
    )
    made: dict[str, Callable[[], list[Case]]] = {
        "protocol": lambda: case_module.protocol_cases(base, TOKEN_MEMBER),
        "boundary": lambda: case_module.boundary_cases(base),
        "invalid": lambda: case_module.invalid_cases(base, list(REFERENCE_MEMBERS)),
        "references": lambda: case_module.reference_cases(
            base, list(REFERENCE_MEMBERS), settings.seed
        ),
        "duplicates": lambda: case_module.duplicate_cases(base),
    }
    for family, make in made.items():
        if family in settings.families:
            yield family, make()


def plan(settings: Settings) -> list[Case]:
    """The deterministic cases of the run, as a list; see ``iter_plan``."""
    return list(iter_plan(settings))


# --- failures and the report --------------------------------------------------------------------


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

    @property
    def test_id(self) -> str:
        """The id of the test of the broken rule (``test_invalid_rejected[field:keyword]``)."""
        return case_module.test_id(self.family, self.label)


@dataclass
class RuleCount:
    """How many cases a rule was checked on, and how many broke it."""

    cases: int = 0
    failures: int = 0


@dataclass
class Report:
    """The outcome of a run."""

    target: str
    settings: Settings
    failures: list[Failure] = field(default_factory=list)
    rules: dict[str, RuleCount] = field(
        default_factory=lambda: {name: RuleCount() for name in CHECKS}
    )
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
    #: -32029 limit_exceeded replies waited on and resent, and the seconds waited for them
    limit_waits: int = 0
    limit_waited: float = 0.0

    @property
    def conforms(self) -> bool:
        """Whether no check failed."""
        return not self.failures


#: Reply headers a failure report shows.
SHOWN_HEADERS: Final = ("content-type", "content-length", "connection")


class _Stop(Exception):
    """Raised to end a run at its first failure (``Settings.stop_at_first``)."""


@dataclass(frozen=True)
class Prepared:
    """A case's payload as the runner sends it, but with ``TOKEN_PLACEHOLDER`` for the token;
    ``tagged`` maps each index of ``domain_name`` that holds a tag character to its index in
    ``tag`` (reports show the body from it, ``curl`` draws a fresh tag there)."""

    payload: Any
    tag: str = ""
    tagged: Mapping[int, int] = field(default_factory=dict)


def _with_token(payload: Any, token: Any) -> Any:
    """``payload`` with ``TOKEN_PLACEHOLDER`` replaced by ``token`` (in each request of a batch)."""
    if isinstance(payload, list):
        return [_with_token(item, token) for item in payload]
    if not isinstance(payload, dict) or not isinstance(payload.get("params"), dict):
        return payload
    params = payload["params"]
    if params.get(TOKEN_MEMBER) != TOKEN_PLACEHOLDER:
        return payload
    return {**payload, "params": {**params, TOKEN_MEMBER: token}}


def _tagged(value: str, unique: str, tag: str) -> dict[int, int]:
    """Where ``unique_domain`` put ``tag``'s characters in ``unique`` (made from ``value``)."""
    if unique == value:
        return {}
    if unique == f"{tag}.{value}":
        return {index: index for index in range(len(tag))}
    positions = [index for index, char in enumerate(value) if char.isalnum()]
    return {position: index for index, position in enumerate(positions[: len(tag)])}


def shown_template(prepared: Prepared) -> Template:
    """The template of the body sent for ``prepared``: its JSON text with the token and the
    tag's characters as parts of their own (``conformance.engine.reproduce``)."""
    text = _dumps(prepared.payload).decode("utf-8")
    base = marks_for(text, len(prepared.tag))
    marked = _with_token(prepared.payload, chr(base))
    if prepared.tagged:
        params = marked["params"]
        chars = list(params[UNIQUE_MEMBER])
        for position, index in prepared.tagged.items():
            chars[position] = chr(base + 1 + index)
        marked = {**marked, "params": {**params, UNIQUE_MEMBER: "".join(chars)}}
    return build(_dumps(marked).decode("utf-8"), base, prepared.tag, len(prepared.tag))


class Session:
    """Sends cases over one connection, checks the replies, keeps the report: ``exchange(case)``
    then ``evaluate(exchange)`` gives the failures of one case (the pytest plugin's unit)."""

    def __init__(self, target: Target, settings: Settings, report: Report) -> None:
        self.client = Client(target, settings.timeout)
        self.settings = settings
        self.pacer = Pacer(settings.rate)
        self.report = report
        #: the checks every reply goes through (the OpenRPC runner passes its own set)
        self.checks: Mapping[str, Rule] = CHECKS
        self.state = RunState(revision=settings.revision, role=settings.role)
        self.seen_test_ids: set[str] = set()
        #: the first exchange tells whether a JSON-RPC server answers at all; the first that
        #: should succeed, whether it takes the token, the ids and the role
        self.target_checked = False
        self.token_checked = False
        self.refused: SetupFailed | None = None
        #: Ctrl-C as ``run`` records it: checked before each request, in case its first
        #: raise was swallowed (``conformance.engine.interrupts``)
        self.ctrl_c = CtrlC()
        # base 36: 5 random characters (60 million runs) and a 4-character counter
        self.tag = _base36(secrets.randbelow(36**5), 5)
        self.counter = 0
        #: the tag of each ``Case.domain_key`` sent so far: its cases share one domain name
        self.domain_tags: dict[str, str] = {}
        self.domain_valid = node_validator(
            tree("params", settings.role, settings.revision)["properties"][UNIQUE_MEMBER]
        )

    def prepare(self, case: Case) -> Any:
        """The payload to send: the token put in place of ``TOKEN_PLACEHOLDER``, and the domain
        name made unique."""
        return _with_token(self.prepared(case).payload, self.settings.token)

    def prepared(self, case: Case) -> Prepared:
        """``case``'s payload with the domain name made unique, the token still a placeholder."""
        payload = case.payload
        if (
            not case.unique_domain
            or not isinstance(payload, dict)
            or not isinstance(payload.get("params"), dict)
            or not isinstance(payload["params"].get(UNIQUE_MEMBER), str)
        ):
            return Prepared(payload)
        params = payload["params"]
        tag = self.domain_tags.get(case.domain_key or "")
        if tag is None:
            self.counter += 1
            # a fixed width: two tags of one length written over the same places never collide
            tag = f"{self.tag}{_base36(self.counter % 36**4, 4)}"
            if case.domain_key is not None:
                self.domain_tags[case.domain_key] = tag
        value = params[UNIQUE_MEMBER]
        unique = unique_domain(value, tag, self.domain_valid)
        if case.domain_case == "upper":
            unique = unique.upper()
        return Prepared(
            {**payload, "params": {**params, UNIQUE_MEMBER: unique}},
            tag,
            _tagged(value, unique, tag),
        )

    def exchange(self, case: Case) -> Exchange:
        self.ctrl_c.check()
        prepared = self.prepared(case) if case.body is None else None
        payload = (
            _with_token(prepared.payload, self.settings.token) if prepared is not None else None
        )
        body = case.body if case.body is not None else _dumps(payload)
        answer = self.post(body, case.headers)
        self.report.cases_sent += 1
        if case.test_id not in self.seen_test_ids:
            self.seen_test_ids.add(case.test_id)
            self.report.test_ids.append(case.test_id)
        self.report.families[case.family] = self.report.families.get(case.family, 0) + 1
        if self.settings.progress is not None:
            self.settings.progress(self.report.cases_sent, case.family)
        exchange = Exchange(case, payload, body, answer, source=prepared)
        if answer.truncated:
            exchange.parse_error = (
                f"the body is longer than {len(answer.body)} bytes; the runner read no further"
            )
        elif answer.status is not None and answer.body:
            try:
                exchange.reply = loads(answer.body)
            except PayloadError as error:
                exchange.parse_error = str(error)
        elif answer.status is not None:
            exchange.parse_error = "the body is empty"
        if self.refused is not None:
            raise self.refused  # every exchange after it too: hypothesis replays its examples
        found: SetupFailed | None = None
        if not self.target_checked:
            self.target_checked = True
            found = first_exchange(exchange, self.report.target, self.settings.options)
        if found is None and not self.token_checked and case.expect == SUCCESS:
            self.token_checked = True
            found = first_success(exchange, self.settings)
        if found is not None:
            self.refused = found
            raise found
        return exchange

    def post(self, body: bytes, headers: Mapping[str, str]) -> Answer:
        """Send ``body`` at the run's pace; a -32029 limit_exceeded reply is waited on and the
        body sent again, within ``Settings.max_limit_wait`` in total (else ``RateLimited``)."""
        attempt = 0
        while True:
            self.pacer.wait()
            answer = self.client.post(body, headers)
            error = limit_exceeded(answer)
            if error is None:
                return answer
            pause = wait_for(answer, error, attempt)
            left = self.settings.max_limit_wait - self.report.limit_waited
            if pause > left:
                raise RateLimited(
                    f"the target answered -32029 limit_exceeded again after "
                    f"{self.report.limit_waited:.1f} s of waiting in this run (the bound is "
                    f"{self.settings.max_limit_wait:g} s); lower {self.settings.option('rate')} "
                    "or raise the target's limit"
                )
            time.sleep(pause)
            attempt += 1
            self.report.limit_waits += 1
            self.report.limit_waited += pause

    def evaluate(self, exchange: Exchange) -> list[Failure]:
        failures: list[Failure] = []
        for rule in self.checks.values():
            self.report.rules.setdefault(rule.name, RuleCount()).cases += 1
            try:
                rule.function(exchange, self.state)
            except Violated as violated:
                failures.append(self.failure(rule.name, rule.doc, exchange, str(violated)))
        return failures

    def failure(self, rule: str, doc: str, exchange: Exchange, message: str) -> Failure:
        answer: Answer = exchange.answer
        case = exchange.case
        source = exchange.source
        return Failure(
            rule=rule,
            doc=doc,
            family=case.family,
            label=case.label,
            case=case.name,
            message=message,
            request=exchange.payload,
            body=exchange.body,
            status=answer.status,
            headers={k: v for k, v in answer.headers.items() if k in SHOWN_HEADERS},
            reply_body=answer.body,
            seed=self.settings.seed,
            target=self.report.target,
            shown=shown_template(source) if isinstance(source, Prepared) else None,
            source=case,
        )

    def record(self, failures: Sequence[Failure]) -> None:
        for failure in failures:
            self.report.failures.append(failure)
            self.report.rules.setdefault(failure.rule, RuleCount()).failures += 1
        if failures and self.report.first_failure_at is None:
            self.report.first_failure_at = self.report.cases_sent
        if failures and self.settings.stop_at_first:
            raise _Stop


def _base36(number: int, width: int) -> str:
    digits = ""
    for _ in range(width):
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
    return digits


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")


def unique_domain(value: str, tag: str, is_valid: Callable[[Any], bool]) -> str:
    """``value`` with ``tag`` written over its first letters and digits (same length), else with
    ``tag`` as a label in front; ``value`` itself where neither keeps it valid.

    The last label is never written over: a top-level domain with digits in it can be no real
    one, and libraries refuse it."""
    before_last_label = value[: max(value.rfind("."), 0)]
    positions = [index for index, char in enumerate(before_last_label) if char.isalnum()]
    if len(positions) >= len(tag):
        chars = list(value)
        for index, char in zip(positions, tag, strict=False):
            chars[index] = char
        replaced = "".join(chars)
        if is_valid(replaced):
            return replaced
    prefixed = f"{tag}.{value}"
    return prefixed if is_valid(prefixed) else value


def failure_key(failures: Sequence[Failure]) -> tuple[str, str | None]:
    """What a failing valid request is counted and shrunk under: the first broken rule, and the
    member the reply's ``error.data.field`` names (``None`` where it names none).

    A server that refuses many drawn values of one member (a false alarm, or a real defect)
    must not hide a defect of another member: each key is its own failure to hypothesis.
    """
    first = failures[0]
    return first.rule, _field_named(first.reply_body)


def _field_named(reply_body: bytes) -> str | None:
    try:
        reply = json.loads(reply_body)
    except ValueError:
        return None
    error = reply.get("error") if isinstance(reply, dict) else None
    data = error.get("data") if isinstance(error, dict) else None
    field = data.get("field") if isinstance(data, dict) else None
    return field if isinstance(field, str) and field else None


def failure_type(key: tuple[str, str | None]) -> type[CheckFailed]:
    """One exception class per failure key: hypothesis shrinks each distinct failure on its own."""
    if key not in _FAILURE_TYPES:
        rule, member = key
        name = f"Failed_{rule}" + (f"_at_{member}" if member else "")
        _FAILURE_TYPES[key] = type(name.replace("-", "_").replace(".", "_"), (CheckFailed,), {})
    return _FAILURE_TYPES[key]


class CheckFailed(Exception):
    """A valid request broke a rule; raised inside hypothesis tests, one subclass per key."""

    def __init__(self, failures: list[Failure]) -> None:
        super().__init__(f"{failures[0].rule}: {failures[0].message}")
        self.failures = failures


_FAILURE_TYPES: dict[tuple[str, str | None], type[CheckFailed]] = {}

#: Rounds of the valid family at most: each pins the members that failed in the rounds before.
MAX_VALID_ROUNDS: Final = 5


def _found(error: BaseException) -> list[CheckFailed]:
    if isinstance(error, CheckFailed):
        return [error]
    if isinstance(error, BaseExceptionGroup):
        return [found for inner in error.exceptions for found in _found(inner)]
    return []


def valid_requests(settings: Settings, pinned: Mapping[str, Any] | None = None) -> Any:
    """The valid family's hypothesis strategy: requests carrying ``TOKEN_PLACEHOLDER`` (put
    back by ``Session.prepare``), so that whatever hypothesis prints or attaches to an
    exception never holds the token. ``pinned`` members (dotted) take one value."""
    from conformance.generation.strategies import requests

    fixed = {**(pinned or {}), **settings.fixed, TOKEN_MEMBER: TOKEN_PLACEHOLDER}
    return requests(
        settings.role, fixed=fixed, omitted=settings.omitted, revision=settings.revision
    )


def _run_valid(session: Session) -> None:
    """The valid family: hypothesis draws requests; each failing key is shrunk to a minimum.

    hypothesis stops drawing soon after its first failures, so a member that fails on most
    draws would hide the others. A round that finds failures at members is followed by one
    where those members take the base request's value, up to ``MAX_VALID_ROUNDS``: a defect
    of another member still gets the whole budget.
    """
    settings = session.settings
    if settings.max_examples == 0:
        return
    base = case_module.base(
        settings.role, fixed=settings.fixed, omitted=settings.omitted, revision=settings.revision
    )
    pinned: dict[str, Any] = {}
    seen: set[tuple[str, str | None]] = set()
    for _ in range(MAX_VALID_ROUNDS):
        found = _valid_round(session, valid_requests(settings, pinned))
        new = [failed for failed in found if failure_key(failed.failures) not in seen]
        for failed in new:
            seen.add(failure_key(failed.failures))
            session.record(failed.failures)
        members = {member for _, member in seen if member is not None} - set(pinned)
        members = {m for m in members if case_module.member_value(base, m) is not ABSENT}
        if not new or not members:
            return
        pinned.update({m: case_module.member_value(base, m) for m in members})


def valid_family_settings(settings: Settings) -> hypothesis.settings:
    """hypothesis's settings for a valid family (this runner's and the OpenRPC runner's)."""
    from hypothesis import HealthCheck, Phase, Verbosity
    from hypothesis import settings as hypothesis_settings

    return hypothesis_settings(
        max_examples=settings.max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        # stopping at the first failure skips shrinking: the caller wants the first catch
        phases=(Phase.generate,) if settings.stop_at_first else (Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=True,
        verbosity=Verbosity.quiet,
    )


def _valid_round(session: Session, strategy: Any) -> list[CheckFailed]:
    from hypothesis import given, reporting
    from hypothesis import seed as seed_of

    settings = session.settings

    @valid_family_settings(settings)
    @seed_of(settings.seed)
    @given(strategy)
    def valid_requests_are_accepted(request: dict[str, Any]) -> None:
        exchange = session.exchange(Case("valid", "valid", "valid", SUCCESS, request))
        failures = session.evaluate(exchange)
        if failures:
            if session.report.first_failure_at is None:
                # counted now, not once shrinking ends: the cases it took to find the defect
                session.report.first_failure_at = session.report.cases_sent
            key = failure_key(failures)
            counts = session.report.valid_failures
            counts[_key_text(key)] = counts.get(_key_text(key), 0) + 1
            raise failure_type(key)(failures)

    with reporting.with_reporter(lambda _: None):
        try:
            valid_requests_are_accepted()
        except Exception as error:  # hypothesis raises what the minimal examples raised
            found = _found(error)
            if not found:
                raise
            if type(error).__name__.startswith("Flaky"):
                session.report.notes.append("the valid family's failures did not always repeat")
            return found
    return []


def _key_text(key: tuple[str, str | None]) -> str:
    rule, member = key
    return f"{rule} at {member}" if member else rule


def probe(target_url: str, settings: Settings) -> None:
    """Send the first valid case alone; raise ``SetupFailed`` where its answer shows the run's
    own mistake (no JSON-RPC server at the URL, a token, ids or a role the target refuses).

    For the pytest plugin, whose tests run apart; ``run`` judges its own first exchanges
    (``Session.exchange``).
    """
    probe_case = next((case for case in iter_plan(settings) if case.expect == SUCCESS), None)
    if probe_case is None:
        return
    session = Session(Target.parse(target_url), settings, Report(target_url, settings))
    try:
        session.exchange(probe_case)  # raises SetupFailed
    finally:
        session.client.close()


#: The name of ``probe`` in 0.1.0, when it judged the token only.
check_token = probe


def run(target_url: str, *, settings: Settings) -> Report:
    """Run the conformance suite against ``target_url``; see the module docstring."""
    target = Target.parse(target_url)
    families = iter_families(settings)
    first = next(families, None)  # settings the plan cannot take are refused before sending
    why = reachable(target, min(settings.timeout, 5.0))
    if why is not None:
        raise Unreachable(
            f"the target {target_url} is unreachable: {why}; check {settings.option('url')}"
        )
    report = Report(target_url, settings)
    session = Session(target, settings, report)
    started = time.perf_counter()
    with kept() as session.ctrl_c:
        return _run(session, first, families, started)


def _run(
    session: Session,
    first: tuple[str, list[Case]] | None,
    families: Iterator[tuple[str, list[Case]]],
    started: float,
) -> Report:
    """The run proper: every family, Ctrl-C turned into ``Interrupted`` with the report."""
    settings, report = session.settings, session.report
    try:
        for family, cases in itertools.chain([first] if first else [], families):
            if settings.on_family is not None:
                settings.on_family(family, len(cases))
            for case in cases:
                session.record(session.evaluate(session.exchange(case)))
        if "valid" in settings.families:
            if settings.on_family is not None and settings.max_examples:
                settings.on_family("valid", settings.max_examples)
            _run_valid(session)
    except _Stop:
        pass
    except KeyboardInterrupt:
        report.notes.append(f"interrupted (Ctrl-C) after {report.cases_sent} cases")
        raise Interrupted(report) from None
    finally:
        session.client.close()
        report.elapsed = time.perf_counter() - started
    return report


__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "REFERENCE_MEMBERS",
    "TOKEN_MEMBER",
    "TOKEN_PLACEHOLDER",
    "UNPARSED",
    "CheckFailed",
    "Failure",
    "Interrupted",
    "Prepared",
    "RateLimited",
    "Report",
    "RuleCount",
    "Session",
    "Settings",
    "SetupFailed",
    "TokenRefused",
    "Unreachable",
    "check_token",
    "failure_key",
    "failure_type",
    "iter_families",
    "iter_plan",
    "plan",
    "probe",
    "run",
    "shown_template",
    "unique_domain",
    "valid_family_settings",
    "valid_requests",
]
