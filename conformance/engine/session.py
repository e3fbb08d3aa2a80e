"""One connection to the target: cases sent, replies checked, failures recorded.

``Session`` is built whole by its constructor, for one method of a contract:
``exchange(case)`` then ``evaluate(exchange)`` gives the failures of one case (the pytest
plugin's unit), ``record(failures)`` keeps them in the report.

A target that answered before and then stops ends the run with one message
(``TargetStopped``), not a failure for every case left: one that refuses connections has died,
and the request sent just before is reported under ``target-survives`` (a crash is a finding);
one that lets ``Settings.max_timeouts`` requests in a row go unanswered hangs.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.engine.checks import (
    CHECKS,
    OPTIONAL_RULES,
    Exchange,
    Rule,
    RunState,
    Violated,
    application_error,
)
from conformance.engine.contract import MethodContract
from conformance.engine.creations import Created, created_id, creations, may_create
from conformance.engine.interrupts import CtrlC
from conformance.engine.limits import Pacer, RateLimited, limit_exceeded, wait_for
from conformance.engine.reproduce import Template, build, marks_for
from conformance.engine.results import (
    SHOWN_HEADERS,
    Failure,
    MethodTally,
    Report,
    RuleCount,
    defect_of,
)
from conformance.engine.settings import TOKEN_PLACEHOLDER, Settings
from conformance.engine.setup import SetupFailed, first_exchange, first_success
from conformance.engine.transport import Answer, Client, Target
from conformance.errors import PayloadError
from conformance.generation.cases import FAMILY_BASIS, Case
from conformance.validation.payloads import loads


class Stop(Exception):
    """Raised to end a run at its first failure (``Settings.stop_at_first``), or at
    ``Settings.max_failures``; its message, if any, is the report's note of why."""


class TargetStopped(Stop):
    """The target answered before and answers no more: the run stops, saying where."""


@dataclass
class Proof:
    """What the run's first answers proved, shared by the sessions of one run: the target is a
    JSON-RPC server (its first exchange), and it takes the token, ids and role (its first
    request that should succeed). A target that stops answering later is a finding, not a
    setup failure."""

    target: bool = False
    token: bool = False
    refused: SetupFailed | None = None
    #: requests in a row that got no answer within the timeout, and the first of them
    timeouts: int = 0
    first_unanswered: str = ""
    #: the last request answered, and its exchange (the one a dying target took last)
    last_answered: str = ""
    last: tuple[Session, Exchange] | None = None
    #: raised again before every request once the target stopped (hypothesis replays)
    stopped: TargetStopped | None = None


@dataclass(frozen=True)
class Sent:
    """One HTTP exchange as it went, for a traffic log (``Settings.on_sent``): ``shown`` is the
    body with the token as ``***`` where the runner put it (``None``: the body as sent holds
    no token the runner put there)."""

    started: float
    url: str
    headers: Mapping[str, str]
    body: bytes
    shown: bytes | None
    answer: Answer


@dataclass(frozen=True)
class Prepared:
    """A case's payload as the runner sends it, but with ``TOKEN_PLACEHOLDER`` for the token;
    ``tagged`` maps each index of the unique member that holds a tag character to its index
    in ``tag`` (reports show the body from it, ``curl`` draws a fresh tag there)."""

    payload: Any
    tag: str = ""
    tagged: Mapping[int, int] = field(default_factory=dict)
    unique_member: str | None = None


def _base36(number: int, width: int) -> str:
    digits = ""
    for _ in range(width):
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
    return digits


def dumps(payload: Any) -> bytes:
    """A payload as the runner sends it: UTF-8 JSON, never NaN."""
    return json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")


def spliced(body: bytes, splices: Sequence[tuple[str, bytes]]) -> bytes:
    """``body`` with each marker's JSON text replaced by its raw text (``Case.splices``)."""
    for marker, raw in splices:
        body = body.replace(dumps(marker), raw)
    return body


def with_token(payload: Any, token: Any, member: str | None) -> Any:
    """``payload`` with ``TOKEN_PLACEHOLDER`` at params ``member`` replaced by ``token`` (in
    each request of a batch)."""
    if member is None:
        return payload
    if isinstance(payload, list):
        return [with_token(item, token, member) for item in payload]
    if not isinstance(payload, dict) or not isinstance(payload.get("params"), dict):
        return payload
    params = payload["params"]
    if params.get(member) != TOKEN_PLACEHOLDER:
        return payload
    return {**payload, "params": {**params, member: token}}


