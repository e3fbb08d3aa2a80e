"""The runner over an OpenRPC document: every family for every method (or the one named).

Each method runs as the built-in run does (``conformance.engine.runner.Session``: the same
transport, setup checks, report and failure records), with its own cases
(``conformance.openrpc.generation``) and its own checks: the JSON-RPC 2.0 checks of
``conformance.engine.checks`` that hold for any method, ``reply-shape`` (a JSON-RPC 2.0
Response object; an error's ``data`` matches ``x-error-data`` where the document gives it) and
``result-schema`` (a result matches the method's result schema) in place of the contract's
``reply-schema``. Test ids are ``method::test_invalid_rejected[param:keyword]``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from conformance.engine.checks import CHECKS, UNPARSED, Exchange, Rule, RunState, Violated
from conformance.engine.interrupts import CtrlC, kept
from conformance.engine.runner import (
    REFERENCE_MEMBERS,
    TOKEN_MEMBER,
    TOKEN_PLACEHOLDER,
    CheckFailed,
    Report,
    RuleCount,
    Session,
    Settings,
    _Stop,
    failure_key,
    failure_type,
    valid_family_settings,
)
from conformance.engine.transport import Target, reachable
from conformance.errors import ArgumentError
from conformance.generation import cases as case_module
from conformance.generation.cases import SUCCESS, Case
from conformance.generation.schema_tree import node_validator
from conformance.openrpc.arrays import with_arrays
from conformance.openrpc.document import Document, Method
from conformance.openrpc.generation import (
    MethodBase,
    MethodPlan,
    as_positional,
    make_base,
    protocol_cases,
    unconstructed,
)

#: The built-in checks that hold for any JSON-RPC 2.0 method.
GENERIC_RULES: Final = (
    "answer-in-time",
    "no-server-error",
    "http-200-json",
    "body-parses",
    "jsonrpc-version",
    "result-xor-error",
    "reply-id",
    "expected-outcome",
)


def _replies(exchange: Exchange) -> list[Any]:
    if exchange.reply is UNPARSED:
        return []
    return list(exchange.reply) if isinstance(exchange.reply, list) else [exchange.reply]


def checks_for(method: Method) -> dict[str, Rule]:
    """The checks of one method's replies, in order."""
    rules = {name: CHECKS[name] for name in GENERIC_RULES}
    result_valid = node_validator(method.result.schema) if method.result is not None else None
    data_schema = method.extensions.get("x-error-data")
    data_valid = node_validator(data_schema) if isinstance(data_schema, Mapping) else None

    def reply_shape(exchange: Exchange, state: RunState) -> None:
        """Each reply is a JSON-RPC 2.0 Response object: an error has an integer code and a
        string message (and, where the document says, data of its x-error-data schema); an
        empty batch gets one -32600 error, never an empty array."""
        if exchange.reply == [] and exchange.case.payload == []:
            raise Violated("an empty batch answered with an empty array, not a -32600 error")
        for reply in _replies(exchange):
            if not isinstance(reply, dict):
                raise Violated(f"a reply is {type(reply).__name__}, not an object")
            error = reply.get("error")
            if "error" not in reply:
                continue
            if not isinstance(error, dict):
                raise Violated("error is not an object")
            code = error.get("code")
            if not isinstance(code, int) or isinstance(code, bool):
                raise Violated(f"error.code {code!r} is not an integer")
            if not isinstance(error.get("message"), str):
                raise Violated("error.message is missing or not a string")
            if data_valid is not None and not data_valid(error.get("data")):
                raise Violated("error.data does not match the method's x-error-data schema")

    def result_schema(exchange: Exchange, state: RunState) -> None:
        """A success reply's result matches the method's result schema."""
        if result_valid is None or exchange.case.expect.outcome == "batch_or_error":
            return
        for reply in _replies(exchange):
            if isinstance(reply, dict) and "result" in reply and not result_valid(reply["result"]):
                shown = repr(reply["result"])
                raise Violated(f"result {shown[:120]} does not match the result schema")

    for name, function in (("reply-shape", reply_shape), ("result-schema", result_schema)):
        doc = " ".join((function.__doc__ or name).split())
        rules[name] = Rule(name, doc, function)
    if method.extensions.get("x-result-unique") == ["id"]:
        # the built-in check of result.id, where the document says ids are never shared
        rules["distinct-result-ids"] = CHECKS["distinct-result-ids"]
    return rules


def _secret(method: Method) -> str | None:
    return next((p.name for p in method.params if p.extensions.get("x-secret")), None)


def _with_role(method: Method, role: str) -> Method:
    """The method as ``role`` calls it: ``x-roles`` says which params that role must send."""
    roles = method.extensions.get("x-roles")
    if not isinstance(roles, Mapping) or role not in roles:
        return method
    required = set(roles[role].get("required", ()))
    params = tuple(dataclasses.replace(p, required=p.name in required) for p in method.params)
    return dataclasses.replace(method, params=params)


