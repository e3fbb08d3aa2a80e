"""The checks every reply goes through: a small registry of functions, one rule each.

A check is ``def name(exchange, state) -> None``, registered with ``@check("rule-name")``; its
docstring states the rule (reports quote it). It raises ``Violated`` with what it saw when the
rule is broken, and returns quietly when the rule holds or does not apply (a reply that did not
parse has no id to compare). Checks run in registration order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from conformance.contract import DEFAULT_REVISION, REVISIONS
from conformance.contract.decisions import decided_basis
from conformance.engine.transport import Answer
from conformance.errors import ConformanceError
from conformance.generation.cases import Case, Expectation

#: The value of ``Exchange.reply`` when the body did not parse.
UNPARSED: Final = type("Unparsed", (), {"__repr__": lambda self: "UNPARSED"})()

#: Where the request had no id (a notification) or was not an object at all.
NO_ID: Final = type("NoId", (), {"__repr__": lambda self: "NO_ID"})()

#: Why an error answered with an HTTP 4xx status is judged by ``--strict`` alone.
ERROR_STATUS: Final = (
    "JSON-RPC 2.0 says nothing of HTTP and the Data API documents no status: an error reply "
    "with a 4xx status is a refusal all the same; HTTP 200 for every reply is the kit's reading"
)

#: Why an id past 2^53 echoed as a double rounds it is judged by ``--strict`` alone.
ROUNDED_ID: Final = (
    "JSON-RPC 2.0 §5 wants the request's id back, and RFC 8259 §6 says integers past 2^53 are "
    "not interoperable (JavaScript reads every number as a double): the exact echo is the "
    "kit's reading"
)


class Violated(Exception):
    """A check's rule is broken; the message says what was seen, ``hint`` what the run's own
    setting may have to do with it (a target of the other revision): said once a report.
    ``basis`` replaces the rule's own source where this failure stands on something else: a
    decision of the kit that only ``--strict`` judges."""

    def __init__(self, message: str, hint: str = "", *, basis: str = "") -> None:
        super().__init__(message)
        self.hint = hint
        self.basis = basis


@dataclass
class Exchange:
    """One request sent and what came back, with the reply parsed where it could be."""

    case: Case
    payload: Any
    body: bytes
    answer: Answer
    reply: Any = UNPARSED
    parse_error: str | None = None
    #: what the runner built the body from (``conformance.engine.runner.Prepared``), if anything
    source: Any = None
    #: the expectation a default run judges the case by, where ``--strict`` judges the kit's
    #: decision instead (``Case.strict``): a failure the default would not find stands on it
    default_expect: Expectation | None = None

    @property
    def request_id(self) -> Any:
        """The request's ``id``, or ``NO_ID``."""
        if isinstance(self.payload, dict) and "id" in self.payload:
            return self.payload["id"]
        return NO_ID


@dataclass
class RunState:
    """What checks remember across one run: the site ids given so far (shared by every
    pytest-xdist worker of a run in ``conformance.engine.shared_ids.SharedRunState``), and the
    contract's revision the replies are judged by, with the caller's role."""

    result_ids: set[Any] = field(default_factory=set)
    revision: str = DEFAULT_REVISION
    #: the caller's role, for judging a request by another revision (``_request_revision_hint``)
    role: str = "customer"
    #: the run is of the bundled contract, whose other revision a failure may hint at (an
    #: OpenRPC document's run gets no create.sites hint)
    hints: bool = True
    #: the run judges the kit's decisions too (``Settings.strict``)
    strict: bool = False
    #: seconds an answer may take (``max-response-time``; ``None``: the rule is off)
    max_response_time: float | None = None
    #: what replies did that only the kit's decisions refuse, for the report's list of what
    #: was not judged: the member and the value's fault -> why (``reply_schema``)
    unjudged_replies: dict[str, str] = field(default_factory=dict)

    def claim_result_id(self, key: str) -> bool:
        """Record the site id ``key`` (its JSON text); ``False`` if the run had it already."""
        if key in self.result_ids:
            return False
        self.result_ids.add(key)
        return True


Check = Callable[[Exchange, RunState], None]


