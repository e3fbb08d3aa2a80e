"""One observed exchange judged: what the client broke, what the server broke.

The request side: the body is JSON (``request-json``), each request a JSON-RPC 2.0 Request
object (``request-object``) calling a method of the contract (``request-method``) with params
its schema keeps (``request-params``); a batch or a notification sent to an API that takes none
(``request-batch``, ``request-notification``). Each is reported against the client.

The reply side: the engine's checks of the method (``conformance.engine.checks``: HTTP status
and content type, the body parses, ``jsonrpc``, result xor error, the id echoed, the reply or
result schema), each run on an ``Exchange`` made of what was observed; and ``expected-outcome``
as observed traffic allows it: the kit did not choose the request, and the server's state is
unknown, so a request the contract accepts may get any application error, but never a JSON-RPC
protocol error (-32700, -32600, -32601) nor an internal error (-32603), nor, where the vendor's
conventions hold, a params error whose mnemonic says the schema refused it; a request the
contract refuses gets an error, never a result; a notification gets no result. A batch answered
with an array is judged request by request (each reply paired by its id with its request, and
judged by that request's method); every request of it with an id gets its reply (JSON-RPC 2.0
section 5: the server MUST reply to every call).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from conformance.engine.checks import (
    UNPARSED,
    Exchange,
    Rule,
    RunState,
    Violated,
)
from conformance.engine.transport import Answer
from conformance.errors import PayloadError
from conformance.generation.cases import PARAMS_MNEMONICS, Case, Expectation, Outcome, ReplyId
from conformance.traffic.contracts import (
    CLIENT_RULES,
    ClientFinding,
    TrafficContract,
    envelope_findings,
    is_discovery,
)
from conformance.validation.payloads import loads

Side = Literal["client", "server"]

#: JSON-RPC 2.0's codes no request the contract accepts may get: the body was JSON, the request
#: an object and the method known, and nothing failed inside the server.
NEVER_FOR_VALID: Final = frozenset({-32700, -32600, -32601, -32603})

#: The vendor's params mnemonics that mean "the schema refused this", as opposed to the state
#: of the server (``entity_not_found``, ``duplicate_entity``, ``access_token_invalid``).
SCHEMA_MNEMONICS: Final = PARAMS_MNEMONICS - {"invalid_parameters_combination"}

#: Observed traffic's own rules of the server side, beside the engine's.
SERVER_RULES: Final = {
    "expected-outcome": (
        "A request the contract accepts gets no JSON-RPC protocol error (-32700, -32600, "
        "-32601), no internal error (-32603) and no schema params error; one it refuses gets "
        "an error, not a result; a notification gets no result.",
        "JSON-RPC 2.0 §4.1 and §5.1, and the contract's schemas",
    ),
    "batch-replies": (
        "Every request of a batch that has an id gets its reply.",
        "JSON-RPC 2.0 §5 and §6: the server MUST reply to every call",
    ),
}


@dataclass(frozen=True)
class Finding:
    """One rule broken in one exchange, by the client or by the server."""

    side: Side
    rule: str
    doc: str
    basis: str
    message: str
    method: str | None = None
    #: the request's id as JSON text (``(no id)``, ``(batch)``), for the report
    request_id: str = ""
    field: str | None = None
    keyword: str | None = None


@dataclass
class Judged:
    """What one exchange's judging found, and which rules it ran on each side."""

    findings: list[Finding] = field(default_factory=list)
    #: every rule judged, with its side: the reports count cases per rule
    rules: dict[tuple[Side, str], int] = field(default_factory=dict)
    methods: list[str] = field(default_factory=list)

    def ran(self, side: Side, rule: str) -> None:
        self.rules[side, rule] = self.rules.get((side, rule), 0) + 1


