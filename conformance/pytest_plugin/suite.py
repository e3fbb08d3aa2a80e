"""The conformance suite as pytest tests: what ``pytest --target-url URL`` runs, for the bundled
create.sites contract or the OpenRPC document of ``--target-openrpc``.

Collected by ``conformance.pytest_plugin`` (never by file discovery): one module node per method
of the contract, its node id the method's name (``create.sites``, ``eth_call``), holding one test
function per family, parametrized with that family's cases of the method grouped by rule; the
valid family is one hypothesis test per method, its failures keyed by rule and member as the
command's are (``conformance.engine.valid``). Ids read
``create.sites::test_invalid_rejected[widget_link.text:maxLength]``. Each test sends its cases,
runs the method's checks, and fails with the report of each broken rule (token masked), raised as
``RulesBroken`` so that the CI hooks (``conformance.pytest_plugin.ci``) can tell a known failure
from a new one. Each method has its own connection (a module-scoped fixture); the test process
has one report; across pytest-xdist workers the record of site ids is shared. The valid family's
budget is hypothesis's profile, or ``--target-max-examples``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.engine.contract import Contract, MethodContract
from conformance.engine.results import Failure, failure_key
from conformance.engine.session import Proof, Session
from conformance.engine.transport import Target
from conformance.engine.valid import keyed_type
from conformance.generation.cases import STRUCTURE_FAMILY, TEST_NAMES, Case
from conformance.pytest_plugin.options import MAX_EXAMPLES_OPTION, SETTINGS_KEY, dest, target_url
from conformance.pytest_plugin.shared import (
    CONTRACT_KEY,
    KNOWN_KEY,
    REPORT_KEY,
    KnownDefects,
    RulesBroken,
    run_state,
)
from conformance.reporting.formats import failure_text

#: Each method's deterministic families, made once per test process.
PLANS_KEY = pytest.StashKey[dict[str, dict[str, list[Case]]]]()

#: What the methods' sessions of this test process share: the site ids, the proof of the
#: target, the Ctrl-C record.
_SHARED_KEY = pytest.StashKey[dict[str, Any]]()

#: Each parametrized test's family (the valid family is one hypothesis test of its own).
FAMILY_OF: Final = {
    name: family for family, name in TEST_NAMES.items() if family not in ("valid", STRUCTURE_FAMILY)
}

#: The failures the contract's first pass found (``Contract.prepare``), by method: each is a
#: ``test_param_structure`` of its method.
FINDINGS_KEY = pytest.StashKey[dict[str, list[Failure]]]()


def _keyed(key: tuple[str, str | None]) -> type[RulesBroken]:
    """hypothesis tells failures apart by their type: one per rule and member, so that a member
    that fails on most draws is shrunk and reported apart from a defect of another."""
    return keyed_type(RulesBroken, key)


class _MethodSuite(pytest.Module):
    """This module, collected once per method under the method's name: the node's name is the
    method's, so that ``-k METHOD`` (which matches the names of an item's nodes, not its id)
    selects that method's tests."""

    def _getobj(self) -> Any:
        return sys.modules[__name__]

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        """The module's tests, less those of a family with no case for this method (no test,
        not a skipped one): left out here, where pytest counts what it collected, so that its
        count of collected and selected tests is the number that runs."""
        families = _families(self.config, self.name)
        findings = self.config.stash.get(FINDINGS_KEY, {}).get(self.name)
        kept: list[pytest.Item | pytest.Collector] = []
        for node in super().collect():
            name = getattr(node, "originalname", "")
            family = FAMILY_OF.get(name)
            if name == "test_param_structure" and not findings:
                continue  # the target took every structure this method's cases go in
            if family is None or families.get(family):
                kept.append(node)
        return kept


def _contract(config: pytest.Config) -> Contract:
    contract: Contract = config.stash[CONTRACT_KEY]
    return contract


def _method(config: pytest.Config, name: str) -> MethodContract:
    return next(m for m in _contract(config).methods if m.name == name)


def _families(config: pytest.Config, name: str) -> dict[str, list[Case]]:
    plans = config.stash.setdefault(PLANS_KEY, {})
    if name not in plans:
        plans[name] = dict(_method(config, name).families())
    return plans[name]