@dataclass(frozen=True)
class Rule:
    """A registered check: its name, the rule it states and the function."""

    name: str
    doc: str
    function: Check
    #: what the rule stands on: the method page (or the OpenRPC document), JSON-RPC 2.0, a
    #: standard the page names, or a decision of the kit
    basis: str = ""


CHECKS: dict[str, Rule] = {}

#: The rules an OpenRPC contract adds to each method, made from the method's own schemas
#: (``conformance.openrpc.contract.checks_for``): named here so that a baseline or a saved
#: failure of a document's run is read as the kit's.
DOCUMENT_RULES: Final = ("reply-shape", "result-schema", "param-structure")


def rule_names() -> tuple[str, ...]:
    """Every rule name a run of the kit can report."""
    return (*CHECKS, *DOCUMENT_RULES)


def check(name: str, basis: str) -> Callable[[Check], Check]:
    """Register a check under ``name``; its docstring's first line is the rule, ``basis`` what
    it stands on."""

    def register(function: Check) -> Check:
        if name in CHECKS:
            raise ValueError(f"a check named {name!r} is already registered")
        doc = " ".join((function.__doc__ or name).strip().split("\n\n")[0].split())
        CHECKS[name] = Rule(name, doc, function, basis)
        return function

    return register


def _replies(exchange: Exchange) -> Iterator[Any]:
    """The reply objects of an exchange (each element of an array reply to a batch)."""
    if exchange.reply is UNPARSED:
        return
    if isinstance(exchange.reply, list):
        yield from exchange.reply
    else:
        yield exchange.reply


def _no_body_allowed(exchange: Exchange) -> bool:
    """A notification answered as plain JSON-RPC 2.0 does: no reply body at all."""
    return exchange.case.expect.outcome == "notification_or_error" and not exchange.answer.body


def _same(a: Any, b: Any) -> bool:
    """Equal in JSON type and value (``1`` is not ``"1"``, ``True`` nor ``1.0``)."""
    return type(a) is type(b) and a == b


def readable(value: Any) -> Any:
    """``value`` with each lone surrogate in its strings and member names read as U+FFFD.

    JSON's grammar takes an escaped lone surrogate (``"\\ud800"``) and RFC 8259 section 8.2
    leaves what a reader makes of it open: a reply that carries one (a server echoing the
    request's value, escaped) is judged by its shape, as a reader that replaces it sees it."""
    from conformance.validation.validator import has_lone_surrogate

    if not has_lone_surrogate(value):
        return value
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {readable(name): readable(member) for name, member in value.items()}
    if isinstance(value, list):
        return [readable(item) for item in value]
    return value


_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")


@check(
    "answer-in-time", "robustness: a request never leaves a client waiting or a connection broken"
)
def answer_in_time(exchange: Exchange, state: RunState) -> None:
    """Every request gets an HTTP answer within the timeout, on a connection that stays usable."""
    if exchange.answer.error is not None:
        raise Violated(exchange.answer.error)


@check("no-server-error", "robustness: no input crashes the server (HTTP 5xx)")
def no_server_error(exchange: Exchange, state: RunState) -> None:
    """No request, however malformed, gets an HTTP 5xx status."""
    status = exchange.answer.status
    if status is not None and status >= 500:
        raise Violated(f"HTTP {status}")


@check(
    "http-200-json",
    "the Data API (one HTTP endpoint; replies are JSON, Content-Type application/json)",
)
def http_200_json(exchange: Exchange, state: RunState) -> None:
    """Every JSON-RPC reply, result or error, comes with HTTP 200 and a JSON content type."""
    answer = exchange.answer
    if answer.status is None or _no_body_allowed(exchange):
        return
    media = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    if not state.strict and _client_error_reply(exchange):  # a 4xx status, an error reply
        # JSON-RPC 2.0 says nothing of HTTP, and the Data API documents no status: an error
        # answered with a 4xx status is the kit's decision to refuse (--strict judges it)
        answer_status_ok = True
        where = f"replies: an error with HTTP {answer.status}"
        state.unjudged_replies.setdefault(where, ERROR_STATUS)
    else:
        answer_status_ok = answer.status == 200
    if not answer_status_ok or media != "application/json":
        given = answer.headers.get("content-type")
        shown = f"with Content-Type {given}" if given else "without a Content-Type header"
        decided = media == "application/json" and _client_error_reply(exchange)
        raise Violated(
            f"HTTP {answer.status} {shown}", basis=decided_basis(ERROR_STATUS) if decided else ""
        )


