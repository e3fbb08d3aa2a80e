"""The valid family: hypothesis draws whole requests that the contract accepts, each must
succeed; each distinct failure is shrunk to a minimal request.

One driver for every contract. hypothesis stops drawing soon after its first failures, so a
member that fails on most draws would hide the others: a failure is keyed by its rule and the
member the reply names (``conformance.engine.results.failure_key``), each key raised as its own
exception type (hypothesis shrinks distinct types apart), and a round that finds failures at
members is followed by one where those members keep one value, up to ``MAX_VALID_ROUNDS``: a
defect of another member still gets the whole budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, TypeVar

from conformance.engine.results import Failure, FailureKey, failure_key, key_text
from conformance.engine.session import Session
from conformance.engine.settings import Settings
from conformance.generation.cases import ABSENT, Case

if TYPE_CHECKING:
    import hypothesis

E = TypeVar("E", bound=BaseException)

#: Rounds of the valid family at most: each pins the members that failed in the rounds before.
MAX_VALID_ROUNDS: Final = 5


class CreatesSpent(Exception):
    """Raised inside a round of the valid family once ``Settings.max_creates`` is reached and
    the round found no failure: hypothesis stops drawing, nothing more is sent."""


class CheckFailed(Exception):
    """A valid request broke a rule; raised inside hypothesis tests, one subclass per key."""

    def __init__(self, failures: list[Failure]) -> None:
        super().__init__(f"{failures[0].rule}: {failures[0].explained}")
        self.failures = failures


_FAILURE_TYPES: dict[tuple[type[BaseException], FailureKey], type[BaseException]] = {}


def keyed_type(base: type[E], key: FailureKey) -> type[E]:
    """One subclass of ``base`` per failure key, made once: hypothesis tells failures apart by
    their type, so each key is shrunk and reported on its own (the command's ``CheckFailed``
    and the pytest plugin's ``RulesBroken`` share this one cache)."""
    found = _FAILURE_TYPES.get((base, key))
    if found is None:
        rule, member = key
        name = f"{base.__name__}_{rule}" + (f"_at_{member}" if member else "")
        found = type(name.replace("-", "_").replace(".", "_"), (base,), {})
        _FAILURE_TYPES[(base, key)] = found
    return found  # type: ignore[return-value]


def failure_type(key: FailureKey) -> type[CheckFailed]:
    """The ``CheckFailed`` subclass of ``key``."""
    return keyed_type(CheckFailed, key)


def hypothesis_settings(settings: Settings) -> hypothesis.settings:
    """hypothesis's settings for a valid family run by the engine."""
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


def _key(request: Any) -> str:
    import json

    return json.dumps(request, sort_keys=True, default=repr)


def _spent(error: BaseException) -> bool:
    if isinstance(error, CreatesSpent):
        return True
    if isinstance(error, BaseExceptionGroup):
        return all(_spent(inner) for inner in error.exceptions)
    return False


def _found(error: BaseException) -> list[CheckFailed]:
    if isinstance(error, CheckFailed):
        return [error]
    if isinstance(error, BaseExceptionGroup):
        return [found for inner in error.exceptions for found in _found(inner)]
    return []


def run_valid(session: Session) -> None:
    """The valid family of the session's method, in rounds (see the module docstring)."""
    settings = session.settings
    if settings.max_examples == 0:
        return
    pinned: dict[str, Any] = {}
    seen: set[FailureKey] = set()
    sent_before = session.report.families.get("valid", 0)
    try:
        _rounds(session, pinned, seen)
    finally:
        if session.over_budget(_valid_case(session, None)):
            # the examples of the budget not sent (shrinking aside)
            sent = session.report.families.get("valid", 0) - sent_before
            left = max(settings.max_examples - sent, 0)
            if left:
                not_sent = session.report.not_sent
                not_sent["valid"] = not_sent.get("valid", 0) + left


def _valid_case(session: Session, request: Any) -> Case:
    return Case("valid", "valid", "valid", session.method.valid_expectation, request)


def _rounds(session: Session, pinned: dict[str, Any], seen: set[FailureKey]) -> None:
    method = session.method
    for _ in range(MAX_VALID_ROUNDS):
        if session.over_budget(_valid_case(session, None)):
            return
        strategy = method.valid_requests(pinned)
        if strategy is None:
            return
        found = _round(session, strategy)
        new = [failed for failed in found if failure_key(failed.failures) not in seen]
        for failed in new:
            seen.add(failure_key(failed.failures))
            session.record(failed.failures)
        members = {member for _, member in seen if member is not None} - set(pinned)
        values = {m: method.pin(m) for m in members}
        values = {m: value for m, value in values.items() if value is not ABSENT}
        if not new or not values:
            return
        pinned.update(values)


def _round(session: Session, strategy: Any) -> list[CheckFailed]:
    from hypothesis import given, reporting
    from hypothesis import seed as seed_of
    from hypothesis.errors import Flaky, HypothesisException

    settings = session.settings
    #: this round's failures by request, where a budget is set: once it is spent, hypothesis's
    #: replays of a failing example get the failure again without sending
    failed: dict[str, list[Failure]] = {}

    @hypothesis_settings(settings)
    @seed_of(settings.seed)
    @given(strategy)
    def valid_requests_are_accepted(request: Any) -> None:
        case = _valid_case(session, request)
        budget = settings.max_creates is not None
        known = failed.get(_key(request)) if budget else None
        if known is not None:
            failures = known
        elif budget and session.over_budget(case):
            if failed:
                return  # shrinking a failure found before: nothing more is sent
            raise CreatesSpent
        else:
            failures = session.evaluate(session.exchange(case))
            if failures and budget:
                failed[_key(request)] = failures
            if failures:
                report = session.report
                if report.first_failure_at is None:
                    # counted now, not once shrinking ends: the cases it took to find the defect
                    report.first_failure_at = report.cases_sent
                key = failure_key(failures)
                shown = key_text(key)
                report.valid_failures[shown] = report.valid_failures.get(shown, 0) + 1
        if failures:
            # one place raises: hypothesis tells failures apart by where they are raised
            raise failure_type(failure_key(failures))(failures)

    # hypothesis prints what it found and how to reproduce it: the report says it instead
    with reporting.with_reporter(lambda _: None):
        try:
            valid_requests_are_accepted()
        except Exception as error:  # hypothesis raises what the minimal examples raised
            found = _found(error)
            if not found and _spent(error):
                return []
            if found:
                if isinstance(error, Flaky):
                    session.report.notes.append(
                        f"{session.method.name}: the valid family's failures did not always repeat"
                    )
                return found
            if isinstance(error, HypothesisException):  # Unsatisfiable: nothing could be drawn
                session.report.notes.append(
                    f"{session.method.name}: the valid family drew no value "
                    f"({type(error).__name__})"
                )
                return []
            raise
    return []


__all__ = [
    "MAX_VALID_ROUNDS",
    "CheckFailed",
    "CreatesSpent",
    "failure_type",
    "hypothesis_settings",
    "keyed_type",
    "run_valid",
]
