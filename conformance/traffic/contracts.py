"""What observed traffic is judged against (by the proxy, ``validate --traffic`` and the Dask
recipe): the bundled create.sites contract, or an OpenRPC document. Each says of one request
object what the client broke (``ClientFinding``\\ s: the rule, the member and the schema
keyword), and gives the engine's reply checks of its method (``conformance.engine.checks``;
``conformance.openrpc.contract.checks_for`` for a document).

The rules of the request side are JSON-RPC 2.0's Request object (section 4) and the contract's
params schemas; the reply side reuses the fuzz run's checks, less those that need to know what
the kit sent (``expected-outcome``, replaced by ``conformance.traffic.judging``) or a whole run
(distinct site ids, the target surviving, the response-time bound).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from conformance.engine.checks import CHECKS, OPTIONAL_RULES, Rule
from conformance.openrpc.contract import checks_for, with_role
from conformance.openrpc.discovery import DISCOVER
from conformance.openrpc.document import Document, Method
from conformance.openrpc.generation import violations_of
from conformance.openrpc.profiles import DEFAULT_PROFILE, judged_method
from conformance.validation.validator import best_match, validator_for

#: Engine rules not run on observed exchanges: ``expected-outcome`` knows what the
#: kit sent (the traffic's own outcome rule replaces it), the others judge a whole run.
NOT_OBSERVED: Final = frozenset(
    {"expected-outcome", "distinct-result-ids", "answer-in-time", *OPTIONAL_RULES}
)

#: The client's rules: name, what the rule says, what it stands on.
CLIENT_RULES: Final = {
    "request-json": (
        "The request body is one UTF-8 JSON text.",
        "JSON-RPC 2.0 §4 and RFC 8259: a Request object is JSON",
    ),
    "request-object": (
        'Each request is a JSON-RPC 2.0 Request object: jsonrpc "2.0", a string method, '
        "params an object or an array, an id a string, a number or null.",
        "JSON-RPC 2.0 §4 (the Request object); the contract's request schema",
    ),
    "request-method": (
        "Each request calls a method the contract describes.",
        "the contract (the method page, or the OpenRPC document's methods)",
    ),
    "request-params": (
        "Each request's params keep the method's params schema.",
        "the contract's params schema (the method page, or the OpenRPC document)",
    ),
    "request-batch": (
        "No batch is sent to an API that supports none.",
        "the Data API: batch requests are not supported (-32099 batch_operations_not_supported)",
    ),
    "request-notification": (
        "No notification (a request without an id) is sent to an API that supports none.",
        "the Data API: notifications are not supported (-32099 notifications_not_supported)",
    ),
}


@dataclass(frozen=True)
class ClientFinding:
    """One way a request object breaks the contract."""

    rule: str
    message: str
    #: the member at fault (``params.widget_link.text``), where one is
    field: str | None = None
    #: the schema keyword that failed (``maxLength``), where one did
    keyword: str | None = None


class TrafficContract(Protocol):
    """What observed traffic is judged against."""

    @property
    def name(self) -> str: ...

    @property
    def batches(self) -> bool:
        """Whether the API takes batches."""
        ...

    @property
    def notifications(self) -> bool:
        """Whether the API takes notifications."""
        ...

    @property
    def vendor(self) -> bool:
        """Whether the vendor's errors (mnemonics, ``data.field``) are the contract's."""
        ...

    @property
    def profile(self) -> str | None:
        """What judges an OpenRPC document (``conformance.openrpc.profiles``); ``None``: the
        bundled create.sites contract, the vendor's own."""
        ...

    def request_findings(self, request: dict[str, Any]) -> tuple[str | None, list[ClientFinding]]:
        """The method ``request`` calls (``None``: none the contract describes) and what it
        breaks; ``request`` is an object whose envelope ``envelope_findings`` checked."""
        ...

    def undecided(self, request: dict[str, Any]) -> bool:
        """Whether only the kit's own decisions (``x-decisions``, judged without ``--strict``
        neither way) refuse ``request``, which ``request_findings`` found nothing in: a server
        may take it or refuse it."""
        ...

    def reply_checks(self, method: str | None) -> Mapping[str, Rule]:
        """The engine's checks of a reply to ``method`` (``None``: an unknown method, or no
        request object at all: the checks every JSON-RPC 2.0 reply goes through)."""
        ...

    def secrets(self, request: dict[str, Any]) -> set[str]:
        """The secret values ``request`` carries beyond those its member names give away."""
        ...