def plan_method(method: Method, settings: Settings) -> MethodPlan:
    """Every deterministic family of one method, and the notes on what it cannot generate."""
    method = _with_role(method, settings.role)
    notes = [
        f"not generated: `{keyword}` at `{where}` (values drawn without it, then filtered)"
        for keyword, where in dict.fromkeys(
            found
            for param in method.params
            for found in unconstructed(param.schema, f"params.{param.name}")
        )
    ]
    notes += [
        f"not generated: `{k}` at `{w}` (a recursive $ref, cut)" for k, w in method.not_generated
    ]
    secret = _secret(method)
    fixed: dict[str, Any] = {}
    omitted: list[str] = []
    if secret is not None:
        if secret != TOKEN_MEMBER:
            notes.append(f"the secret param {secret!r} is sent as a placeholder, never the token")
        fixed[secret] = TOKEN_PLACEHOLDER
    references = [p for p in method.params if "x-references" in p.extensions]
    for param in references:
        setting = REFERENCE_MEMBERS.get(param.name)
        value = getattr(settings, setting) if setting else None
        if value is not None:
            fixed[param.name] = value
        elif not param.required:
            omitted.append(param.name)
    base, why = make_base(method, fixed, omitted)
    plan = MethodPlan(method, base, notes=notes)
    if base is None:
        plan.notes.append(f"{method.name}: {why}")
        return plan
    vendor = "x-params-error-field" in method.extensions
    # the kit's reference members first, in its order: the same cases as the built-in run
    known = list(REFERENCE_MEMBERS)
    names = sorted(
        (p.name for p in references), key=lambda n: known.index(n) if n in known else len(known)
    )
    made: dict[str, Callable[[], list[Case]]] = {
        "protocol": lambda: protocol_cases(base, method, secret),
        "boundary": lambda: with_arrays(base, "boundary", case_module.boundary_cases(base)),
        "invalid": lambda: with_arrays(base, "invalid", case_module.invalid_cases(base, names)),
        "references": lambda: case_module.reference_cases(base, names, settings.seed),
    }
    unique = any("x-unique" in p.extensions for p in method.params)
    if any(
        p.name == case_module.UNIQUE_MEMBER and "x-unique" in p.extensions for p in method.params
    ):
        # the param the runner makes unique in every request is the one a repeat must hit
        made["duplicates"] = lambda: case_module.duplicate_cases(base)
    for family, make in made.items():
        if family not in settings.families:
            continue
        try:
            cases = make()
        except Exception as error:  # a schema the family's walk cannot take: said, not crashed
            plan.notes.append(
                f"{method.name}: the {family} family could not be made "
                f"({type(error).__name__}: {str(error).splitlines()[0][:160]})"
            )
            continue
        if not vendor and family == "invalid":
            generic = case_module.Expectation("error", (-32602,))
            cases = [dataclasses.replace(c, expect=generic) for c in cases]
        if not unique:
            cases = [dataclasses.replace(c, unique_domain=False) for c in cases]
        plan.families[family] = _structured(method, cases)
    return plan


def _structured(method: Method, cases: list[Case]) -> list[Case]:
    """Cases as the method's ``paramStructure`` wants them: by name, by position, or both
    (either: each params case by name, then by position under ``.../by-position``)."""
    if method.param_structure == "by-name":
        return cases
    if method.param_structure == "by-position":
        return [c for c in (as_positional(method, case) for case in cases) if c is not None]
    result = list(cases)
    for case in cases:
        if case.family == "protocol":
            continue
        turned = as_positional(method, case)
        if turned is not None and turned is not case:
            result.append(dataclasses.replace(turned, name=f"{case.name}/by-position"))
    return result


def valid_strategy(plan: MethodPlan) -> Any:
    """The valid family's strategy for one method: whole requests, params by name (by position
    for a by-position method; either, for ``either``)."""
    from hypothesis import strategies as st

    from conformance.generation.strategies import instances
    from conformance.openrpc.generation import positional

    base = plan.base
    assert base is not None
    params = instances(base.params_tree, fixed=dict(base.fixed), omitted=base.omitted).filter(
        node_validator(base.schema)
    )
    method = plan.method
    if method.param_structure == "by-position":
        params = params.map(lambda p: positional(method, p)).filter(lambda p: p is not None)
    elif method.param_structure == "either":
        params = st.one_of(
            params, params.map(lambda p: positional(method, p)).filter(lambda p: p is not None)
        )
    return params.map(base.request)


def _run_valid(session: Session, plan: MethodPlan) -> None:
    from hypothesis import given, reporting
    from hypothesis import seed as seed_of

    settings = session.settings
    if settings.max_examples == 0 or plan.base is None:
        return

    @valid_family_settings(settings)
    @seed_of(settings.seed)
    @given(valid_strategy(plan))
    def valid_requests_are_accepted(request: dict[str, Any]) -> None:
        exchange = session.exchange(Case("valid", "valid", "valid", SUCCESS, request))
        failures = session.evaluate(exchange)
        if failures:
            if session.report.first_failure_at is None:
                session.report.first_failure_at = session.report.cases_sent
            raise failure_type(failure_key(failures))(failures)

    with reporting.with_reporter(lambda _: None):
        try:
            valid_requests_are_accepted()
        except CheckFailed as failed:
            session.record(failed.failures)
        except BaseExceptionGroup as group:
            for found in _flatten(group):
                session.record(found.failures)
        except Exception as error:  # Unsatisfiable: the schema's values could not be drawn
            if not type(error).__module__.startswith("hypothesis"):
                raise
            plan.notes.append(
                f"{plan.method.name}: the valid family drew no value ({type(error).__name__})"
            )