def _client_error_reply(exchange: Exchange) -> bool:
    """An HTTP 4xx answer whose body is a JSON-RPC error object (each, for a batch)."""
    status = exchange.answer.status
    if status is None or not 400 <= status < 500 or exchange.reply is UNPARSED:
        return False
    replies = exchange.reply if isinstance(exchange.reply, list) else [exchange.reply]
    return bool(replies) and all(isinstance(r, dict) and "error" in r for r in replies)


@check("body-parses", "JSON-RPC 2.0 and RFC 8259: a Response object is one JSON text")
def body_parses(exchange: Exchange, state: RunState) -> None:
    """The reply body is one UTF-8 JSON document."""
    if exchange.answer.status is None or _no_body_allowed(exchange):
        return
    if exchange.parse_error is not None:
        raise Violated(f"the body is not JSON: {exchange.parse_error}")


@check(
    "reply-schema",
    "the method page: the reply's members and types, and the Data API's error object",
)
def reply_schema(exchange: Exchange, state: RunState) -> None:
    """Each reply matches the contract's reply schema (reply.schema.json of the run's
    revision)."""
    from conformance.validation.validator import best_match, validator_for

    validator = validator_for("reply", revision=state.revision, strict=state.strict)
    if exchange.reply == []:
        # JSON-RPC 2.0 answers an empty batch with one error object, and a batch of
        # notifications with no body at all: never with an empty array
        raise Violated("the body is an empty array, which is no reply")
    echoed = exchange.request_id
    for reply in _replies(exchange):
        try:
            violations = list(validator.iter_errors(readable(reply)))
        except ConformanceError as error:  # a reply the engine cannot take is not a valid reply
            raise Violated(str(error)) from None
        if isinstance(reply, dict) and _same(reply.get("id"), echoed):
            # the reply echoes the request's own id: an id the request was free to send (a
            # fraction, where only the kit's reading refuses it) is judged by reply-id alone
            violations = [v for v in violations if v.path != ("id",)]
        worst = best_match(violations)
        if worst is not None:
            raise Violated(
                worst.message,
                _other_revision_hint(reply, state.revision),
                basis=_decided(violations),
            )
        if not state.strict:
            _note_decisions(reply, state)


def _decided(violations: list[Any]) -> str:
    """The kit's decision a reply breaks, where it breaks nothing else (``--strict`` alone
    fails it): the failure stands on that decision, not on the page."""
    from conformance.contract.decisions import decision_at_keyword

    decisions = [decision_at_keyword(v.schema_path) for v in violations]
    if not decisions or None in decisions:
        return ""
    return decided_basis("; ".join(dict.fromkeys(d.why for d in decisions if d is not None)))


def _note_decisions(reply: Any, state: RunState) -> None:
    """Record where a reply the default run accepts breaks only a decision of the kit (the
    seed's ``"success": "true"``): the report lists it as not judged, ``--strict`` judges it."""
    from conformance.contract.decisions import decision_at_keyword
    from conformance.validation.validator import validator_for

    strict = validator_for("reply", revision=state.revision)
    # read already: reply_schema judged it through the same engine, raising what it cannot read
    reply = readable(reply)
    violations = [] if strict.is_valid(reply) else list(strict.iter_errors(reply))
    for violation in violations:
        decision = decision_at_keyword(violation.schema_path)
        if decision is not None:
            where = f"replies: {violation.message}"  # the message names the member
            state.unjudged_replies.setdefault(where, decision.why)


def _switch(other: str) -> str:
    return (
        f"if that is the one the target implements, check it by that revision: "
        f"conformance fuzz --revision {other}, or pytest --target-revision {other}"
    )


