"""The suite over an OpenRPC document as pytest tests: what ``pytest --target-url URL
--target-openrpc FILE`` runs, in place of create.sites's suite.

One module node per method of the document, its node id the method's name, holding the same
test functions as ``conformance.pytest_plugin.suite`` (one per family, parametrized with that
family's cases of the method, grouped by rule): ids read
``order.create::test_invalid_rejected[lines.0.quantity:maximum]``. Each method has its own
connection and report (a module-scoped fixture) and the method's checks
(``conformance.openrpc.contract.checks_for``). The valid family is one hypothesis test per method,
its budget ``--target-max-examples`` or the hypothesis profile's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.engine.results import Report
from conformance.engine.session import Session
from conformance.engine.transport import Target
from conformance.generation.cases import SUCCESS, Case
from conformance.openrpc.document import Document
from conformance.openrpc.generation import MethodPlan
from conformance.pytest_plugin.options import SETTINGS_KEY, openrpc_document, target_url
from conformance.pytest_plugin.suite import FAMILY_OF, check_cases

#: The document the run reads, loaded when pytest is configured.
DOCUMENT_KEY = pytest.StashKey[Document]()

#: Each method's deterministic plan, made once per test process.
PLANS_KEY = pytest.StashKey[dict[str, MethodPlan]]()


class _MethodSuite(pytest.Module):
    """This module, collected once per method under the method's name."""

    def _getobj(self) -> Any:
        return sys.modules[__name__]


def _plan(config: pytest.Config, name: str) -> MethodPlan:
    from conformance.openrpc.contract import plan_method

    plans = config.stash.setdefault(PLANS_KEY, {})
    if name not in plans:
        document = config.stash[DOCUMENT_KEY]
        plans[name] = plan_method(document.method(name), config.stash[SETTINGS_KEY])
    return plans[name]


def collect_openrpc_suite(session: pytest.Session) -> list[pytest.Item]:
    """The test items of every method of the document, for ``pytest_collection_modifyitems``."""
    items: list[pytest.Item] = []
    budget = session.config.stash[SETTINGS_KEY].max_examples
    for method in session.config.stash[DOCUMENT_KEY].methods:
        suite = _MethodSuite.from_parent(session, path=Path(__file__), nodeid=method.name)
        plan = _plan(session.config, method.name)
        for item in session.genitems(suite):
            family = FAMILY_OF.get(getattr(item, "originalname", ""))
            if family is not None and not plan.families.get(family):
                continue  # a family with no case for this method: no test, not a skipped one
            if isinstance(item, pytest.Function) and item.originalname == "test_valid_accepted":
                item.obj = _valid_test(budget)
            items.append(item)
    return items


@pytest.fixture(scope="module")
def method_session(request: pytest.FixtureRequest) -> Iterator[tuple[Session, MethodPlan]]:
    """One connection, report and set of checks per method."""
    from conformance.openrpc.contract import method_contract

    config = request.config
    url = target_url(config)
    assert url is not None
    plan = _plan(config, request.node.nodeid)
    chosen = config.stash[SETTINGS_KEY]
    method = method_contract(plan.method, chosen)
    report = Report(url, chosen, contract=str(openrpc_document(config)))
    session = Session(Target.parse(url), chosen, report, method, qualified=True)
    yield session, plan
    session.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    family = FAMILY_OF.get(metafunc.function.__name__)
    if family is None:
        return
    plan = _plan(metafunc.config, metafunc.definition.parent.nodeid)  # type: ignore[union-attr]
    by_label: dict[str, list[Case]] = {}
    for case in plan.families.get(family, []):
        by_label.setdefault(case.label, []).append(case)
    metafunc.parametrize("cases", list(by_label.values()), ids=list(by_label))


def test_boundary_accepted(method_session: tuple[Session, MethodPlan], cases: list[Case]) -> None:
    """A valid request at a bound of the method's schemas gets a success reply."""
    check_cases(method_session[0], *cases)


def test_invalid_rejected(method_session: tuple[Session, MethodPlan], cases: list[Case]) -> None:
    """Params broken in one way get -32602."""
    check_cases(method_session[0], *cases)


def test_protocol(method_session: tuple[Session, MethodPlan], cases: list[Case]) -> None:
    """A broken envelope or transport gets the JSON-RPC error for it."""
    check_cases(method_session[0], *cases)


def test_references(method_session: tuple[Session, MethodPlan], cases: list[Case]) -> None:
    """An entity id the target may not know gets a success or a -32602 error."""
    check_cases(method_session[0], *cases)


def test_duplicate_refused(method_session: tuple[Session, MethodPlan], cases: list[Case]) -> None:
    """A request that creates a unique thing, sent again, is refused as a duplicate."""
    check_cases(method_session[0], *cases)


#: Each method's strategy of valid requests, made at its first draw.
_STRATEGIES: dict[str, Any] = {}


def _valid_test(budget: int) -> Callable[..., None]:
    """The valid family's test for ``budget`` drawn requests (hypothesis refuses settings
    applied twice to one function, so each collection makes its own)."""
    if budget == 0:

        def no_valid_request(method_session: tuple[Session, MethodPlan]) -> None:
            """Skipped: --target-max-examples 0 draws no valid request."""
            pytest.skip("--target-max-examples 0: no valid request drawn")

        return no_valid_request

    @settings(
        deadline=None,
        suppress_health_check=list(HealthCheck),
        max_examples=budget,
        database=None,
    )
    @given(data=st.data())
    def test_valid_accepted(
        method_session: tuple[Session, MethodPlan], data: st.DataObject
    ) -> None:
        """Any params the method's schemas accept get a success reply (drawn by hypothesis)."""
        from conformance.openrpc.contract import valid_strategy

        session, plan = method_session
        if plan.base is None:
            pytest.skip(f"{plan.method.name}: no valid params could be made: {plan.notes}")
        if plan.method.name not in _STRATEGIES:  # made once: a strategy is checked when made
            _STRATEGIES[plan.method.name] = valid_strategy(plan)
        request = data.draw(_STRATEGIES[plan.method.name], label="request")
        check_cases(session, Case("valid", "valid", "valid", SUCCESS, request))

    return test_valid_accepted


test_valid_accepted = _valid_test(1)