def _is_id(value: Any) -> bool:
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


def envelope_findings(request: Any) -> list[ClientFinding]:
    """What ``request`` breaks of JSON-RPC 2.0's Request object (section 4), the same for every
    contract."""
    if not isinstance(request, dict):
        return [ClientFinding("request-object", f"the request is a JSON {_kind(request)}")]
    found = []
    if request.get("jsonrpc") != "2.0":
        shown = repr(request["jsonrpc"]) if "jsonrpc" in request else "missing"
        found.append(ClientFinding("request-object", f'jsonrpc is {shown}, not "2.0"', "jsonrpc"))
    if not isinstance(request.get("method"), str):
        found.append(ClientFinding("request-object", "method is missing or not a string", "method"))
    if "params" in request and not isinstance(request["params"], dict | list):
        found.append(
            ClientFinding(
                "request-object",
                f"params is a JSON {_kind(request['params'])}, not an object or an array",
                "params",
            )
        )
    if "id" in request and not _is_id(request["id"]):
        found.append(
            ClientFinding(
                "request-object", f"id is a JSON {_kind(request['id'])}", "id", keyword="type"
            )
        )
    return found


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _observed(checks: Mapping[str, Rule]) -> dict[str, Rule]:
    return {name: rule for name, rule in checks.items() if name not in NOT_OBSERVED}


#: The engine's rules that hold for any JSON-RPC 2.0 reply, whatever the method.
_GENERIC_REPLY_RULES: Final = (
    "no-server-error",
    "http-200-json",
    "body-parses",
    "jsonrpc-version",
    "result-xor-error",
    "reply-id",
)


@dataclass(frozen=True)
class BundledTraffic:
    """The bundled create.sites contract in one revision, for callers of one role."""

    revision: str
    role: str = "customer"
    strict: bool = False
    name: str = "create.sites"
    batches: bool = False
    notifications: bool = False
    vendor: bool = True
    profile: None = None

    def request_findings(self, request: dict[str, Any]) -> tuple[str | None, list[ClientFinding]]:
        if request.get("method") != self.name:
            shown = repr(request.get("method"))
            return None, [
                ClientFinding("request-method", f"method {shown} is not {self.name}", "method")
            ]
        validator = validator_for("request", self.role, revision=self.revision, strict=self.strict)
        found: list[ClientFinding] = []
        by_member: dict[str, list[Any]] = {}
        for violation in validator.iter_errors(request):
            by_member.setdefault(violation.field, []).append(violation)
        for member, violations in by_member.items():
            worst = best_match(violations)
            assert worst is not None
            if worst.path == ("id",) and worst.keyword == "required":
                found.append(
                    ClientFinding(
                        "request-notification",
                        "the request has no id: a notification, which the Data API does not take",
                        "id",
                        "required",
                    )
                )
                continue
            rule = "request-params" if worst.path[:1] == ("params",) else "request-object"
            found.append(ClientFinding(rule, worst.message, member, worst.keyword))
        return self.name, found

    def undecided(self, request: dict[str, Any]) -> bool:
        if self.strict:
            return False
        strict = validator_for("request", self.role, revision=self.revision, strict=True)
        return not strict.is_valid(request)

    def reply_checks(self, method: str | None) -> Mapping[str, Rule]:
        # every reply of the Data API keeps its reply schema, whatever was asked
        return _observed(CHECKS)

    def secrets(self, request: dict[str, Any]) -> set[str]:
        return set()