def _shared(config: pytest.Config) -> dict[str, Any]:
    """What this test process's sessions share, made at its first use: the site ids, and the
    proof of the target (the bundled contract's target was proven at the session's start,
    ``pytest_collection``; a document's is proven by its first request)."""
    shared = config.stash.setdefault(_SHARED_KEY, {})
    if "state" not in shared:
        chosen = config.stash[SETTINGS_KEY]
        contract = _contract(config)
        state = run_state(config)
        state.revision, state.role = chosen.revision, chosen.role
        state.hints = contract.revision is not None
        state.strict = chosen.strict
        proven = contract.revision is not None
        shared.update(state=state, proof=Proof(target=proven, token=proven))
    return shared


def _session(config: pytest.Config, method: MethodContract) -> Session:
    url = target_url(config)
    assert url is not None
    shared = _shared(config)
    return Session(
        Target.parse(url),
        config.stash[SETTINGS_KEY],
        config.stash[REPORT_KEY],
        method,
        state=shared["state"],
        proof=shared["proof"],
        qualified=_contract(config).qualified,
    )


def _prepare(config: pytest.Config) -> None:
    """What the contract learns of the target before its tests are made (an OpenRPC
    document: which param structure each method takes; ``conformance.openrpc.structure``):
    the contract as its tests then go, and each method's findings, for its
    ``test_param_structure``. A target the run cannot use is told by every test, as it is
    without this."""
    from conformance.engine.session import Stop
    from conformance.engine.setup import SetupFailed

    contract = _contract(config)
    if contract.prepare is None or FINDINGS_KEY in config.stash:
        return
    config.stash[FINDINGS_KEY] = {}
    try:
        prepared, failures = contract.prepare(contract, lambda m: _session(config, m), False)
    except (SetupFailed, Stop):
        return  # kept in the shared proof (a target refused or stopped): each test raises it
    config.stash[CONTRACT_KEY] = prepared
    for failure in failures:
        config.stash[FINDINGS_KEY].setdefault(failure.method or "", []).append(failure)


def collect_suite(session: pytest.Session) -> list[pytest.Item]:
    """The test items of every method, for ``pytest_collection_modifyitems`` to add; the
    valid family's test given the budget of ``--target-max-examples`` where it is set."""
    config = session.config
    _prepare(config)
    budget = config.getoption(dest(MAX_EXAMPLES_OPTION))
    items: list[pytest.Item] = []
    for method in _contract(config).methods:
        suite = _MethodSuite.from_parent(
            session, path=Path(__file__), name=method.name, nodeid=method.name
        )
        for item in session.genitems(suite):
            valid = getattr(item, "originalname", "") == "test_valid_accepted"
            if valid and budget not in (None, "") and isinstance(item, pytest.Function):
                item.obj = _valid_test(config.stash[SETTINGS_KEY].max_examples)
            items.append(item)
    return items


@pytest.fixture(scope="module")
def method_session(request: pytest.FixtureRequest) -> Iterator[Session]:
    """One connection per method; one report, one proof of the target and one record of site
    ids per test process."""
    session = _session(request.config, _method(request.config, request.node.nodeid))
    yield session
    session.close()


@pytest.fixture(scope="session")
def known_defects(request: pytest.FixtureRequest) -> KnownDefects | None:
    """The baseline's defects (``--target-baseline``), or ``None``."""
    return request.config.stash.get(KNOWN_KEY, None)


def check_cases(
    session: Session, *cases: Case, keyed: bool = False, known: KnownDefects | None = None
) -> None:
    """Send each case of one rule; fail with the report of every broken check of every case
    (``keyed``: as the subclass of ``RulesBroken`` for the failure's rule and member), but for
    the failures ``known`` sets aside."""
    failures: list[Failure] = []
    sent = 0
    for case in cases:
        if session.cut(case):  # --target-max-creates reached: checked before each case
            continue
        sent += 1
        failures += session.evaluate(session.exchange(case))
    if not sent:
        pytest.skip(_budget_spent(session))
    if known is not None:
        failures = known.set_aside(failures)
    if failures:
        token, headers = session.settings.token, session.settings.headers
        broken = _keyed(failure_key(failures)) if keyed else RulesBroken
        shown = (failure_text(f, token, headers=headers) for f in failures)
        raise broken(failures, "\n\n".join(shown))


