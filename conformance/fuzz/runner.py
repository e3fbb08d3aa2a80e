"""The conformance runner: send every family of cases to a live server and check each reply.

The API, for tools built on the runner (mutation tests, benchmarks)::

    from conformance.fuzz.runner import Settings, run

    report = run("http://127.0.0.1:8080/", settings=Settings(token="..."))
    report.conforms            # no failure at all
    report.failures            # [Failure(rule, family, label, case, message, ...)], in send order
    report.rules               # {"expected-outcome": RuleCount(cases=412, failures=0), ...}
    report.cases_sent          # every request sent, hypothesis's shrinking included
    report.first_failure_at    # cases sent until the first failure (None if none)

``Settings`` holds the token, the caller's role, the ids the target knows (``user_id``,
``scenario_id``), the seed, hypothesis's ``max_examples`` for the valid family, the timeout,
``families`` to run, ``stop_at_first`` and a ``progress`` callback. ``run`` raises
``ArgumentError`` for settings it cannot use and ``Unreachable`` when no TCP connection to the
target opens (said at once, before any case is sent).

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from conformance.contract import ROLES
from conformance.errors import ArgumentError, ConformanceError, PayloadError
from conformance.fuzz import cases as case_module
from conformance.fuzz.cases import FAMILIES, SUCCESS, UNIQUE_MEMBER, Case
from conformance.fuzz.checks import CHECKS, UNPARSED, Exchange, RunState, Violated
from conformance.fuzz.schema_tree import node_validator, tree
from conformance.fuzz.transport import Answer, Client, Target, reachable
from conformance.validation.payloads import loads
from conformance.validation.violations import SECRET_MEMBERS

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


class Unreachable(ConformanceError):
    """No connection to the target could be opened."""


class TokenRefused(ConformanceError):
    """The target answered the run's first valid request with an access-token error."""


#: Codes that mean "this token is not good here" (authentication, access rights).
TOKEN_ERROR_CODES: Final = (-32001, -32003)


def _refuse_if_token_refused(exchange: Exchange, token: str) -> None:
    """Stop the run when its first valid request is refused for the token.

    Every case would then fail for a reason of the run's own making (a wrong ``--token``,
    ``--role`` or ``--user-id``); one plain message says so instead of hundreds of failures.
    The message quotes the target, so the token is masked in it.
    """
    reply = exchange.reply
    error = reply.get("error") if isinstance(reply, dict) else None
    if isinstance(error, dict) and error.get("code") in TOKEN_ERROR_CODES:
        data = error.get("data")
        said = (data.get("mnemonic") if isinstance(data, dict) else None) or error.get("message")
        shown = repr(said)[:200].replace(token, TOKEN_PLACEHOLDER)
        raise TokenRefused(
            f"the target refused the token on a valid request: error {error.get('code')} "
            f"{shown}; check --token (and --role, --user-id)"
        )