def _tagged(value: str, unique: str, tag: str) -> dict[int, int]:
    """Where ``unique_value`` put ``tag``'s characters in ``unique`` (made from ``value``)."""
    if unique == value:
        return {}
    if unique == f"{tag}.{value}":
        return {index: index for index in range(len(tag))}
    positions = [index for index, char in enumerate(value) if char.isalnum()]
    return {position: index for index, position in enumerate(positions[: len(tag)])}


def unique_value(value: str, tag: str, is_valid: Callable[[Any], bool]) -> str:
    """``value`` with ``tag`` written over its first letters and digits (same length), else with
    ``tag`` as a label in front; ``value`` itself where neither keeps it valid.

    The last label is never written over: a top-level domain with digits in it can be no real
    one, and libraries refuse it."""
    before_last_label = value[: max(value.rfind("."), 0)]
    positions = [index for index, char in enumerate(before_last_label) if char.isalnum()]
    if len(positions) >= len(tag):
        chars = list(value)
        for index, char in zip(positions, tag, strict=False):
            chars[index] = char
        replaced = "".join(chars)
        if is_valid(replaced):
            return replaced
    prefixed = f"{tag}.{value}"
    return prefixed if is_valid(prefixed) else value


def shown_template(
    prepared: Prepared,
    token_member: str | None,
    splices: Sequence[tuple[str, bytes]] = (),
) -> Template:
    """The template of the body sent for ``prepared``: its JSON text with the token and the
    tag's characters as parts of their own (``conformance.engine.reproduce``), and the raw text
    of ``splices`` in place of their markers."""
    text = dumps(prepared.payload).decode("utf-8")
    base = marks_for(text, len(prepared.tag))
    marked = with_token(prepared.payload, chr(base), token_member)
    if prepared.tagged and prepared.unique_member is not None:
        params = marked["params"]
        chars = list(params[prepared.unique_member])
        for position, index in prepared.tagged.items():
            chars[position] = chr(base + 1 + index)
        marked = {**marked, "params": {**params, prepared.unique_member: "".join(chars)}}
    template = build(dumps(marked).decode("utf-8"), base, prepared.tag, len(prepared.tag))
    splices = [(dumps(marker).decode("utf-8"), raw) for marker, raw in splices]
    return template.spliced(splices) if splices else template


def _basis(rule: Rule, case: Case) -> str:
    """What a failure stands on: the case's expectation for ``expected-outcome`` (the verdict
    on the case itself), the rule's own source for every other check."""
    if rule.name == "expected-outcome":
        return case.expect.basis or FAMILY_BASIS.get(case.family, "")
    return rule.basis