def _id_text(request: Any) -> str:
    import json

    if isinstance(request, list):
        return "(batch)"
    if not isinstance(request, dict) or "id" not in request:
        return "(no id)"
    try:
        return json.dumps(request["id"], ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(request["id"])


def _client(found: ClientFinding, method: str | None, request: Any) -> Finding:
    doc, basis = CLIENT_RULES[found.rule]
    return Finding(
        "client",
        found.rule,
        doc,
        basis,
        found.message,
        method,
        _id_text(request),
        found.field,
        found.keyword,
    )


def _reply_id_rule(request: Any, client_broke_envelope: bool) -> ReplyId:
    if not isinstance(request, dict) or client_broke_envelope:
        return "echo_or_null"
    value = request.get("id")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return "any"  # RFC 8259 §6: not interoperable, a parser may round it
    return "echo"


def _decoded(body: bytes, headers: Mapping[str, str]) -> bytes | None:
    """The reply body as its JSON is read: gzip and deflate undone; ``None`` where it is
    encoded another way (not judged)."""
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return body
    import zlib

    try:
        if encoding in ("gzip", "x-gzip"):
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            return zlib.decompress(body)
    except zlib.error:
        return body
    return None


def judge(
    contract: TrafficContract,
    state: RunState,
    request_body: bytes,
    status: int,
    headers: Mapping[str, str],
    reply_body: bytes,
) -> Judged:
    """Judge one observed HTTP exchange (``headers``: the reply's, names in lower case)."""
    judged = Judged()
    decoded = _decoded(reply_body, headers)
    try:
        request = loads(request_body)
    except PayloadError as error:
        judged.ran("client", "request-json")
        finding = ClientFinding("request-json", f"the request body is not JSON: {error}")
        judged.findings.append(_client(finding, None, None))
        request = UNPARSED
    if decoded is None:
        return judged
    answer = Answer(status, headers, decoded, 0.0)
    reply, parse_error = _parsed(answer)
    if request is UNPARSED:
        _judge_reply(
            judged, contract, state, request, reply, parse_error, answer,
            valid=False, method=None, reply_id="null",
        )  # fmt: skip
        return judged
    if isinstance(request, list):
        _judge_batch(judged, contract, state, request, reply, parse_error, answer)
        return judged
    _judge_single(judged, contract, state, request, reply, parse_error, answer)
    return judged


def _parsed(answer: Answer) -> tuple[Any, str | None]:
    if not answer.body:
        return UNPARSED, "the body is empty"
    try:
        return loads(answer.body), None
    except PayloadError as error:
        return UNPARSED, str(error)


def _request_verdict(
    judged: Judged, contract: TrafficContract, request: Any, strict: bool
) -> tuple[str | None, list[ClientFinding], bool]:
    """The request's method, the client's findings and whether the contract could judge the
    request at all, the rules run counted."""
    for rule in ("request-object", "request-method", "request-params"):
        judged.ran("client", rule)
    found = envelope_findings(request)
    if found:
        return None, found, True
    try:
        method, found = contract.request_findings(request)
    except PayloadError as error:
        # a string holding a lone surrogate (escaped, so the body is JSON): no schema can judge
        # it; RFC 8259 §8.2 calls what a receiver does with it unpredictable and I-JSON
        # (RFC 7493 §2.1) forbids it, which the kit holds against a client only when strict
        name = request.get("method")
        if not strict:
            return (name if isinstance(name, str) else None), [], False
        judged.ran("client", "request-json")
        finding = ClientFinding("request-json", f"{error} (I-JSON, RFC 7493 §2.1; --strict)")
        return (name if isinstance(name, str) else None), [finding], False
    if "id" not in request:
        judged.ran("client", "request-notification")
    # a request only the kit's decisions refuse is neither accepted nor refused (a fuzz run
    # without --strict judges a server neither way on such a value)
    return method, found, bool(found) or not contract.undecided(request)


def _judge_single(
    judged: Judged,
    contract: TrafficContract,
    state: RunState,
    request: Any,
    reply: Any,
    parse_error: str | None,
    answer: Answer,
) -> None:
    if is_discovery(request):
        return
    method, found, judgeable = _request_verdict(judged, contract, request, state.strict)
    if method is not None:
        judged.methods.append(method)
    judged.findings += [_client(f, method, request) for f in found]
    # an id only the kit's decisions refuse (a fractional one) may be answered as unreadable
    broke_envelope = not judgeable or any(f.rule == "request-object" for f in found)
    notification = isinstance(request, dict) and "id" not in request
    _judge_reply(
        judged,
        contract,
        state,
        request,
        reply,
        parse_error,
        answer,
        valid=judgeable and not found,
        method=method,
        reply_id=_reply_id_rule(request, broke_envelope),
        notification=notification,
        refused=any(f.rule in ("request-object", "request-params") for f in found),
    )


def _judge_batch(
    judged: Judged,
    contract: TrafficContract,
    state: RunState,
    batch: list[Any],
    reply: Any,
    parse_error: str | None,
    answer: Answer,
) -> None:
    judged.ran("client", "request-batch")
    if not contract.batches:
        finding = ClientFinding("request-batch", f"a batch was sent ({len(batch)} request objects)")
        judged.findings.append(_client(finding, None, batch))
    if not batch:
        judged.ran("client", "request-object")
        empty = ClientFinding("request-object", "an empty batch, which is no request")
        judged.findings.append(_client(empty, None, batch))
    verdicts = []
    for request in batch:
        method, found, judgeable = _request_verdict(judged, contract, request, state.strict)
        if method is not None:
            judged.methods.append(method)
        judged.findings += [_client(f, method, request) for f in found]
        verdicts.append((request, method, found, judgeable))
    if not isinstance(reply, list):
        # one reply for the whole batch: an error (a server that takes no batch, or an empty
        # batch), or nothing (a batch of notifications alone)
        all_notifications = bool(batch) and all(
            isinstance(r, dict) and "id" not in r for r in batch
        )
        outcome: Outcome = "notification_or_error" if all_notifications else "batch_or_error"
        _run_checks(judged, contract.reply_checks(None), state, batch, reply, parse_error, answer,
                    Expectation(outcome, reply_id="echo_or_null"))  # fmt: skip
        if isinstance(reply, dict) and "result" in reply:
            _server(judged, "expected-outcome", "a batch answered with one result object", None)
        return
    _run_checks(judged, contract.reply_checks(None), state, batch, reply, parse_error, answer,
                Expectation("batch_or_error"), only=("no-server-error", "http-200-json",
                "body-parses", "reply-schema"))  # fmt: skip
    judged.ran("server", "batch-replies")
    unpaired = list(reply)
    for request, method, found, judgeable in verdicts:
        if not isinstance(request, dict) or "id" not in request or not _is_plain_id(request):
            continue
        mine = next((r for r in unpaired if _same_id(r, request["id"])), None)
        if mine is None:
            if not any(isinstance(r, dict) and r.get("id") is None for r in unpaired):
                _server(
                    judged,
                    "batch-replies",
                    f"the request with id {_id_text(request)} got no reply in the array",
                    method,
                    request,
                )
            continue
        unpaired.remove(mine)
        _judge_reply(
            judged, contract, state, request, mine, None, answer,
            valid=judgeable and not found, method=method, reply_id="echo",
            refused=any(f.rule in ("request-object", "request-params") for f in found),
            in_batch=True,
        )  # fmt: skip
    for left in unpaired:
        # a reply no request of the batch has the id of: an id the server could not read
        # (null) is judged as a reply; any other id is the engine's reply-id finding
        _judge_reply(
            judged, contract, state, batch, left, None, answer,
            valid=False, method=None, reply_id="null", in_batch=True,
        )  # fmt: skip


def _is_plain_id(request: dict[str, Any]) -> bool:
    value = request["id"]
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _same_id(reply: Any, wanted: Any) -> bool:
    if not isinstance(reply, dict) or "id" not in reply:
        return False
    got = reply["id"]
    return type(got) is type(wanted) and got == wanted


def _server(
    judged: Judged, rule: str, message: str, method: str | None, request: Any = None
) -> None:
    doc, basis = SERVER_RULES[rule]
    judged.findings.append(Finding("server", rule, doc, basis, message, method, _id_text(request)))


def _judge_reply(
    judged: Judged,
    contract: TrafficContract,
    state: RunState,
    request: Any,
    reply: Any,
    parse_error: str | None,
    answer: Answer,
    *,
    valid: bool,
    method: str | None,
    reply_id: ReplyId,
    notification: bool = False,
    refused: bool = False,
    in_batch: bool = False,
) -> None:
    """The engine's checks and the outcome rule, on one request and its reply."""
    outcome: Outcome = "notification_or_error" if notification else "robust"
    only = ("jsonrpc-version", "result-xor-error", "reply-id", "reply-schema", "reply-shape",
            "result-schema") if in_batch else None  # fmt: skip
    _run_checks(judged, contract.reply_checks(method), state, request, reply, parse_error, answer,
                Expectation(outcome, reply_id=reply_id), only=only, method=method)  # fmt: skip
    if reply is UNPARSED or not isinstance(reply, dict):
        return
    judged.ran("server", "expected-outcome")
    why = _outcome_problem(contract, request, reply, valid, notification, refused)
    if why is not None:
        _server(judged, "expected-outcome", why, method, request)


def _outcome_problem(
    contract: TrafficContract,
    request: Any,
    reply: dict[str, Any],
    valid: bool,
    notification: bool,
    refused: bool,
) -> str | None:
    error = reply.get("error")
    if notification and "result" in reply:
        return "a notification was answered with a result (JSON-RPC 2.0 §4.1: no reply)"
    if request is UNPARSED:
        if "result" in reply:
            return "a body that is not JSON was answered with a result"
        code = error.get("code") if isinstance(error, dict) else None
        if code != -32700:
            return f"a body that is not JSON was answered with error {code}, not -32700"
        return None
    if refused and "result" in reply:
        return "a request the contract refuses was answered with a result"
    if not valid or not isinstance(error, dict):
        return None
    code = error.get("code")
    if code in NEVER_FOR_VALID:
        return f"a request the contract accepts was answered with error {code}"
    data = error.get("data")
    mnemonic = data.get("mnemonic") if isinstance(data, dict) else None
    if contract.vendor and code == -32602 and mnemonic in SCHEMA_MNEMONICS:
        where = data.get("field") if isinstance(data, dict) else None
        at = f" at {where}" if isinstance(where, str) else ""
        return f"a request the contract accepts was refused with -32602 {mnemonic}{at}"
    return None


def _run_checks(
    judged: Judged,
    checks: Mapping[str, Rule],
    state: RunState,
    request: Any,
    reply: Any,
    parse_error: str | None,
    answer: Answer,
    expect: Expectation,
    *,
    only: tuple[str, ...] | None = None,
    method: str | None = None,
) -> None:
    case = Case("traffic", "observed", "observed", expect, payload=request)
    exchange = Exchange(case, request, b"", answer, reply=reply, parse_error=parse_error)
    for rule in _selected(checks, only):
        judged.ran("server", rule.name)
        try:
            rule.function(exchange, state)
        except Violated as violated:
            judged.findings.append(
                Finding(
                    "server",
                    rule.name,
                    rule.doc,
                    rule.basis,
                    str(violated),
                    method,
                    _id_text(request),
                )
            )


def _selected(checks: Mapping[str, Rule], only: tuple[str, ...] | None) -> Iterator[Rule]:
    for name, rule in checks.items():
        if only is None or name in only:
            yield rule


__all__ = ["NEVER_FOR_VALID", "SERVER_RULES", "Finding", "Judged", "Side", "judge"]