def _other_revision_hint(reply: Any, revision: str) -> str:
    """A hint when ``reply`` keeps another revision's reply contract: a target built on the
    vendor's current API, checked by the seed's contract (the default), fails every success
    reply, and the fix is the run's setting, not the target. Never a verdict: the reply still
    breaks the run's revision, which may be just the defect the team is looking for."""
    from conformance.validation.validator import validator_for

    for other in REVISIONS:
        if other != revision and validator_for("reply", revision=other).is_valid(reply):
            return f"the reply keeps the {other!r} revision's contract: {_switch(other)}"
    return ""


def _request_revision_hint(exchange: Exchange, state: RunState, valid_here: bool) -> str:
    """A hint when the target treats the request as another revision's contract would: it
    refused a request only that revision refuses (``industry_id`` 20 where the current page
    has 19 industries), or accepted one only that revision accepts (``name``). Only a request
    whose verdict differs between revisions gets one: another method's request, or one every
    revision refuses, never does."""
    from conformance.validation.validator import best_match, validator_for

    payload = exchange.payload
    if not state.hints or not isinstance(payload, dict):
        return ""
    # is_valid reads any payload; iter_errors is asked only of one this revision takes, which
    # JSON can carry (no lone surrogate, no nesting past the engine's), so nothing is raised
    if validator_for("request", state.role, revision=state.revision).is_valid(payload) != (
        valid_here
    ):
        return ""
    for other in REVISIONS:
        judge = validator_for("request", state.role, revision=other)
        if other == state.revision or judge.is_valid(payload) == valid_here:
            continue
        if not valid_here:
            return f"the request keeps the {other!r} revision's contract: {_switch(other)}"
        worst = best_match(judge.iter_errors(payload))
        # the two revisions differ only inside params: the refusal names a member
        where = f" at `{worst.field}`" if worst is not None else ""
        return f"the request breaks the {other!r} revision's contract{where}: {_switch(other)}"
    return ""


@check("jsonrpc-version", 'JSON-RPC 2.0 §5: jsonrpc MUST be exactly "2.0"')
def jsonrpc_version(exchange: Exchange, state: RunState) -> None:
    """Each reply carries ``"jsonrpc": "2.0"``."""
    for reply in _replies(exchange):
        if not isinstance(reply, dict) or reply.get("jsonrpc") != "2.0":
            got = reply.get("jsonrpc", "(missing)") if isinstance(reply, dict) else reply
            raise Violated(f"jsonrpc is {_quoted(got)}")


@check("result-xor-error", "JSON-RPC 2.0 §5: exactly one of result and error")
def result_xor_error(exchange: Exchange, state: RunState) -> None:
    """Each reply carries exactly one of ``result`` and ``error``."""
    for reply in _replies(exchange):
        if not isinstance(reply, dict) or ("result" in reply) == ("error" in reply):
            raise Violated("the reply carries both `result` and `error`, or neither")


@check(
    "reply-id",
    "JSON-RPC 2.0 §5: the id MUST be the request's; null only where it could not be read",
)
def reply_id(exchange: Exchange, state: RunState) -> None:
    """The reply's id equals the request's id in JSON type and value; it is null only where the
    id could not be read (a parse error, an unreadable request)."""
    if isinstance(exchange.reply, list):
        batch = exchange.payload if isinstance(exchange.payload, list) else []
        sent_ids = [r.get("id") for r in batch if isinstance(r, dict)]
        for reply in exchange.reply:
            got = reply.get("id") if isinstance(reply, dict) else None
            if not any(_same(got, one) for one in sent_ids):
                raise Violated(f"a reply in the array has id {_quoted(got)}, not a request's id")
        return
    if not isinstance(exchange.reply, dict) or "id" not in exchange.reply:
        if isinstance(exchange.reply, dict):
            raise Violated("the reply has no id")
        return
    got = exchange.reply["id"]
    sent = exchange.request_id
    problem = _reply_id_problem(exchange.case.expect.reply_id, sent, got, state.strict)
    if problem is None:
        return
    default = exchange.default_expect
    if state.strict and _rounded(sent, got):
        basis = decided_basis(ROUNDED_ID)  # RFC 8259 §6's doubles: the exact echo is strict's
    elif default is not None and not _reply_id_problem(default.reply_id, sent, got, state.strict):
        basis = exchange.case.expect.basis  # the case's decision: its default expectation
        # takes this id (past 2^53, only --strict refuses a rounded echo: the branch above)
    else:
        basis = ""
    raise Violated(problem, basis=basis)