class Session:
    """Sends the cases of one method over one connection, checks the replies, keeps the
    report."""

    def __init__(
        self,
        target: Target,
        settings: Settings,
        report: Report,
        method: MethodContract,
        *,
        state: RunState | None = None,
        ctrl_c: CtrlC | None = None,
        proof: Proof | None = None,
        qualified: bool = False,
    ) -> None:
        context = settings.tls_for(target.url)
        self.client = Client(target, settings.timeout, headers=settings.headers, context=context)
        self.settings = settings
        self.report = report
        self.method = method
        #: the rules judged on each exchange: the optional ones only where the run asks
        self.checks = {
            name: rule
            for name, rule in method.checks.items()
            if name not in OPTIONAL_RULES and settings.selection.rule(name)
        }
        self.pacer = Pacer(settings.rate)
        self.state = (
            state
            if state is not None
            else RunState(revision=settings.revision, role=settings.role, strict=settings.strict)
        )
        #: Ctrl-C as ``run`` records it: checked before each request, in case its first
        #: raise was swallowed (``conformance.engine.interrupts``)
        self.ctrl_c = ctrl_c if ctrl_c is not None else CtrlC()
        self.proof = proof if proof is not None else Proof()
        if settings.max_response_time is not None and settings.selection.rule("max-response-time"):
            self.checks["max-response-time"] = CHECKS["max-response-time"]
            self.state.max_response_time = settings.max_response_time
        #: test ids and failures carry the method's name (a contract of several methods)
        self.qualified = qualified
        self.seen_test_ids: set[str] = set()
        for name in self.checks:
            report.rules.setdefault(name, RuleCount())
        self.tally: MethodTally | None = None
        if qualified:
            self.tally = report.methods.setdefault(method.name, MethodTally())
        # base 36: 5 random characters (60 million runs) and a 4-character counter
        self.tag = _base36(secrets.randbelow(36**5), 5)
        self.counter = 0
        #: the tag of each ``Case.domain_key`` sent so far: its cases share one unique value
        self.domain_tags: dict[str, str] = {}
        #: the ``Case.domain_key`` of each case cut by ``Settings.max_creates``
        self.cut_keys: set[str] = set()
        #: the first request sent of each ``Case.domain_key``: what took the unique value, sent
        #: first by a reproduction of the cases after it
        self.domain_first: dict[str, Prepared] = {}

    def test_id(self, case: Case) -> str:
        """``case``'s test id as reports name it."""
        return f"{self.method.name}::{case.test_id}" if self.qualified else case.test_id

    def prepare(self, case: Case) -> Any:
        """The payload to send: the token in place of ``TOKEN_PLACEHOLDER``, the unique
        member made unique."""
        return with_token(
            self.prepared(case).payload, self.settings.token, self.method.token_member
        )

    def prepared(self, case: Case) -> Prepared:
        """``case``'s payload with the unique member made unique, the token a placeholder."""
        payload = case.payload
        member = self.method.unique_member
        is_valid = self.method.unique_valid
        if (
            member is None
            or is_valid is None
            or not case.unique_domain
            or not isinstance(payload, dict)
            or not isinstance(payload.get("params"), dict)
            or not isinstance(payload["params"].get(member), str)
        ):
            return Prepared(payload)
        params = payload["params"]
        tag = self.domain_tags.get(case.domain_key or "")
        if tag is None:
            self.counter += 1
            # a fixed width: two tags of one length written over the same places never collide
            tag = f"{self.tag}{_base36(self.counter % 36**4, 4)}"
            if case.domain_key is not None:
                self.domain_tags[case.domain_key] = tag
        value = params[member]
        unique = unique_value(value, tag, is_valid)
        tagged = _tagged(value, unique, tag)
        if case.domain_case == "upper":
            unique = unique.upper()
        return Prepared({**payload, "params": {**params, member: unique}}, tag, tagged, member)

    def exchange(self, case: Case) -> Exchange:
        """Send ``case`` and read the answer; the run's first answers judged for its own
        mistakes (``conformance.engine.setup``), raised as ``SetupFailed``. The case is judged
        by its strict expectation under ``--strict`` (``Case.judged``)."""
        self.ctrl_c.check()
        if self.proof.stopped is not None:
            raise self.proof.stopped
        decided = case.strict is not None and not self.settings.strict
        default_expect = case.expect if case.strict is not None and self.settings.strict else None
        case = case.judged(self.settings.strict)
        # (the robustness family judges robustness by design: it is not listed case by case)
        if decided or (case.expect.outcome == "robust" and case.family != "robustness"):
            # what was sent and left unjudged (in part: an empty token must be refused, with
            # either code), by the case, for the report's list
            why = case.expect.basis.removeprefix("not judged: ")
            shown = self.test_id(case)
            if case.name != case.label:
                shown += f" (case {case.name})"
            self.report.not_judged.setdefault(shown, why)
        prepared = self.prepared(case) if case.body is None else None
        if prepared is not None and case.domain_key is not None:
            self.domain_first.setdefault(case.domain_key, prepared)
        payload = (
            with_token(prepared.payload, self.settings.token, self.method.token_member)
            if prepared is not None
            else None
        )
        body = case.body if case.body is not None else spliced(dumps(payload), case.splices)
        masked_body = None
        if self.settings.on_sent is not None and prepared is not None:
            masked_body = spliced(dumps(prepared.payload), case.splices)  # the token as ***
        try:
            exchange = self._sent(case, payload, body, prepared, masked_body)
            exchange.default_expect = default_expect
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the request may be sent, its reply unread
            self._unconfirmed(case, prepared, body)
            raise
        proof = self.proof
        if proof.refused is not None:
            raise proof.refused  # every exchange after it too: hypothesis replays its examples
        found: SetupFailed | None = None
        if not proof.target:
            proof.target = True
            found = first_exchange(exchange, self.report.target, self.settings.options)
        if found is None and not proof.token and case.expect.outcome == "success":
            proof.token = True
            found = first_success(exchange, self.settings, self.state.hints)
        if found is not None:
            proof.refused = found
            raise found
        self._watch_for_hang(exchange)
        return exchange

    def _sent(
        self,
        case: Case,
        payload: Any,
        body: bytes,
        prepared: Prepared | None,
        masked_body: bytes | None,
    ) -> Exchange:
        """Send ``body`` and read its answer; what it created kept (``_created``)."""
        answer = self.post(body, case.headers, masked_body)
        exchange = Exchange(case, payload, body, answer, source=prepared)
        if answer.connect_failed and self.proof.target:
            self._died(case, answer, exchange)
        self._count(case)
        if answer.truncated:
            exchange.parse_error = (
                f"the body is longer than {len(answer.body)} bytes; the runner read no further"
            )
        elif answer.status is not None and answer.body:
            try:
                exchange.reply = loads(answer.body)
            except PayloadError as error:
                exchange.parse_error = str(error)
        elif answer.status is not None:
            exchange.parse_error = "the body is empty"
        if self.method.name in self.settings.creates:
            self._created(exchange, prepared)
        return exchange

    def _created(self, exchange: Exchange, prepared: Prepared | None) -> None:
        """Keep what ``exchange`` created (``conformance.engine.creations``) and tell
        ``Settings.on_create``; a ``Stop`` it raises ends the run. A raw body (no payload) that
        got a success is a creation too, its request the body's text."""
        reply = exchange.reply
        if prepared is not None:
            found = creations(
                prepared.payload, reply, exchange.answer.status, self.settings.creates
            )
        elif isinstance(reply, dict) and "result" in reply:
            request = exchange.body.decode("utf-8", "backslashreplace")
            found = [(self.method.name, created_id(reply["result"]), request)]
        else:
            return
        for method, made, request in found:
            created = Created(
                method, made, request, self.test_id(exchange.case), self.report.cases_sent
            )
            self.report.created.append(created)
            if self.settings.on_create is not None:
                try:
                    self.settings.on_create(created)
                except Stop as stop:
                    self.proof.stopped = TargetStopped(str(stop))  # raised at every request
                    raise self.proof.stopped from None

    def _unconfirmed(self, case: Case, prepared: Prepared | None, body: bytes) -> None:
        """Keep, as created unconfirmed, a request the run was stopped on that may create:
        the target may have made it and the run will never read its id."""
        if self.method.name not in self.settings.creates or not may_create(case):
            return
        request = (
            prepared.payload if prepared is not None else body.decode("utf-8", "backslashreplace")
        )
        test_id = self.test_id(case)
        number = self.report.cases_sent + 1
        unconfirmed = Created(self.method.name, None, request, test_id, number, confirmed=False)
        self.report.created.append(unconfirmed)

    def over_budget(self, case: Case) -> bool:
        """Whether ``case`` may create and ``Settings.max_creates`` creations are made (or it
        shares its unique value with a case cut before): then it is not sent."""
        limit = self.settings.max_creates
        if limit is None or self.method.name not in self.settings.creates:
            return False
        if case.domain_key is not None and case.domain_key in self.cut_keys:
            return True
        return len(self.report.created) >= limit and may_create(case)

    def cut(self, case: Case) -> bool:
        """``over_budget``, the case counted as not sent (by family) where it is."""
        if not self.over_budget(case):
            return False
        if case.domain_key is not None:
            self.cut_keys.add(case.domain_key)
        not_sent = self.report.not_sent
        not_sent[case.family] = not_sent.get(case.family, 0) + 1
        return True

    def _where(self, case: Case, number: int) -> str:
        return f"case {number} ({self.test_id(case)})"

    def _died(self, case: Case, answer: Answer, exchange: Exchange) -> None:
        """The target took connections and answered, and now refuses them: stop, and report
        the last request it was sent as a finding (it may have killed the target): this one,
        where it went out on an open connection and got no answer, else the one before."""
        proof = self.proof
        if answer.sent:
            self._count(case)
            number = self.report.cases_sent
            suspect: tuple[Session, Exchange] | None = (self, exchange)
            which = "that request, which got no answer,"
        else:
            number = self.report.cases_sent + 1
            suspect = proof.last
            which = "the request sent just before, {},"
        said = f"the target stopped answering at {self._where(case, number)}: {answer.error}"
        proof.stopped = TargetStopped(f"{said}; the run stops here")
        if suspect is not None:
            session, sent = suspect
            where = session._where(sent.case, number if answer.sent else number - 1)
            failure = session.failure(
                CHECKS["target-survives"],
                sent,
                f"the target refused every connection after this request ({answer.error})",
            )
            session.report.rules.setdefault("target-survives", RuleCount()).cases += 1
            proof.stopped = TargetStopped(
                f"{said}; {which.format(where)} is reported under target-survives; the run "
                "stops here"
            )
            with contextlib.suppress(Stop):  # --max-failures reached: the stop says more
                session.record([failure])
        raise proof.stopped

    def _watch_for_hang(self, exchange: Exchange) -> None:
        """Count the requests in a row the target left unanswered; at
        ``Settings.max_timeouts`` of them, record this one's failures and stop."""
        proof = self.proof
        where = self._where(exchange.case, self.report.cases_sent)
        if not exchange.answer.timed_out:
            proof.timeouts, proof.last_answered = 0, where
            proof.last = (self, exchange)
            return
        proof.timeouts += 1
        if proof.timeouts == 1:
            proof.first_unanswered = where
        if proof.timeouts < self.settings.max_timeouts or not proof.last_answered:
            return
        proof.stopped = TargetStopped(
            f"the target stopped answering: {proof.timeouts} requests in a row got no answer "
            f"within {self.settings.timeout:g} s ({self.settings.option('timeout')}); the last "
            f"request answered was {proof.last_answered}, the first not answered "
            f"{proof.first_unanswered}; the run stops here"
        )
        with contextlib.suppress(Stop):
            self.record(self.evaluate(exchange))
        raise proof.stopped

    def _count(self, case: Case) -> None:
        report = self.report
        report.cases_sent += 1
        test_id = self.test_id(case)
        if test_id not in self.seen_test_ids:
            self.seen_test_ids.add(test_id)
            if test_id not in report.test_ids:
                report.test_ids.append(test_id)
        report.families[case.family] = report.families.get(case.family, 0) + 1
        if self.tally is not None:
            self.tally.cases_sent += 1
            self.tally.families[case.family] = self.tally.families.get(case.family, 0) + 1
        if self.settings.progress is not None:
            self.settings.progress(report.cases_sent, case.family)

    def post(self, body: bytes, headers: Mapping[str, str], shown: bytes | None = None) -> Answer:
        """Send ``body`` at the run's pace; a -32029 limit_exceeded reply is waited on and the
        body sent again, within ``Settings.max_limit_wait`` in total (else ``RateLimited``).
        Each HTTP exchange goes to ``Settings.on_sent`` where it is set (``shown``: the body
        with the token masked)."""
        attempt = 0
        on_sent = self.settings.on_sent
        while True:
            self.pacer.wait()
            started = time.time() if on_sent is not None else 0.0
            answer = self.client.post(body, headers)
            if on_sent is not None:
                sent_headers = self.client.request_headers(headers)
                on_sent(Sent(started, self.client.target.url, sent_headers, body, shown, answer))
            error = limit_exceeded(answer)
            if error is None:
                return answer
            pause = wait_for(answer, error, attempt)
            left = self.settings.max_limit_wait - self.report.limit_waited
            if pause > left:
                raise RateLimited(
                    f"the target answered -32029 limit_exceeded again after "
                    f"{self.report.limit_waited:.1f} s of waiting in this run (the bound is "
                    f"{self.settings.max_limit_wait:g} s); lower {self.settings.option('rate')} "
                    "or raise the target's limit"
                )
            time.sleep(pause)
            attempt += 1
            self.report.limit_waits += 1
            self.report.limit_waited += pause

    def evaluate(self, exchange: Exchange) -> list[Failure]:
        """The failures of one exchange: each check that raised ``Violated``."""
        self._count_application_error(exchange)
        failures: list[Failure] = []
        for rule in self.checks.values():
            self.report.rules.setdefault(rule.name, RuleCount()).cases += 1
            try:
                rule.function(exchange, self.state)
            except Violated as violated:
                failures.append(
                    self.failure(rule, exchange, str(violated), violated.hint, violated.basis)
                )
        for where, why in self.state.unjudged_replies.items():
            self.report.not_judged.setdefault(where, why)
        return self.selected(failures)

    def selected(self, failures: Sequence[Failure]) -> list[Failure]:
        """``failures`` the run's selection keeps (by rule, and for the valid family by the
        member the reply named): the others are neither recorded nor shrunk."""
        selection = self.settings.selection
        if not selection:
            return list(failures)
        return [
            failure
            for failure in failures
            if selection.failure(failure.rule, failure.family, defect_of(failure).member)
        ]

    def chosen(self, case: Case) -> bool:
        """Whether the run's selection sends ``case``; one left out is counted by family."""
        if self.settings.selection.case(case.family, case.label, self.test_id(case)):
            return True
        deselected = self.report.deselected
        deselected[case.family] = deselected.get(case.family, 0) + 1
        return False

    def _count_application_error(self, exchange: Exchange) -> None:
        expect = exchange.case.expect
        reply = exchange.reply
        if expect.outcome != "success_or_application_error" or not isinstance(reply, dict):
            return
        error = reply.get("error")
        code = error.get("code") if isinstance(error, dict) else None
        if application_error(code, expect.codes):
            assert isinstance(code, int)
            counts = self.report.application_errors
            counts[code] = counts.get(code, 0) + 1

    def failure(
        self, rule: Rule, exchange: Exchange, message: str, hint: str = "", basis: str = ""
    ) -> Failure:
        """The record of ``rule`` broken on ``exchange``; ``basis`` where the failure stands on
        something other than the rule's own source (``Violated.basis``)."""
        answer: Answer = exchange.answer
        case = exchange.case
        source = exchange.source
        return Failure(
            rule=rule.name,
            doc=rule.doc,
            family=case.family,
            label=case.label,
            case=case.name,
            message=message,
            hint=hint,
            # a spliced body is no JSON of its payload: reports and saved failures take the
            # body (the token out of it by the template), a replay makes it again
            request=exchange.payload if not case.splices else None,
            body=exchange.body,
            status=answer.status,
            headers={k: v for k, v in answer.headers.items() if k in SHOWN_HEADERS},
            reply_body=answer.body,
            seed=self.settings.seed,
            target=self.report.target,
            shown=self._template(case, source),
            source=case,
            method=self.method.name if self.qualified else None,
            basis=basis or _basis(rule, case),
            before=self._before(case, source),
        )

    def _template(self, case: Case, source: object) -> Template | None:
        if not isinstance(source, Prepared):
            return None
        template = shown_template(source, self.method.token_member, case.splices)
        return template.upper_tags() if case.domain_case == "upper" else template

    def _before(self, case: Case, source: object) -> tuple[Template, ...]:
        """The request that took ``case``'s unique value before it, where another did."""
        first = self.domain_first.get(case.domain_key) if case.domain_key else None
        if first is None or first is source:
            return ()
        return (shown_template(first, self.method.token_member),)

    def record(self, failures: Sequence[Failure]) -> None:
        """Keep ``failures`` in the report; ``Stop`` at the first where the settings say so."""
        failures = self.selected(failures)
        for failure in failures:
            self.report.failures.append(failure)
            self.report.rules.setdefault(failure.rule, RuleCount()).failures += 1
            if self.tally is not None:
                self.tally.failures += 1
            if self.settings.on_failure is not None:
                self.settings.on_failure(failure)
        if failures and self.report.first_failure_at is None:
            self.report.first_failure_at = self.report.cases_sent
        if failures and self.settings.stop_at_first:
            raise Stop
        limit = self.settings.max_failures
        if failures and limit is not None and len(self.report.failures) >= limit:
            raise Stop(
                f"stopped after {len(self.report.failures)} failures "
                f"({self.settings.option('max_failures')} {limit})"
            )

    def close(self) -> None:
        self.client.close()


__all__ = [
    "Prepared",
    "Proof",
    "Sent",
    "Session",
    "Stop",
    "TargetStopped",
    "dumps",
    "shown_template",
    "spliced",
    "unique_value",
    "with_token",
]
