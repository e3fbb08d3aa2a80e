"""An OpenRPC document as a contract the engine runs: one ``MethodContract`` a method.

A method's cases come from its params schema (``conformance.openrpc.generation``), in the
document's ``paramStructure``; its checks are the JSON-RPC 2.0 checks of
``conformance.engine.checks`` that hold for any method, ``reply-shape`` (a JSON-RPC 2.0
Response object; an error's ``data`` matches ``x-error-data`` where the document gives it) and
``result-schema`` (a result matches the method's result schema). The profile is JSON-RPC 2.0's,
unless the document's ``x-`` extensions name the vendor's conventions (``x-error-mnemonics``,
``x-params-error-field``, ``x-secret``, ``x-references``, ``x-unique``, ``x-roles``): the
exported create.sites document gives the bundled contract's cases; ``Settings.profile``
``jsonrpc`` (``--profile jsonrpc``) ignores those extensions (``conformance.openrpc.profiles``).
Test ids are
``method::test_invalid_rejected[param:keyword]``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from conformance.contract.decisions import decided_basis, decisions_under, without_decisions
from conformance.engine.checks import (
    CHECKS,
    DOCUMENT_RULES,
    UNPARSED,
    Exchange,
    Rule,
    RunState,
    Violated,
    readable,
)
from conformance.engine.contract import Contract
from conformance.engine.results import Report
from conformance.engine.settings import REFERENCE_MEMBERS, TOKEN_PLACEHOLDER, Settings
from conformance.errors import ArgumentError
from conformance.generation import cases as case_module
from conformance.generation.cases import ABSENT, SUCCESS, Case, Expectation
from conformance.generation.decisions import decided
from conformance.generation.protocol import (
    GENERIC_STRING_ID,
    VENDOR_STRING_ID,
    Envelope,
    protocol_cases,
)
from conformance.generation.robustness import robustness_cases
from conformance.generation.schema_tree import NodeError, node_errors, node_validator
from conformance.openrpc.arrays import with_arrays
from conformance.openrpc.discovery import DISCOVER
from conformance.openrpc.document import Document, Method
from conformance.openrpc.generation import (
    MethodPlan,
    as_positional,
    make_base,
    unconstructed,
)
from conformance.openrpc.profiles import VENDOR_FAMILIES, judged_method, judges_vendor_params
from conformance.openrpc.structure import RULE as STRUCTURE_RULE
from conformance.openrpc.structure import settle

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


#: The rule of ``expected-outcome`` in words of JSON-RPC 2.0 alone (the bundled contract's
#: speaks of the vendor's mnemonics and ``data.field``).
GENERIC_OUTCOME: Final = (
    "Requests the document's schemas accept succeed; params they refuse get -32602 (invalid "
    "params); a broken envelope gets its JSON-RPC 2.0 error."
)


def _replies(exchange: Exchange) -> list[Any]:
    if exchange.reply is UNPARSED:
        return []
    return list(exchange.reply) if isinstance(exchange.reply, list) else [exchange.reply]


#: What ``http-200-json`` stands on in a document's run (JSON-RPC 2.0 names no transport).
GENERIC_HTTP: Final = (
    "HTTP semantics (RFC 9110: the status says whether the request was served, Content-Type "
    "names the body's media type) and RFC 8259 (JSON is application/json); JSON-RPC 2.0 names "
    "no transport, so an error reply with a 4xx status is judged only with --strict"
)

#: What each family's verdict stands on in a document's run, where a case names none.
DOCUMENT_BASIS: Final = {
    "valid": "the OpenRPC document's schemas: a request they accept succeeds",
    "boundary": "the OpenRPC document's schemas: a value at a bound they accept succeeds",
    "invalid": "the OpenRPC document's schemas: params they refuse are invalid params (-32602)",
    "references": "the OpenRPC document's x-references: an id that may name nothing gets a "
    "success or invalid params (-32602)",
    "duplicates": "the OpenRPC document's x-unique (a repeat is refused) and RFC 4343 (host "
    "names are case-insensitive)",
}


def _vendor(method: Method) -> bool:
    """The document carries the vendor's conventions (``x-error-mnemonics``)."""
    return "x-error-mnemonics" in method.extensions