def _budget_spent(session: Session) -> str:
    settings = session.settings
    return (
        f"{settings.option('max_creates')} {settings.max_creates} reached: cases that may "
        "create are not sent"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.function.__name__ == "test_param_structure":
        name = metafunc.definition.parent.nodeid  # type: ignore[union-attr]
        found = metafunc.config.stash.get(FINDINGS_KEY, {}).get(name, [])
        metafunc.parametrize("finding", found, ids=[f.label for f in found])
        return
    family = FAMILY_OF.get(metafunc.function.__name__)
    if family is None:
        return
    name = metafunc.definition.parent.nodeid  # type: ignore[union-attr]
    # one test per rule, its variants inside: the id names the rule the server breaks
    by_label: dict[str, list[Case]] = {}
    for case in _families(metafunc.config, name).get(family, []):
        by_label.setdefault(case.label, []).append(case)
    metafunc.parametrize("cases", list(by_label.values()), ids=list(by_label))


def test_param_structure(method_session: Session, finding: Failure) -> None:
    """The method takes its params in each structure its paramStructure allows (found before
    the tests were made; the method's other tests go in the structure its target takes)."""
    raise RulesBroken([finding], failure_text(finding, method_session.settings.token))


def test_boundary_accepted(method_session: Session, cases: list[Case]) -> None:
    """A valid request at a bound of the schemas gets a success reply."""
    check_cases(method_session, *cases)


def test_invalid_rejected(method_session: Session, cases: list[Case]) -> None:
    """A request broken in one way is refused as invalid params, naming what is broken where
    the contract says errors name it."""
    check_cases(method_session, *cases)


def test_protocol(method_session: Session, cases: list[Case]) -> None:
    """A broken envelope or transport gets the JSON-RPC error for it."""
    check_cases(method_session, *cases)


def test_references(method_session: Session, cases: list[Case]) -> None:
    """An entity id the target may not know gets a success or a -32602 error."""
    check_cases(method_session, *cases)


def test_duplicate_refused(method_session: Session, cases: list[Case]) -> None:
    """What a server keeps unique, created twice for one caller (the second time in another
    letter case too), is refused as a duplicate."""
    check_cases(method_session, *cases)


def test_robust(method_session: Session, cases: list[Case]) -> None:
    """What a parser, a type or a database may choke on (a bare NaN, an integer past 64 bits,
    a lone surrogate, a duplicate key) gets a well-formed reply, never a crash: -32700 for
    what is no JSON, else any answer but -32603."""
    check_cases(method_session, *cases)


def _own_database() -> dict[str, Any]:
    """``database=None`` unless the user configured one (a profile, ``settings.default``):
    hypothesis would otherwise leave a ``.hypothesis/`` folder in whatever folder pytest runs
    in, for examples that replay against a live target that has changed since."""
    from hypothesis.utils.conventions import not_set

    configured = getattr(settings.default, "_database", not_set) is not not_set
    return {} if configured else {"database": None}


#: Each method's strategy of valid requests, made at its first draw (a strategy is checked
#: when made).
_STRATEGIES: dict[int, Any] = {}


def _valid_test(budget: int | None) -> Callable[..., None]:
    """The valid family's test, made anew for each budget: hypothesis refuses settings applied
    twice to one function. ``None``: the hypothesis profile's ``max_examples``."""
    if budget == 0:

        def no_valid_request(method_session: Session) -> None:
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

    #: failures by request, where a budget is set (``conformance.engine.valid`` does the same)
    failed: dict[str, RulesBroken] = {}

    @chosen
    @given(data=st.data())
    def test_valid_accepted(
        method_session: Session, known_defects: KnownDefects | None, data: st.DataObject
    ) -> None:
        """Any request the schemas accept gets a success reply (drawn by hypothesis)."""
        method = method_session.method
        if id(method) not in _STRATEGIES:
            _STRATEGIES[id(method)] = method.valid_requests({})
        strategy = _STRATEGIES[id(method)]
        if strategy is None:
            pytest.skip(f"{method.name}: no valid params could be made: {method.notes}")
        # drawn with a placeholder token: hypothesis prints what it draws
        request = data.draw(strategy, label="request")
        valid = Case("valid", "valid", "valid", method.valid_expectation, request)
        # once --target-max-creates is reached nothing more is sent: a failure hypothesis
        # found before is raised again on its replays (unsent), else the test is skipped
        key = json.dumps(request, sort_keys=True, default=repr)
        known = failed.get(key)
        if known is None and method_session.over_budget(valid):
            if failed:
                return
            pytest.skip(_budget_spent(method_session))
        try:
            if known is not None:
                raise known  # its traceback still ends where it was first raised
            check_cases(method_session, valid, keyed=True, known=known_defects)
        except RulesBroken as broken:
            if method_session.settings.max_creates is not None:
                failed[key] = broken
            raise

    return test_valid_accepted


test_valid_accepted = _valid_test(None)