@dataclass(frozen=True)
class Settings:
    """How to run: see the module docstring."""

    token: str
    role: str = "customer"
    user_id: int | None = None
    scenario_id: int | None = None
    seed: int = 0
    max_examples: int = DEFAULT_MAX_EXAMPLES
    timeout: float = 5.0
    families: tuple[str, ...] = FAMILIES
    stop_at_first: bool = False
    progress: Callable[[int, str], None] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.token, str) or not self.token:
            raise ArgumentError("a token is required: the access token the target accepts")
        if self.role not in ROLES:
            raise ArgumentError(f"Expected role in {ROLES} but got role={self.role!r}")
        for name in ("user_id", "scenario_id"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise ArgumentError(f"Expected an integer but got {name}={value!r}")
        if self.max_examples < 0:
            raise ArgumentError(f"max_examples must be >= 0; got {self.max_examples!r}")
        if not 0 < self.timeout < float("inf"):  # NaN too: sockets refuse it
            raise ArgumentError(f"timeout must be a number of seconds > 0; got {self.timeout!r}")
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
    required = tree("params", settings.role).get("required", [])
    missing = [m for m in settings.omitted if m in required]
    if missing:
        options = ", ".join(f"--{REFERENCE_MEMBERS[m].replace('_', '-')}" for m in missing)
        raise ArgumentError(
            f"{', '.join(missing)} is required for role {settings.role!r}: name one the target "
            f"knows ({options})"
        )
    base = case_module.base(settings.role, fixed=settings.fixed, omitted=settings.omitted)
    made: dict[str, Callable[[], list[Case]]] = {
        "protocol": lambda: case_module.protocol_cases(base, TOKEN_MEMBER),
        "boundary": lambda: case_module.boundary_cases(base),
        "invalid": lambda: case_module.invalid_cases(base),
        "references": lambda: case_module.reference_cases(
            base, list(REFERENCE_MEMBERS), settings.seed
        ),
    }
    for family, make in made.items():
        if family in settings.families:
            yield from make()


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
    #: the test id of every rule sent, in order, once each (the valid family is one)
    test_ids: list[str] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        """Whether no check failed."""
        return not self.failures


#: Reply headers a failure report shows.
SHOWN_HEADERS: Final = ("content-type", "content-length", "connection")


class _Stop(Exception):
    """Raised to end a run at its first failure (``Settings.stop_at_first``)."""


class Session:
    """Sends cases over one connection, checks the replies, keeps the report: ``exchange(case)``
    then ``evaluate(exchange)`` gives the failures of one case (the pytest plugin's unit)."""

    def __init__(self, target: Target, settings: Settings, report: Report) -> None:
        self.client = Client(target, settings.timeout)
        self.settings = settings
        self.report = report
        self.state = RunState()
        self.seen_test_ids: set[str] = set()
        #: the first exchange that should succeed also tells whether the token is good
        self.token_checked = False
        self.refused: TokenRefused | None = None
        # base 36: 5 random characters (60 million runs) and a 4-character counter
        self.tag = _base36(secrets.randbelow(36**5), 5)
        self.counter = 0
        self.domain_valid = node_validator(
            tree("params", settings.role)["properties"][UNIQUE_MEMBER]
        )

    def prepare(self, case: Case) -> Any:
        """The payload to send: the token put in place of ``TOKEN_PLACEHOLDER``, and the domain
        name made unique."""
        payload = case.payload
        if not isinstance(payload, dict) or not isinstance(payload.get("params"), dict):
            return payload
        params = payload["params"]
        if params.get(TOKEN_MEMBER) == TOKEN_PLACEHOLDER:
            payload = {**payload, "params": {**params, TOKEN_MEMBER: self.settings.token}}
            params = payload["params"]
        if not case.unique_domain or not isinstance(params.get(UNIQUE_MEMBER), str):
            return payload
        self.counter += 1
        # a fixed width: two tags of one length written over the same places never collide
        tag = f"{self.tag}{_base36(self.counter % 36**4, 4)}"
        return {
            **payload,
            "params": {
                **params,
                UNIQUE_MEMBER: unique_domain(params[UNIQUE_MEMBER], tag, self.domain_valid),
            },
        }

    def exchange(self, case: Case) -> Exchange:
        payload = self.prepare(case)
        body = case.body if case.body is not None else _dumps(payload)
        answer = self.client.post(body, case.headers)
        self.report.cases_sent += 1
        if case.test_id not in self.seen_test_ids:
            self.seen_test_ids.add(case.test_id)
            self.report.test_ids.append(case.test_id)
        self.report.families[case.family] = self.report.families.get(case.family, 0) + 1
        if self.settings.progress is not None:
            self.settings.progress(self.report.cases_sent, case.family)
        exchange = Exchange(case, payload if case.body is None else None, body, answer)
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
        if not self.token_checked and case.expect == SUCCESS:
            self.token_checked = True
            try:
                _refuse_if_token_refused(exchange, self.settings.token)
            except TokenRefused as refused:
                self.refused = refused
                raise
        return exchange

    def evaluate(self, exchange: Exchange) -> list[Failure]:
        failures: list[Failure] = []
        for rule in CHECKS.values():
            self.report.rules[rule.name].cases += 1
            try:
                rule.function(exchange, self.state)
            except Violated as violated:
                failures.append(self.failure(rule.name, rule.doc, exchange, str(violated)))
        return failures

    def failure(self, rule: str, doc: str, exchange: Exchange, message: str) -> Failure:
        answer: Answer = exchange.answer
        case = exchange.case
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
            source=case,
        )

    def record(self, failures: Sequence[Failure]) -> None:
        for failure in failures:
            self.report.failures.append(failure)
            self.report.rules[failure.rule].failures += 1
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
    ``tag`` as a label in front; ``value`` itself where neither keeps it valid."""
    positions = [index for index, char in enumerate(value) if char.isalnum()]
    if len(positions) >= len(tag):
        chars = list(value)
        for index, char in zip(positions, tag, strict=False):
            chars[index] = char
        replaced = "".join(chars)
        if is_valid(replaced):
            return replaced
    prefixed = f"{tag}.{value}"
    return prefixed if is_valid(prefixed) else value


def _failure_type(rule: str) -> type[_CheckFailed]:
    """One exception class per rule: hypothesis shrinks each distinct failure on its own."""
    if rule not in _FAILURE_TYPES:
        _FAILURE_TYPES[rule] = type(f"Failed_{rule.replace('-', '_')}", (_CheckFailed,), {})
    return _FAILURE_TYPES[rule]


class _CheckFailed(Exception):
    def __init__(self, failures: list[Failure]) -> None:
        super().__init__(f"{failures[0].rule}: {failures[0].message}")
        self.failures = failures


_FAILURE_TYPES: dict[str, type[_CheckFailed]] = {}


def _found(error: BaseException) -> list[_CheckFailed]:
    if isinstance(error, _CheckFailed):
        return [error]
    if isinstance(error, BaseExceptionGroup):
        return [found for inner in error.exceptions for found in _found(inner)]
    return []


def valid_requests(settings: Settings) -> Any:
    """The valid family's hypothesis strategy: requests carrying ``TOKEN_PLACEHOLDER`` (put
    back by ``Session.prepare``), so that whatever hypothesis prints or attaches to an
    exception never holds the token."""
    from conformance.fuzz.strategies import requests

    fixed = {**settings.fixed, TOKEN_MEMBER: TOKEN_PLACEHOLDER}
    return requests(settings.role, fixed=fixed, omitted=settings.omitted)


def _run_valid(session: Session) -> None:
    """The valid family: hypothesis draws requests; each failing rule is shrunk to a minimum."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, reporting
    from hypothesis import seed as seed_of
    from hypothesis import settings as hypothesis_settings

    settings = session.settings
    if settings.max_examples == 0:
        return
    strategy = valid_requests(settings)

    @hypothesis_settings(
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
    @seed_of(settings.seed)
    @given(strategy)
    def valid_requests_are_accepted(request: dict[str, Any]) -> None:
        exchange = session.exchange(Case("valid", "valid", "valid", SUCCESS, request))
        failures = session.evaluate(exchange)
        if failures:
            if session.report.first_failure_at is None:
                # counted now, not once shrinking ends: the cases it took to find the defect
                session.report.first_failure_at = session.report.cases_sent
            raise _failure_type(failures[0].rule)(failures)

    with reporting.with_reporter(lambda _: None):
        try:
            valid_requests_are_accepted()
        except Exception as error:  # hypothesis raises what the minimal examples raised
            found = _found(error)
            if not found:
                raise
            if type(error).__name__.startswith("Flaky"):
                session.report.notes.append("the valid family's failures did not always repeat")
            for failed in found:
                session.record(failed.failures)


def check_token(target_url: str, settings: Settings) -> None:
    """Send the first valid case alone; raise ``TokenRefused`` if the target refuses the token.

    For the pytest plugin, whose tests run apart; ``run`` checks the first case that should
    succeed, whichever family sends it (``Session.exchange``).
    """
    probe = next((case for case in iter_plan(settings) if case.expect == SUCCESS), None)
    if probe is None:
        return
    session = Session(Target.parse(target_url), settings, Report(target_url, settings))
    try:
        session.exchange(probe)  # raises TokenRefused
    finally:
        session.client.close()


def run(target_url: str, *, settings: Settings) -> Report:
    """Run the conformance suite against ``target_url``; see the module docstring."""
    target = Target.parse(target_url)
    deterministic = iter_plan(settings)
    first = next(deterministic, None)  # settings the plan cannot take are refused before sending
    why = reachable(target, min(settings.timeout, 5.0))
    if why is not None:
        raise Unreachable(f"the target {target_url} is unreachable: {why}")
    report = Report(target_url, settings)
    session = Session(target, settings, report)
    started = time.perf_counter()
    try:
        for case in itertools.chain([first] if first else [], deterministic):
            session.record(session.evaluate(session.exchange(case)))
        if "valid" in settings.families:
            _run_valid(session)
    except _Stop:
        pass
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
    "Failure",
    "Report",
    "RuleCount",
    "Session",
    "Settings",
    "TokenRefused",
    "Unreachable",
    "check_token",
    "iter_plan",
    "plan",
    "run",
    "unique_domain",
    "valid_requests",
]