@dataclass
class DocumentTraffic:
    """An OpenRPC document's methods, for callers of one role (``x-roles``), judged by
    ``profile`` (``conformance.openrpc.profiles``: under ``jsonrpc`` the vendor's extensions
    that only judge are gone, so are their mnemonics, ``error.data`` schema and refused
    batches and notifications; ``x-secret`` still masks); ``ValueError`` for another."""

    document: Document
    role: str = "customer"
    name: str = ""
    profile: str = DEFAULT_PROFILE
    methods: dict[str, Method] = field(default_factory=dict)
    checks: dict[str, dict[str, Rule]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.name = self.name or self.document.source
        for method in self.document.methods:
            judged = judged_method(with_role(method, self.role), self.profile)
            self.methods[method.name] = judged
            self.checks[method.name] = _observed(checks_for(judged))

    def _mnemonic_listed(self, mnemonic: str) -> bool:
        return any(
            mnemonic in names
            for method in self.methods.values()
            for names in (method.extensions.get("x-error-mnemonics") or {}).values()
        )

    @property
    def batches(self) -> bool:
        return not self._mnemonic_listed("batch_operations_not_supported")

    @property
    def notifications(self) -> bool:
        return not self._mnemonic_listed("notifications_not_supported")

    @property
    def vendor(self) -> bool:
        return any("x-error-mnemonics" in m.extensions for m in self.methods.values())

    def request_findings(self, request: dict[str, Any]) -> tuple[str | None, list[ClientFinding]]:
        name = request.get("method")
        method = self.methods.get(name) if isinstance(name, str) else None
        if method is None:
            return None, [
                ClientFinding(
                    "request-method", f"method {name!r} is not one the document describes", "method"
                )
            ]
        params = request.get("params")
        if params is None and "params" not in request:
            params = {}
        structure = method.param_structure
        if isinstance(params, list):
            if structure == "by-name":
                return method.name, [
                    ClientFinding(
                        "request-params",
                        "params sent by position to a method whose paramStructure is by-name",
                        "params",
                        "paramStructure",
                    )
                ]
            names = [param.name for param in method.params]
            if len(params) > len(names):
                return method.name, [
                    ClientFinding(
                        "request-params",
                        f"{len(params)} params sent by position; the method takes {len(names)}",
                        "params",
                        "maxItems",
                    )
                ]
            params = dict(zip(names, params, strict=False))
        elif isinstance(params, dict) and structure == "by-position" and params:
            return method.name, [
                ClientFinding(
                    "request-params",
                    "params sent by name to a method whose paramStructure is by-position",
                    "params",
                    "paramStructure",
                )
            ]
        if not isinstance(params, dict):
            return method.name, []  # the envelope's finding says it
        found = [
            ClientFinding(
                "request-params",
                f"params.{member} breaks the params schema ({keyword})"
                if member
                else f"params break the params schema ({keyword})",
                f"params.{member}" if member else "params",
                keyword,
            )
            for member, keyword in dict.fromkeys(violations_of(method.params_schema, params))
        ]
        if not self.notifications and "id" not in request:
            found.append(
                ClientFinding(
                    "request-notification",
                    "the request has no id: a notification, which the document's API does not take",
                    "id",
                    "required",
                )
            )
        return method.name, found

    def undecided(self, request: dict[str, Any]) -> bool:
        return False  # a document has no decisions of the kit's

    def reply_checks(self, method: str | None) -> Mapping[str, Rule]:
        if method is None or method not in self.checks:
            return {name: CHECKS[name] for name in _GENERIC_REPLY_RULES}
        return self.checks[method]

    def secrets(self, request: dict[str, Any]) -> set[str]:
        method = self.methods.get(request.get("method"))  # type: ignore[arg-type]
        params = request.get("params")
        if method is None or not isinstance(params, dict | list):
            return set()
        found: set[str] = set()
        for index, param in enumerate(method.params):
            if not param.extensions.get("x-secret"):
                continue
            value = params.get(param.name) if isinstance(params, dict) else None
            if isinstance(params, list) and index < len(params):
                value = params[index]
            if isinstance(value, str) and value:
                found.add(value)
        return found


def is_discovery(request: Any) -> bool:
    """OpenRPC's ``rpc.discover``: a request every contract allows, judged by no schema."""
    return isinstance(request, dict) and request.get("method") == DISCOVER


__all__ = [
    "CLIENT_RULES",
    "NOT_OBSERVED",
    "BundledTraffic",
    "ClientFinding",
    "DocumentTraffic",
    "TrafficContract",
    "envelope_findings",
    "is_discovery",
]