def _flatten(group: BaseExceptionGroup[Any]) -> list[CheckFailed]:
    found: list[CheckFailed] = []
    for inner in group.exceptions:
        if isinstance(inner, CheckFailed):
            found.append(inner)
        elif isinstance(inner, BaseExceptionGroup):
            found.extend(_flatten(inner))
    return found


@dataclass
class MethodReport:
    """One method's run: its ``Report`` and the plan's notes."""

    method: str
    report: Report
    notes: list[str] = field(default_factory=list)

    @property
    def test_ids(self) -> list[str]:
        return [f"{self.method}::{test_id}" for test_id in self.report.test_ids]


@dataclass
class DocumentReport:
    """The run over a document: one ``MethodReport`` per method, in the document's order."""

    target: str
    source: str
    methods: list[MethodReport] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def conforms(self) -> bool:
        return all(m.report.conforms for m in self.methods)

    @property
    def cases_sent(self) -> int:
        return sum(m.report.cases_sent for m in self.methods)

    def failing_tests(self) -> list[str]:
        """``method::test_id`` of each failure, once each, in send order."""
        found = [f"{m.method}::{f.test_id}" for m in self.methods for f in m.report.failures]
        return list(dict.fromkeys(found))


class DocumentInterrupted(KeyboardInterrupt):
    """A Ctrl-C ended the run; ``report`` holds what ran until then."""

    def __init__(self, report: DocumentReport) -> None:
        super().__init__("interrupted")
        self.report = report


def run_document(
    target_url: str,
    document: Document,
    *,
    settings: Settings,
    methods: Sequence[str] = (),
) -> DocumentReport:
    """Run every family of every method (or of ``methods``) of ``document`` against the target."""
    chosen = [document.method(name) for name in methods] or list(document.methods)
    if not chosen:
        raise ArgumentError(f"{document.source} describes no method to run")
    target = Target.parse(target_url)
    why = reachable(target, min(settings.timeout, 5.0))
    if why is not None:
        from conformance.engine.setup import Unreachable

        raise Unreachable(f"the target {target_url} is unreachable: {why}; check --url")
    result = DocumentReport(target_url, document.source)
    started = time.perf_counter()
    # the target is proven a JSON-RPC server (and the token taken) once per run: a target that
    # stops answering in a later method is a finding of that method, not a setup failure
    checked = (False, False)
    try:
        with kept() as ctrl_c:
            for method in chosen:
                checked = _run_method(method, target_url, target, settings, result, checked, ctrl_c)
    except KeyboardInterrupt:
        sent = result.cases_sent
        if result.methods:
            result.methods[-1].report.notes.append(f"interrupted (Ctrl-C) after {sent} cases")
        raise DocumentInterrupted(result) from None
    finally:
        result.elapsed = time.perf_counter() - started
    return result


def _run_method(
    method: Method,
    target_url: str,
    target: Target,
    settings: Settings,
    result: DocumentReport,
    checked: tuple[bool, bool],
    ctrl_c: CtrlC,
) -> tuple[bool, bool]:
    """One method's families, its report added to ``result``; whether the target was proven a
    JSON-RPC server and the token taken, for the next method."""
    plan = plan_method(method, settings)
    checks = checks_for(method)
    report = Report(target_url, settings)
    report.rules = {name: RuleCount() for name in checks}
    session = Session(target, settings, report)
    session.ctrl_c = ctrl_c
    session.checks = checks
    session.target_checked, session.token_checked = checked
    result.methods.append(MethodReport(method.name, report, plan.notes))
    try:
        for family, cases in plan.families.items():
            if settings.on_family is not None:
                settings.on_family(family, len(cases))
            for case in cases:
                session.record(session.evaluate(session.exchange(case)))
        if "valid" in settings.families:
            _run_valid(session, plan)
    except _Stop:
        pass
    finally:
        session.client.close()
    return (session.target_checked, session.token_checked)


def plan_document(
    document: Document, settings: Settings, methods: Sequence[str] = ()
) -> list[MethodPlan]:
    """The deterministic plan of every method (or of ``methods``): no target needed."""
    chosen = [document.method(name) for name in methods] or list(document.methods)
    return [plan_method(method, settings) for method in chosen]


def base_of(plan: MethodPlan) -> MethodBase | None:
    """The plan's base requests (``None`` where none could be made)."""
    return plan.base


__all__ = [
    "GENERIC_RULES",
    "DocumentInterrupted",
    "DocumentReport",
    "MethodReport",
    "base_of",
    "checks_for",
    "plan_document",
    "plan_method",
    "run_document",
    "valid_strategy",
]
