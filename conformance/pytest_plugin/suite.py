"""The conformance suite as pytest tests: what ``pytest --target-url URL`` runs.

Collected by ``conformance.pytest_plugin`` (never by file discovery), one test function per
family, parametrized with that family's cases; the valid family is one hypothesis test. Each
test sends its case, runs every registered check, and fails with the report of each broken
rule (token masked), raised as ``RulesBroken`` so that the baseline's hooks
(``conformance.pytest_plugin.ci``) can tell a known failure from a new one. Across
pytest-xdist workers, each worker keeps its own connection; the record of site ids is shared
(``distinct-result-ids`` judges the whole run). The valid family's budget is hypothesis's
profile, or ``--target-max-examples``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import pytest

# pytest.fail.Exception is the documented name of this class, but an attribute of a function,
# which mypy cannot see as a type
from _pytest.outcomes import Failed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.create_sites import bundled, plan, valid_requests
from conformance.engine.results import Failure, failure_key
from conformance.engine.runner import new_report
from conformance.engine.session import Session
from conformance.engine.transport import Target
from conformance.engine.valid import keyed_type
from conformance.generation.cases import SUCCESS, TEST_NAMES, Case
from conformance.pytest_plugin.options import (
    MAX_EXAMPLES_OPTION,
    SETTINGS_KEY,
    SUITE_NODE_ID,
    dest,
    target_url,
)
from conformance.reporting.formats import failure_text

#: The deterministic plan, made once per test process.
PLAN_KEY = pytest.StashKey[list[Case]]()

#: The test process's ``Session`` (its report gathers the failures of the tests it ran).
SESSION_KEY = pytest.StashKey[Session]()


class RulesBroken(Failed):
    """A test's case broke rules: ``failures`` says which (the report is the message)."""

    def __init__(self, failures: list[Failure], message: str) -> None:
        super().__init__(message, pytrace=False)
        self.failures = failures


#: One subclass of ``RulesBroken`` per failure key of the valid family (rule and member).
def _keyed(key: tuple[str, str | None]) -> type[RulesBroken]:
    """hypothesis tells failures apart by their type: one per rule and member, so that a member
    that fails on most draws is shrunk and reported apart from a defect of another."""
    return keyed_type(RulesBroken, key)


class _Suite(pytest.Module):
    """This module, collected under a fixed node id wherever pytest runs."""

    def _getobj(self) -> Any:
        return sys.modules[__name__]


def collect_suite(session: pytest.Session) -> list[pytest.Item]:
    """The suite's test items, for ``pytest_collection_modifyitems`` to add; the valid
    family's test given the budget of ``--target-max-examples`` where it is set."""
    suite = _Suite.from_parent(session, path=Path(__file__), nodeid=SUITE_NODE_ID)
    items = list(session.genitems(suite))
    budget = session.config.getoption(dest(MAX_EXAMPLES_OPTION))
    if budget not in (None, ""):
        for item in items:
            if isinstance(item, pytest.Function) and item.originalname == "test_valid_accepted":
                item.obj = _valid_test(session.config.stash[SETTINGS_KEY].max_examples)
    return items


@pytest.fixture(scope="session")
def conformance_session(request: pytest.FixtureRequest) -> Iterator[Session]:
    """One connection to the target and one record of the run, per test process."""
    config = request.config
    url = target_url(config)
    assert url is not None
    chosen = config.stash[SETTINGS_KEY]
    from conformance.pytest_plugin.ci import run_state

    state = run_state(config)
    state.revision, state.role = chosen.revision, chosen.role
    contract = bundled(chosen)
    session = Session(
        Target.parse(url),
        chosen,
        new_report(url, contract, chosen),
        contract.methods[0],
        state=state,
    )
    config.stash[SESSION_KEY] = session
    yield session
    session.close()


def check_cases(session: Session, *cases: Case, keyed: bool = False) -> None:
    """Send each case of one rule; fail with the report of every broken check of every case
    (``keyed``: as the subclass of ``RulesBroken`` for the failure's rule and member)."""
    failures = [found for case in cases for found in session.evaluate(session.exchange(case))]
    if failures:
        token = session.settings.token
        broken = _keyed(failure_key(failures)) if keyed else RulesBroken
        raise broken(failures, "\n\n".join(failure_text(f, token) for f in failures))


#: Each parametrized test's family (the valid family is one hypothesis test of its own).
FAMILY_OF: Final = {name: family for family, name in TEST_NAMES.items() if family != "valid"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    family = FAMILY_OF.get(metafunc.function.__name__)
    if family is None:
        return
    config = metafunc.config
    if PLAN_KEY not in config.stash:
        config.stash[PLAN_KEY] = plan(config.stash[SETTINGS_KEY])
    # one test per rule, its variants inside: the id names the rule the server breaks
    by_label: dict[str, list[Case]] = {}
    for case in config.stash[PLAN_KEY]:
        if case.family == family:
            by_label.setdefault(case.label, []).append(case)
    metafunc.parametrize("cases", list(by_label.values()), ids=list(by_label))


def test_boundary_accepted(conformance_session: Session, cases: list[Case]) -> None:
    """A valid request at a bound of the schema gets a success reply."""
    check_cases(conformance_session, *cases)


def test_invalid_rejected(conformance_session: Session, cases: list[Case]) -> None:
    """A request broken in one way gets -32602 naming the broken parameter."""
    check_cases(conformance_session, *cases)


def test_protocol(conformance_session: Session, cases: list[Case]) -> None:
    """A broken envelope or transport gets the JSON-RPC error for it."""
    check_cases(conformance_session, *cases)


def test_references(conformance_session: Session, cases: list[Case]) -> None:
    """An entity id the target may not know gets a success or a -32602 error."""
    check_cases(conformance_session, *cases)


def test_duplicate_refused(conformance_session: Session, cases: list[Case]) -> None:
    """A site created twice for one caller (the second time in another letter case too) gets
    -32602 duplicate_entity naming domain_name."""
    check_cases(conformance_session, *cases)


def _own_database() -> dict[str, Any]:
    """``database=None`` unless the user configured one (a profile, ``settings.default``):
    hypothesis would otherwise leave a ``.hypothesis/`` folder in whatever folder pytest runs
    in, for examples that replay against a live target that has changed since."""
    from hypothesis.utils.conventions import not_set

    configured = getattr(settings.default, "_database", not_set) is not not_set
    return {} if configured else {"database": None}


def _valid_test(budget: int | None) -> Callable[..., None]:
    """The valid family's test, made anew for each budget: hypothesis refuses settings applied
    twice to one function. ``None``: the hypothesis profile's ``max_examples``."""
    if budget == 0:

        def no_valid_request(conformance_session: Session) -> None:
            """Skipped: --target-max-examples 0 draws no valid request."""
            pytest.skip(f"{MAX_EXAMPLES_OPTION} 0: no valid request drawn")

        return no_valid_request

    chosen = settings(
        deadline=None,
        suppress_health_check=list(HealthCheck),
        # the profile's budget where none is given: settings() reads the loaded profile
        max_examples=settings().max_examples if budget is None else budget,
        **_own_database(),
    )

    @chosen
    @given(data=st.data())
    def test_valid_accepted(conformance_session: Session, data: st.DataObject) -> None:
        """Any request the schemas accept gets a success reply (drawn by hypothesis)."""
        # drawn with a placeholder token: hypothesis prints what it draws
        request = data.draw(valid_requests(conformance_session.settings), label="request")
        check_cases(
            conformance_session, Case("valid", "valid", "valid", SUCCESS, request), keyed=True
        )

    return test_valid_accepted


test_valid_accepted = _valid_test(None)