def _reply_id_problem(wanted: str, sent: Any, got: Any, strict: bool) -> str | None:
    """What is wrong with reply id ``got`` for request id ``sent`` when ``wanted`` (a case's
    ``Expectation.reply_id``), ``None`` if nothing."""
    if wanted == "any":
        # a number no parser need hold exactly (RFC 8259 section 6): echoed as read, rounded
        # or refused, but an id still
        if got is None or (isinstance(got, str | int | float) and not isinstance(got, bool)):
            return None
        return f"reply id {_quoted(got)} is no JSON-RPC id (a string, a number or null)"
    if wanted == "null" or sent is NO_ID:
        return f"reply id {_quoted(got)} where it must be null" if got is not None else None
    if _same(got, sent) or (wanted == "echo_or_null" and got is None):
        return None
    if not strict and _rounded(sent, got):
        # RFC 8259 §6: integers past 2^53 are not interoperable; a parser that reads every
        # number as a double (JavaScript's) echoes them rounded: contested, not judged
        return None
    return f"reply id {_quoted(got)} for request id {_quoted(sent)}"


#: JSON-RPC 2.0's own error codes: never an application's answer to a valid request.
PROTOCOL_CODES: Final = frozenset({-32700, -32600, -32601, -32602, -32603})


def application_error(code: Any, listed: tuple[int, ...]) -> bool:
    """``code`` is an application's: one the document lists, a server error (-32000 to -32099,
    JSON-RPC 2.0's implementation-defined errors), or any code outside the range JSON-RPC 2.0
    reserves (-32768 to -32000), which it leaves to applications. An OpenRPC method's
    ``errors`` are those it MAY return, not the only ones: an unlisted code (lotus answers 1
    for a block it does not have) is no defect any source names."""
    if not isinstance(code, int) or isinstance(code, bool) or code in PROTOCOL_CODES:
        return False
    return code in listed or not -32768 <= code <= -32100


def _rounded(sent: Any, got: Any) -> bool:
    """``got`` is ``sent``, an integer past 2^53, as a double rounds it."""
    if not isinstance(sent, int) or isinstance(sent, bool) or abs(sent) <= 2**53:
        return False
    if not isinstance(got, int | float) or isinstance(got, bool):
        return False
    try:
        return float(got) == float(sent)
    except OverflowError:
        return False


def _error_text(error: Any) -> str:
    if not isinstance(error, dict):
        return _quoted(error)
    data: dict[str, Any] = error["data"] if isinstance(error.get("data"), dict) else {}
    field_name = data.get("field")
    # quoted as JSON, whose quotes do not change with what they quote (repr's do), so that a
    # report masking the token differs from the unmasked one only where the token stood
    where = f", field {_quoted(field_name)}" if field_name is not None else ""
    # a mnemonic where the reply has one (the vendor's data.mnemonic): a document's errors
    # have none, and "null" would read as if one were asked for
    mnemonic = f" {_quoted(data['mnemonic'])}" if "mnemonic" in data else ""
    return f"error {error.get('code')}{mnemonic}{where}: {_quoted(error.get('message'))}"


