"""The conformance suite as pytest tests: what ``pytest --target-url URL`` runs.

Collected by ``conformance.pytest_plugin`` (never by file discovery), one test function per
family, parametrized with that family's cases; the valid family is one hypothesis test. Each
test sends its case, runs every registered check, and fails with the report of each broken
rule (token masked). Across pytest-xdist workers, each worker keeps its own connection and its
own record of site ids (``distinct-result-ids`` is checked within a worker).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.fuzz.cases import SUCCESS, Case
from conformance.fuzz.report import failure_text
from conformance.fuzz.runner import (
    Report,
    Session,
    failure_key,
    failure_type,
    plan,
    valid_requests,
)
from conformance.fuzz.transport import Target
from conformance.pytest_plugin.options import SETTINGS_KEY, SUITE_NODE_ID, target_url

#: The deterministic plan, made once per test process.
PLAN_KEY = pytest.StashKey[list[Case]]()


class _Suite(pytest.Module):
    """This module, collected under a fixed node id wherever pytest runs."""

    def _getobj(self) -> Any:
        return sys.modules[__name__]


def collect_suite(session: pytest.Session) -> list[pytest.Item]:
    """The suite's test items, for ``pytest_collection_modifyitems`` to add."""
    suite = _Suite.from_parent(session, path=Path(__file__), nodeid=SUITE_NODE_ID)
    return list(session.genitems(suite))


@pytest.fixture(scope="session")
def conformance_session(request: pytest.FixtureRequest) -> Iterator[Session]:
    """One connection to the target and one record of the run, per test process."""
    config = request.config
    url = target_url(config)
    assert url is not None
    chosen = config.stash[SETTINGS_KEY]
    session = Session(Target.parse(url), chosen, Report(url, chosen))
    yield session
    session.client.close()


def _check(session: Session, *cases: Case) -> None:
    """Send each case of one rule; fail with the report of every broken check of every case."""
    failures = [found for case in cases for found in session.evaluate(session.exchange(case))]
    if failures:
        token = session.settings.token
        pytest.fail("\n\n".join(failure_text(f, token) for f in failures), pytrace=False)


_FAMILY_OF = {
    "test_boundary_accepted": "boundary",
    "test_invalid_rejected": "invalid",
    "test_protocol": "protocol",
    "test_references": "references",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    family = _FAMILY_OF.get(metafunc.function.__name__)
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
    _check(conformance_session, *cases)


def test_invalid_rejected(conformance_session: Session, cases: list[Case]) -> None:
    """A request broken in one way gets -32602 naming the broken parameter."""
    _check(conformance_session, *cases)


def test_protocol(conformance_session: Session, cases: list[Case]) -> None:
    """A broken envelope or transport gets the JSON-RPC error for it."""
    _check(conformance_session, *cases)


def test_references(conformance_session: Session, cases: list[Case]) -> None:
    """An entity id the target may not know gets a success or a -32602 error."""
    _check(conformance_session, *cases)


def _own_database() -> dict[str, Any]:
    """``database=None`` unless the user configured one (a profile, ``settings.default``):
    hypothesis would otherwise leave a ``.hypothesis/`` folder in whatever folder pytest runs
    in, for examples that replay against a live target that has changed since."""
    from hypothesis.utils.conventions import not_set

    configured = getattr(settings.default, "_database", not_set) is not not_set
    return {} if configured else {"database": None}


@settings(deadline=None, suppress_health_check=list(HealthCheck), **_own_database())
@given(data=st.data())
def test_valid_accepted(conformance_session: Session, data: st.DataObject) -> None:
    """Any request the schemas accept gets a success reply (drawn by hypothesis)."""
    # drawn with a placeholder token: hypothesis prints what it draws
    request = data.draw(valid_requests(conformance_session.settings), label="request")
    session = conformance_session
    failures = session.evaluate(session.exchange(Case("valid", "valid", "valid", SUCCESS, request)))
    if failures:
        # one exception type per rule and member: hypothesis shrinks and reports each, so a
        # member that fails often does not hide a defect of another
        text = "\n\n".join(failure_text(f, session.settings.token) for f in failures)
        raise failure_type(failure_key(failures))(failures, text)
