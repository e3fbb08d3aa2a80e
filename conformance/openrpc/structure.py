"""Which param structure the target takes, learnt once per method before its cases are sent.

JSON-RPC 2.0 lets params be an array (by position) or an object (by name); an OpenRPC method
says which its server takes in ``paramStructure``: ``by-name``, ``by-position`` or ``either``,
and "either" where the document leaves it out (OpenRPC 1.3: "Defaults to \\"either\\"";
``docs/openrpc.md`` quotes it). A server that takes one structure only fails every case of
the other, under names that say nothing of it (``eth_call::test_protocol[id-integer]``).

So, before the families, each method's valid base request is sent in each structure its
document (or ``--param-structure``) allows: ``test_param_structure[by-name]``,
``test_param_structure[by-position]``. Where the target refuses one structure (it answers a
request the document's schemas accept with an error the method's valid requests may not get)
and serves the same params in the other, that is one finding, ``param-structure``: recorded
once for all the methods where the target does the same (on the first of them, naming the
others), said once in the notes, and the methods' cases go in the structure the target takes.
Where it refuses both, or neither, nothing is concluded here and the cases go as declared.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Protocol, runtime_checkable

from conformance.engine.checks import CHECKS, UNPARSED, Exchange, Rule, RunState, Violated
from conformance.engine.contract import MethodContract
from conformance.engine.results import RuleCount
from conformance.generation.cases import STRUCTURE_FAMILY, Case, Expectation

if TYPE_CHECKING:
    from conformance.engine.contract import Contract
    from conformance.engine.results import Failure
    from conformance.engine.session import Session
    from conformance.engine.settings import Settings
    from conformance.openrpc.generation import MethodPlan


@runtime_checkable
class Restructurable(MethodContract, Protocol):
    """What the probes need of a method: its plan, and the same method planned in another
    param structure (``conformance.openrpc.contract.OpenRpcMethod`` is one; the bundled
    create.sites method is not, and is left as it is). A protocol, so that this module need
    not import the contract module that runs it."""

    @property
    def name(self) -> str: ...

    @property
    def plan(self) -> MethodPlan: ...

    @property
    def valid_expectation(self) -> Expectation: ...

    @property
    def unique_member(self) -> str | None: ...

    @property
    def settings(self) -> Settings | None: ...

    def restructured(self, structure: str) -> Restructurable: ...


#: How each structure is said in a report.
IN_WORDS: Final = {"by-name": "by name", "by-position": "by position"}

#: Methods a finding names before "and N more".
NAMED: Final = 8

#: What ``param-structure`` stands on.
BASIS: Final = (
    "the OpenRPC document's paramStructure (OpenRPC 1.3: the params \"may be an array, "
    'object, or either", and it "Defaults to \\"either\\""): the server takes params in each '
    "structure the method's paramStructure names"
)


def param_structure(exchange: Exchange, state: RunState) -> None:
    """A method takes a valid request's params in each structure its paramStructure allows
    (by name, by position, or either: both)."""
    case = exchange.case
    if case.family != STRUCTURE_FAMILY:
        return
    try:
        CHECKS["expected-outcome"].function(exchange, state)
    except Violated as refused:
        raise Violated(
            f"a valid request with params {IN_WORDS.get(case.label, case.label)} is refused: "
            f"{refused}"
        ) from None


#: The rule, in each document method's checks (a replay of a saved finding judges by it).
RULE: Final = Rule(
    "param-structure", " ".join((param_structure.__doc__ or "").split()), param_structure, BASIS
)


def probe_cases(method: Restructurable) -> dict[str, Case]:
    """The method's valid base request in each structure its cases may go in (``{}``: no
    base request could be made)."""
    from conformance.openrpc.generation import positional

    base = method.plan.base
    if base is None:
        return {}
    structure = method.plan.method.param_structure
    by_name = base.request(base.complete)
    array = positional(method.plan.method, by_name.get("params"))
    payloads = {"by-name": by_name}
    if array is not None:
        payloads["by-position"] = {**by_name, "params": array}
    wanted = ("by-name", "by-position") if structure == "either" else (structure,)
    expect = method.valid_expectation
    return {
        name: Case(
            STRUCTURE_FAMILY,
            name,
            name,
            dataclasses.replace(expect, basis=BASIS),
            payloads[name],
            unique_domain=method.unique_member is not None,
        )
        for name in wanted
        if name in payloads
    }


@dataclass
class _Probed:
    """One method's probes: which structures the target took, and where it refused one, the
    session, the exchange and what the refusal said."""

    method: Restructurable
    accepted: dict[str, bool] = field(default_factory=dict)
    refusals: dict[str, tuple[Session, Exchange, str]] = field(default_factory=dict)

    def judge(self, session: Session, structure: str, case: Case) -> None:
        """Send ``case`` and keep whether the target took its params (a request that got no
        reply to judge by says nothing)."""
        exchange = session.exchange(case)
        session.report.rules.setdefault(RULE.name, RuleCount()).cases += 1
        if exchange.answer.status is None or exchange.reply is UNPARSED:
            return
        try:
            param_structure(exchange, session.state)
        except Violated as refused:
            self.accepted[structure] = False
            self.refusals[structure] = (session, exchange, str(refused))
            return
        self.accepted[structure] = True


def _other(structure: str) -> str:
    return "by-position" if structure == "by-name" else "by-name"


def _probe(method: Restructurable, session_for: Callable[[MethodContract], Session]) -> _Probed:
    probed = _Probed(method)
    cases = probe_cases(method)
    if not cases:
        return probed
    session = session_for(method)
    try:
        for structure, case in cases.items():
            probed.judge(session, structure, case)
        if len(cases) == 1 and probed.accepted.get(structure) is False:
            # the declared structure refused: the other tells a structure refused from params
            # refused (a server that refuses these values whatever their structure)
            other = _other(structure)
            twin = probe_cases(method.restructured(other)).get(other)
            if twin is not None:
                probed.judge(session, other, twin)
    finally:
        session.close()
    return probed


def _declared(method: Restructurable) -> str:
    structure = method.plan.method.param_structure
    settings = method.settings
    if settings is not None and settings.param_structure is not None:
        return f"{settings.option('param_structure')} {structure} says it takes them so"
    if structure != "either":
        return f'the method\'s paramStructure is "{structure}"'
    if method.plan.method.structure_written:
        return 'the method\'s paramStructure is "either" (by name or by position)'
    return (
        'the method gives no paramStructure, so OpenRPC\'s default holds: "either" (by name '
        "or by position)"
    )


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:NAMED])
    return shown + (f" and {len(names) - NAMED} more" if len(names) > NAMED else "")


def settle(
    contract: Contract,
    session_for: Callable[[MethodContract], Session],
    record: bool,
) -> tuple[Contract, list[Failure]]:
    """Probe every method of ``contract``; the contract as its cases then go (each method in
    the structure its target takes), and the ``param-structure`` failures: one for each
    structure refused, on the first method that refused it, naming the others (recorded in
    the run's report when ``record``; the notes say whose cases changed either way)."""
    methods: list[MethodContract] = []
    refused: dict[str, list[_Probed]] = {}
    for method in contract.methods:
        if not isinstance(method, Restructurable):
            methods.append(method)
            continue
        probed = _probe(method, session_for)
        taken = [name for name, ok in probed.accepted.items() if ok]
        denied = [name for name, ok in probed.accepted.items() if not ok]
        if len(taken) == 1 and len(denied) == 1:
            refused.setdefault(denied[0], []).append(probed)
            methods.append(method.restructured(taken[0]))
        else:
            methods.append(method)
    failures: list[Failure] = []
    for structure, group in refused.items():
        session, exchange, said = group[0].refusals[structure]
        other = _other(structure)
        names = [probed.method.name for probed in group]
        likewise = ""
        if len(names) > 1:
            more = len(names) - 1
            likewise = f"; so did {more} more method{'s' * (more > 1)} ({_listed(names[1:])})"
        option = session.settings.option("param_structure")
        failure = session.failure(
            RULE,
            exchange,
            f"{said}; the same params {IN_WORDS[other]} were served, and "
            f"{_declared(group[0].method)}{likewise}: their cases went {IN_WORDS[other]} only "
            f"({option} {other} runs them so, without this finding)",
        )
        failures.append(failure)
        session.report.notes.append(
            f"params {IN_WORDS[structure]} refused: {_listed(names)} "
            f"{'takes' if len(names) == 1 else 'take'} params {IN_WORDS[other]} only; "
            f"{'its' if len(names) == 1 else 'their'} cases {IN_WORDS[structure]} were not sent"
        )
        if record:
            session.record([failure])
    return dataclasses.replace(contract, methods=tuple(methods)), failures


__all__ = ["BASIS", "RULE", "param_structure", "probe_cases", "settle"]