def checks_for(method: Method) -> dict[str, Rule]:
    """The checks of one method's replies, in order."""
    rules = {name: CHECKS[name] for name in GENERIC_RULES}
    if "x-params-error-field" not in method.extensions:
        # the same check, stated in JSON-RPC 2.0's words: no vendor mnemonic is asked for
        rules["expected-outcome"] = dataclasses.replace(
            rules["expected-outcome"], doc=GENERIC_OUTCOME
        )
    result = method.result.schema if method.result is not None else None
    result_valid = node_validator(result) if result is not None else None
    # the document's own decisions (x-decisions) judged only with --strict, as params' are
    lenient = without_decisions(result) if result is not None else None
    result_lenient = node_validator(lenient) if lenient is not None and lenient != result else None
    # what a result only --strict refuses stands on: the decisions the result schema carries
    result_decisions = "; ".join(dict.fromkeys(d.why for d in decisions_under(result)))
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
            if data_valid is not None and not data_valid(readable(error.get("data"))):
                raise Violated("error.data does not match the method's x-error-data schema")

    def result_schema(exchange: Exchange, state: RunState) -> None:
        """A success reply's result matches the method's result schema."""
        if result_valid is None or exchange.case.expect.outcome == "batch_or_error":
            return
        valid = result_valid if state.strict or result_lenient is None else result_lenient
        for reply in _replies(exchange):
            if (
                isinstance(reply, dict)
                and "result" in reply
                and not valid(readable(reply["result"]))
            ):
                assert method.result is not None
                errors = node_errors(method.result.schema, readable(reply["result"]))
                decided = result_lenient is not None and result_lenient(readable(reply["result"]))
                raise Violated(
                    result_error_text(reply["result"], errors),
                    basis=decided_basis(result_decisions) if decided else "",
                )

    bases = (
        "JSON-RPC 2.0 §5 and §5.1: the Response and Error objects",
        "the OpenRPC document: the method's result schema",
    )
    for name, function, basis in zip(
        DOCUMENT_RULES[:2], (reply_shape, result_schema), bases, strict=True
    ):
        doc = " ".join((function.__doc__ or name).split())
        rules[name] = Rule(name, doc, function, basis)
    # judges the probes of the param structure alone (``conformance.openrpc.structure``)
    rules[STRUCTURE_RULE.name] = STRUCTURE_RULE
    if not _vendor(method):
        # the same check, standing on what a document's run stands on (the Data API's words
        # are the bundled contract's)
        rules["http-200-json"] = dataclasses.replace(rules["http-200-json"], basis=GENERIC_HTTP)
    unique = method.extensions.get("x-result-unique")
    if isinstance(unique, list) and unique and all(isinstance(m, str) for m in unique):
        rules["distinct-result-ids"] = _distinct_results(tuple(unique))
    return rules


def _distinct_results(members: tuple[str, ...]) -> Rule:
    """``distinct-result-ids`` as the document's ``x-result-unique`` says it: each member it
    names is never given twice in a run (the record shared by pytest-xdist workers)."""
    named = ", ".join(f"result.{member}" for member in members)

    def distinct_results(exchange: Exchange, state: RunState) -> None:
        reply = exchange.reply
        result = reply.get("result") if isinstance(reply, dict) else None
        if not isinstance(result, dict):
            return
        for member in members:
            if member in result:
                key = (
                    json.dumps(result[member])
                    if member == "id"
                    else json.dumps({member: result[member]})
                )  # the bundled contract's key for an id: one record of the run's ids
                if not state.claim_result_id(key):
                    raise Violated(
                        f"result.{member} {json.dumps(result[member])} was already given in "
                        "another reply of this run"
                    )

    return Rule(
        "distinct-result-ids",
        f"No two successes of the run share {named}.",
        distinct_results,
        f"the OpenRPC document: the method's x-result-unique ({named})",
    )


def result_error_text(result: Any, errors: Sequence[NodeError]) -> str:
    """What broke in a result: which part of it (``result.blocks.0.hash``) broke which keyword
    of the result schema, and where that keyword stands in it (a JSON Pointer), as the
    validator says it; then how many more ways it breaks the schema."""
    shown = json.dumps(result, ensure_ascii=False, default=repr)
    said = f"result {shown[:120]}{'…' if len(shown) > 120 else ''} does not match the result schema"
    if not errors:
        return said
    first = errors[0]
    where = ".".join(("result", *(str(part) for part in first.instance_path)))
    keyword = f" `{first.keyword}` (schema path {first.pointer})" if first.schema_path else ""
    more = f"; {len(errors) - 1} more" if len(errors) > 1 else ""
    return f"{said}: {where} breaks{keyword or ' it'}: {first.message[:200]}{more}"