def _quoted(value: Any) -> str:
    """``value`` as JSON text; a lone surrogate (which no UTF-8 output takes) escaped. Every
    value quoted was read by ``payloads.loads`` or is the kit's own request id: JSON text."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value)
    return text


def _error_matches(exchange: Exchange, error: Any) -> str | None:
    """Why ``error`` is not the error the case expects, or ``None`` if it is."""
    expect = exchange.case.expect
    if not isinstance(error, dict):
        return f"the error is {_quoted(error)}"
    data: dict[str, Any] = error["data"] if isinstance(error.get("data"), dict) else {}
    if error.get("code") not in expect.codes:
        return (
            f"expected error code {' or '.join(map(str, expect.codes))}, got {_error_text(error)}"
        )
    mnemonic = data.get("mnemonic")
    if expect.mnemonics is not None and not (
        isinstance(mnemonic, str) and mnemonic in expect.mnemonics
    ):
        return f"expected one of the mnemonics {sorted(expect.mnemonics)}, got {_error_text(error)}"
    if expect.field is not None and "field" in data and data["field"] != expect.field:
        return f"expected data.field {_quoted(expect.field)}, got {_error_text(error)}"
    return None


@check("expected-outcome", "each case names its own (the method page, JSON-RPC 2.0, a standard)")
def expected_outcome(exchange: Exchange, state: RunState) -> None:
    """Valid and boundary requests succeed; invalid ones get -32602 with a params mnemonic and
    the broken parameter as data.field; protocol errors get their JSON-RPC code."""
    outcome = exchange.case.expect.outcome
    reply = exchange.reply
    if exchange.answer.status is None:
        return
    if reply is UNPARSED:  # body-parses judges it; an empty body is a notification's answer
        return
    if outcome == "batch_or_error" and isinstance(reply, list):
        return
    if not isinstance(reply, dict):
        raise Violated(f"expected a reply object, got {_quoted(reply)[:80]}")
    if outcome == "robust":
        # nothing decides this case: any answer conforms, but an internal error is a crash
        error = reply.get("error")
        if isinstance(error, dict) and error.get("code") == -32603:
            raise Violated(
                f"a request the contract leaves open was answered as an internal failure: "
                f"{_error_text(error)}"
            )
        return
    if outcome == "success_or_application_error" and "error" in reply:
        error = reply["error"]
        code = error.get("code") if isinstance(error, dict) else None
        if application_error(code, exchange.case.expect.codes):
            return  # a stateful server's answer (not found, ...): counted, not judged
        raise Violated(
            f"expected success or an application error, got {_error_text(error)}: a request "
            "the document's schemas accept"
        )
    if outcome in ("success", "success_or_application_error"):
        if "result" not in reply:
            hint = _request_revision_hint(exchange, state, valid_here=True)
            raise Violated(f"expected success, got {_error_text(reply.get('error'))}", hint)
        return
    if "result" in reply and outcome == "success_or_params_error":
        return
    if "error" not in reply:
        hint = _request_revision_hint(exchange, state, valid_here=False)
        raise Violated(f"expected an error, got result {_quoted(reply.get('result'))}", hint)
    why = _error_matches(exchange, reply["error"])
    if why is not None:
        raise Violated(why)


@check("distinct-result-ids", "the method page: id is the website's unique ID")
def distinct_result_ids(exchange: Exchange, state: RunState) -> None:
    """Every site created in the run gets a site id (``result.id``; ``result.data.id`` in the
    current revision) no other site of the run has."""
    from conformance.generation.schema_tree import site_id_path

    if not isinstance(exchange.reply, dict):
        return
    path = site_id_path(state.revision)
    site: Any = exchange.reply.get("result")
    for name in path:
        if not isinstance(site, dict) or name not in site:
            return
        site = site[name]
    key = json.dumps(site)
    if not state.claim_result_id(key):
        where = ".".join(("result", *path))
        raise Violated(f"{where} {key} was already given to another site in this run")


#: Rules judged across the exchanges of a run, not one: a case sent again alone (a replay)
#: cannot show them broken, so their holding there proves nothing.
RUN_WIDE_RULES: Final = frozenset({"distinct-result-ids"})

#: Rules a session leaves out of its checks unless the run asks for them: the slow answer (its
#: bound is an option), and the target stopped by a request (judged by the session from the
#: next request's failure to connect, not from one exchange).
OPTIONAL_RULES: Final = ("max-response-time", "target-survives")


@check(
    "max-response-time",
    "the run's own bound (--max-response-time): a choice of the user, no source's",
)
def max_response_time(exchange: Exchange, state: RunState) -> None:
    """Every answer comes within the run's bound on response time (``--max-response-time``): a
    slow answer, though it came within the timeout."""
    limit = state.max_response_time
    answer = exchange.answer
    if limit is not None and answer.status is not None and answer.elapsed > limit:
        raise Violated(f"answered in {answer.elapsed:.3f} s, over the bound of {limit:g} s")


@check("target-survives", "robustness: no request stops the server")
def target_survives(exchange: Exchange, state: RunState) -> None:
    """No request stops the target: it still takes connections after answering it (judged by
    the run, from the next request, never from one exchange alone)."""