def _secret(method: Method) -> str | None:
    return next((p.name for p in method.params if p.extensions.get("x-secret")), None)


def with_role(method: Method, role: str) -> Method:
    """The method as ``role`` calls it: ``x-roles`` says which params that role must send."""
    roles = method.extensions.get("x-roles")
    if not isinstance(roles, Mapping) or role not in roles:
        return method
    required = set(roles[role].get("required", ()))
    params = tuple(dataclasses.replace(p, required=p.name in required) for p in method.params)
    return dataclasses.replace(method, params=params)


def _vendor_codes(method: Method, mnemonic: str, fallback: tuple[int, ...]) -> tuple[int, ...]:
    table = method.extensions.get("x-error-mnemonics") or {}
    codes = tuple(int(code) for code, names in table.items() if mnemonic in names)
    return codes or fallback


def valid_expectation_of(method: Method, settings: Settings) -> Expectation:
    """What a request the document's schemas accept gets. A run knows nothing of the server's
    state (an address with no balance, a filter that expired): without the vendor's
    conventions, an application error (one the document lists, a server error, or any code
    outside JSON-RPC 2.0's reserved range) is counted and not judged unless
    ``Settings.expect_success``."""
    if "x-error-mnemonics" in method.extensions or settings.expect_success:
        return dataclasses.replace(SUCCESS, basis=DOCUMENT_BASIS["valid"])
    listed = tuple(
        int(error["code"])
        for error in method.errors
        if isinstance(error, Mapping)
        and isinstance(error.get("code"), int)
        and not isinstance(error.get("code"), bool)
    )
    return Expectation(
        "success_or_application_error",
        listed,
        basis="the OpenRPC document's schemas: a request they accept succeeds, or gets an "
        "application error (a code the document lists, a server error, or one outside the "
        "range JSON-RPC 2.0 reserves); JSON-RPC 2.0's own codes and its reserved ones fail "
        "(--expect-success judges application errors too)",
    )


def envelope_of(
    method: Method, secret: str | None, methods: frozenset[str] = frozenset()
) -> Envelope:
    """The method's envelope: JSON-RPC 2.0's, or the vendor's where the document's
    ``x-error-mnemonics`` names its errors."""
    vendor = "x-error-mnemonics" in method.extensions
    error = method.extensions.get("x-secret-error") or {}
    return Envelope(
        method.name,
        string_id=VENDOR_STRING_ID if vendor else GENERIC_STRING_ID,
        batch_codes=_vendor_codes(method, "batch_operations_not_supported", (-32600,)),
        notification_codes=_vendor_codes(method, "notifications_not_supported", (-32600,)),
        params_required=any(param.required for param in method.params),
        by_name_only=method.param_structure == "by-name",
        vendor=vendor,
        extra_member_refused=method.extensions.get("x-additional-params") is False,
        token_member=secret,
        token_error=int(error.get("code", -32602)),
        methods=methods,
    )


def _tolerant(envelope: Envelope, as_written: Method, vendor_params: bool) -> Envelope:
    """Under ``jsonrpc``, a batch or a notification refused with the code the document's
    ``x-error-mnemonics`` gives that refusal (``batch_operations_not_supported``,
    ``notifications_not_supported``) is still accepted besides JSON-RPC 2.0's -32600: the
    vendor's document allows it, and a profile never adds a verdict."""
    if vendor_params:
        return envelope
    batch = _vendor_codes(as_written, "batch_operations_not_supported", ())
    notification = _vendor_codes(as_written, "notifications_not_supported", ())
    return dataclasses.replace(
        envelope,
        batch_codes=tuple(dict.fromkeys((*envelope.batch_codes, *batch))),
        notification_codes=tuple(dict.fromkeys((*envelope.notification_codes, *notification))),
    )


def plan_method(
    method: Method, settings: Settings, methods: frozenset[str] = frozenset()
) -> MethodPlan:
    """Every deterministic family of one method, and the notes on what it cannot generate,
    as the settings' profile judges it (``conformance.openrpc.profiles``)."""
    as_written = method
    method = judged_method(with_role(method, settings.role), settings.profile)
    notes = [
        f"not generated: `{keyword}` at `{where}` (values drawn without it, then filtered)"
        for keyword, where in dict.fromkeys(
            found
            for param in method.params
            for found in unconstructed(param.schema, f"params.{param.name}")
        )
    ]
    notes += [
        f"recursive: `{k}` at `{w}` (a $ref cycle: judged whole, drawn at most 2 levels deep)"
        for k, w in method.not_generated
    ]
    secret = _secret(method)
    fixed: dict[str, Any] = {}
    omitted: list[str] = []
    if secret is not None:
        fixed[secret] = TOKEN_PLACEHOLDER  # the token goes in when sent
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
    vendor_params = judges_vendor_params(settings.profile)
    # the credential's cases (token-wrong, token-missing) judge the vendor's x-secret
    judged_secret = secret if vendor_params else None
    # the kit's reference members first, in its order: the same cases as the built-in run
    known = list(REFERENCE_MEMBERS)
    names = sorted(
        (p.name for p in references), key=lambda n: known.index(n) if n in known else len(known)
    )
    made: dict[str, Callable[[], list[Case]]] = {
        "protocol": lambda: protocol_cases(
            base, _tolerant(envelope_of(method, judged_secret, methods), as_written, vendor_params)
        ),
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
    made["robustness"] = lambda: robustness_cases(
        base, params_by_name=method.param_structure != "by-position"
    )
    for family, make in made.items():
        if family not in settings.families or (family in VENDOR_FAMILIES and not vendor_params):
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
        if family == "invalid":
            cases = decided(base.params_tree, cases)
        valid = valid_expectation_of(method, settings)
        cases = [_documented(case, valid, unique) for case in cases]
        plan.families[family] = _structured(method, cases)
    return plan


def _documented(case: Case, valid: Expectation, unique: bool) -> Case:
    """``case`` as a document's run judges it: a request that should succeed gets what a valid
    request of the document gets, and the verdict stands on the document where the case names
    no source of its own (the families' default bases speak of the bundled contract); no
    member made unique where the method has none (``unique``: one has ``x-unique``). One
    copy a case at most: the Ethereum document's plan makes about 15,000."""
    expect = case.expect
    if expect.outcome == "success" and valid.outcome != "success":
        expect = valid
    if not expect.basis and case.family in DOCUMENT_BASIS:
        expect = dataclasses.replace(expect, basis=DOCUMENT_BASIS[case.family])
    changes: dict[str, Any] = {} if expect is case.expect else {"expect": expect}
    if not unique and case.unique_domain:
        changes["unique_domain"] = False
    return dataclasses.replace(case, **changes) if changes else case


def _structured(method: Method, cases: list[Case]) -> list[Case]:
    """Cases as the method's ``paramStructure`` wants them: by name, by position, or both
    (either: each params case by name, then by position under ``.../by-position``)."""
    if method.param_structure == "by-name":
        return cases
    if method.param_structure == "by-position":
        return [c for c in (as_positional(method, case) for case in cases) if c is not None]
    result = list(cases)
    for case in cases:
        if case.family in ("protocol", "robustness"):
            continue  # about the envelope and the parser: one way of sending params is enough
        turned = as_positional(method, case, name=f"{case.name}/by-position")
        if turned is not None and turned is not case:
            result.append(turned)
    return result


def valid_strategy(plan: MethodPlan, pinned: Mapping[str, Any] | None = None) -> Any:
    """The valid family's strategy for one method: whole requests, params by name (by position
    for a by-position method; either, for ``either``); ``pinned`` params at one value."""
    from hypothesis import strategies as st

    from conformance.generation.strategies import instances
    from conformance.openrpc.generation import positional

    base = plan.base
    assert base is not None
    fixed = {**(pinned or {}), **base.fixed}
    params = instances(base.params_tree, fixed=fixed, omitted=base.omitted).filter(
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


@dataclass
class OpenRpcMethod:
    """One method of an OpenRPC document as a ``MethodContract``."""

    plan: MethodPlan
    checks: Mapping[str, Rule]
    token_member: str | None
    unique_member: str | None = None
    unique_valid: Callable[[Any], bool] | None = None
    notes: list[str] = field(default_factory=list)
    valid_expectation: Expectation = SUCCESS
    #: what it was planned from, to plan it again in another param structure
    source: Method | None = None
    settings: Settings | None = None
    methods: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return self.plan.method.name

    def restructured(self, structure: str) -> OpenRpcMethod:
        """The method planned again with its params in ``structure`` (``by-name``,
        ``by-position``): the one its target takes (``conformance.openrpc.structure``)."""
        assert self.source is not None and self.settings is not None
        method = dataclasses.replace(self.source, param_structure=structure)
        return method_contract(method, self.settings, self.methods)

    def families(self) -> Iterator[tuple[str, list[Case]]]:
        yield from self.plan.families.items()

    def valid_requests(self, pinned: Mapping[str, Any]) -> Any:
        if self.plan.base is None:
            return None
        return valid_strategy(self.plan, pinned)

    def pin(self, member: str) -> Any:
        base = self.plan.base
        return case_module.member_value(base, member) if base is not None else ABSENT


def method_contract(
    method: Method, settings: Settings, methods: frozenset[str] = frozenset()
) -> OpenRpcMethod:
    """One method of a document, planned for ``settings`` (``methods``: every method the
    document defines)."""
    plan = plan_method(method, settings, methods)
    judged = judged_method(method, settings.profile)
    unique = next(
        (
            p
            for p in method.params
            if p.name == case_module.UNIQUE_MEMBER and "x-unique" in p.extensions
        ),
        None,
    )
    return OpenRpcMethod(
        plan,
        checks_for(judged),
        _secret(method),
        unique.name if unique is not None else None,
        node_validator(unique.schema) if unique is not None else None,
        valid_expectation=valid_expectation_of(judged, settings),
        source=method,
        settings=settings,
        methods=methods,
        notes=[
            note if note.startswith(method.name) else f"{method.name}: {note}"
            for note in plan.notes
        ],
    )


def document_contract(
    document: Document, settings: Settings, methods: Sequence[str] = ()
) -> Contract:
    """The contract of ``document``'s methods (or of ``methods``), planned for ``settings``
    and judged by its profile (``conformance.openrpc.profiles``)."""
    chosen = [document.method(name) for name in methods] or list(document.methods)
    if not chosen:
        raise ArgumentError(f"{document.source} describes no method to run")
    if settings.param_structure is not None:  # --param-structure: the contract, for each
        chosen = [dataclasses.replace(m, param_structure=settings.param_structure) for m in chosen]
    return Contract(
        name=document.source,
        methods=tuple(method_contract(method, settings, names_of(document)) for method in chosen),
        qualified=True,
        locator={"openrpc": _locator(document.source)},
        prepare=settle,
    )


def _locator(source: str) -> str:
    """How a saved failure names the document: a file by its absolute path (a replay may run
    from another folder), a target's ``rpc.discover`` as it is."""
    import os

    if source.endswith(f" {DISCOVER}") or not os.path.exists(source):
        return source
    return os.path.abspath(source)


def plan_document(
    document: Document, settings: Settings, methods: Sequence[str] = ()
) -> list[MethodPlan]:
    """The deterministic plan of every method (or of ``methods``): no target needed."""
    chosen = [document.method(name) for name in methods] or list(document.methods)
    return [plan_method(method, settings, names_of(document)) for method in chosen]


def names_of(document: Document) -> frozenset[str]:
    """Every method name ``document`` defines."""
    return frozenset(method.name for method in document.methods)


__all__ = [
    "GENERIC_OUTCOME",
    "GENERIC_RULES",
    "OpenRpcMethod",
    "checks_for",
    "document_contract",
    "method_contract",
    "plan_document",
    "plan_method",
    "run_document",
    "valid_strategy",
    "with_role",
]


def run_document(
    target_url: str,
    document: Document,
    *,
    settings: Settings,
    methods: Sequence[str] = (),
) -> Report:
    """Run every family of every method (or of ``methods``) of ``document`` against the
    target: the engine's run of ``document_contract``."""
    from conformance.engine.runner import run

    return run(target_url, document_contract(document, settings, methods), settings=settings)
