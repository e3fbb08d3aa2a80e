"""What the proxy says: each violation as it happens (text, or one JSON object a line), and at
the end the session's summary (text), a JSON report, JUnit XML and GitHub's annotations and
job summary.

Every request and reply shown is masked first, by structure (``conformance.validation.masking``):
the values of secret-named members (``access_token``, a document's ``x-secret`` param), strings
that are or hold such a value or the ``--token``, and the values of the request's secret
headers (``Authorization``, ``Cookie``, key- or token-named ones:
``conformance.reporting.redaction.header_secrets``) wherever a body echoes them. Headers
themselves are never shown.
"""

from __future__ import annotations

import json
import os
import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final
from xml.etree import ElementTree

from conformance.engine.checks import RunState
from conformance.errors import PayloadError
from conformance.proxy.contracts import TrafficContract
from conformance.proxy.judging import Finding, Side, judge
from conformance.proxy.server import Observed
from conformance.reporting.formats import xml_safe
from conformance.reporting.redaction import body_text, header_secrets
from conformance.validation.masking import mask, mask_string, secrets_in
from conformance.validation.payloads import loads
from conformance.validation.reporters import _escape as escape_command

#: Violations kept whole for the reports at the end (all are counted; past this, the first
#: ones are kept): a proxy may run for days.
KEPT: Final = 1000

#: Characters of a body shown in a text line.
SHOWN: Final = 600

#: Who is said to have broken a rule, in the text output.
WHO: Final = {"client": "CLIENT", "server": "SERVER"}


@dataclass(frozen=True)
class Violation:
    """A finding with the exchange it was made in, masked for showing."""

    exchange: int
    finding: Finding
    message: str
    request: str
    status: int
    reply: str

    def as_dict(self) -> dict[str, Any]:
        found = self.finding
        return {
            "exchange": self.exchange,
            "side": found.side,
            "rule": found.rule,
            "doc": found.doc,
            "basis": found.basis,
            "message": self.message,
            "method": found.method,
            "id": found.request_id,
            "field": found.field,
            "keyword": found.keyword,
            "request": self.request,
            "reply": {"status": self.status, "body": self.reply},
        }

    def text(self) -> str:
        found = self.finding
        where = f" at {found.field}" if found.field else ""
        keyword = f" ({found.keyword})" if found.keyword else ""
        method = f"{found.method}, " if found.method else ""
        return "\n".join(
            [
                f"exchange {self.exchange}: {WHO[found.side]} broke {found.rule}{where}"
                f"{keyword}: {self.message}",
                f"  {method}id {found.request_id}; rule: {found.doc}",
                f"  source:  {found.basis}",
                f"  request: {_cut(self.request)}",
                f"  reply:   HTTP {self.status} {_cut(self.reply) or '(empty body)'}",
            ]
        )


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN else text[:SHOWN] + f"… ({len(text)} characters)"


@dataclass
class Tally:
    """What a session saw: exchanges, the rules judged per side, the violations."""

    exchanges: int = 0
    judged: int = 0
    #: (side, rule): [times judged, times broken]
    rules: dict[tuple[Side, str], list[int]] = field(default_factory=dict)
    methods: dict[str, int] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    #: violations past ``KEPT``, counted only
    dropped: int = 0

    @property
    def count(self) -> int:
        return len(self.violations) + self.dropped

    def by_side(self, side: Side) -> int:
        return sum(broken for (s, _), (_, broken) in self.rules.items() if s == side)


class Recorder:
    """Judges each exchange the proxy forwards, prints each violation as it is found and keeps
    the tally the reports are written from. Safe to call from every connection's thread."""

    def __init__(
        self,
        contract: TrafficContract,
        state: RunState,
        stream: IO[str],
        *,
        output: str = "text",
        token: str | None = None,
        show_secrets: bool = False,
    ) -> None:
        self.contract = contract
        self.state = state
        self.stream = stream
        self.output = output
        self.token = token
        self.show_secrets = show_secrets
        self.tally = Tally()
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[tuple[int, Observed] | None] = queue.SimpleQueue()
        self._worker = threading.Thread(target=self._judge_queued, name="proxy-judge", daemon=True)
        self._worker.start()

    def observe(self, observed: Observed) -> None:
        """Number one exchange and queue it for judging: the connection's thread goes back to
        its client at once (the judging is off every reply's path)."""
        with self._lock:
            self.tally.exchanges += 1
            number = self.tally.exchanges
        self._queue.put((number, observed))

    def close(self) -> None:
        """Judge every exchange queued, then stop judging (the reports are written after)."""
        self._queue.put(None)
        self._worker.join()

    def _judge_queued(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                self.judge(*item)
            except Exception as error:  # a judge's bug must not stop the judging of the rest
                self.stream.write(
                    f"conformance proxy: exchange {item[0]} could not be judged: "
                    f"{type(error).__name__}: {error}\n"
                )

    def judge(self, number: int, observed: Observed) -> None:
        """Judge one exchange (a POST: every other method is forwarded, counted, not judged)."""
        if observed.method != "POST":
            return
        headers = {name.lower(): value for name, value in observed.reply_headers}
        judged = judge(
            self.contract,
            self.state,
            observed.request_body,
            observed.status,
            headers,
            observed.reply_body,
        )
        shown = self._shown(observed, judged.findings) if judged.findings else None
        with self._lock:
            tally = self.tally
            tally.judged += 1
            for method in judged.methods:
                tally.methods[method] = tally.methods.get(method, 0) + 1
            for key, times in judged.rules.items():
                tally.rules.setdefault(key, [0, 0])[0] += times
            for finding in judged.findings:
                tally.rules.setdefault((finding.side, finding.rule), [0, 0])[1] += 1
                assert shown is not None
                request, reply, secrets = shown
                message = (
                    finding.message if secrets is None else mask_string(finding.message, secrets)
                )
                violation = Violation(number, finding, message, request, observed.status, reply)
                if len(tally.violations) < KEPT:
                    tally.violations.append(violation)
                else:
                    tally.dropped += 1
                self._print(violation)

    def _print(self, violation: Violation) -> None:
        if self.output == "jsonl":
            line = json.dumps(violation.as_dict(), ensure_ascii=False)
        else:
            line = violation.text()
        self.stream.write(line + "\n")
        self.stream.flush()

    def _shown(
        self, observed: Observed, findings: Iterable[Finding]
    ) -> tuple[str, str, frozenset[str] | None]:
        """The request and reply as shown (masked unless ``show_secrets``), and the secrets."""
        request = _parsed(observed.request_body)
        reply = _parsed(observed.reply_body)
        if self.show_secrets:
            return (
                _text(request, observed.request_body, None),
                _text(reply, observed.reply_body, None),
                None,
            )
        secrets = set(header_secrets(observed.request_headers))
        if self.token:
            secrets.add(self.token)
        if request is not _NOTHING:
            secrets |= secrets_in(request)
            for one in request if isinstance(request, list) else [request]:
                if isinstance(one, dict):
                    secrets |= self.contract.secrets(one)
        frozen = frozenset(secrets)
        return (
            _text(request, observed.request_body, frozen),
            _text(reply, observed.reply_body, frozen),
            frozen,
        )


_NOTHING: Final = object()


def _parsed(body: bytes) -> Any:
    try:
        return loads(body)
    except PayloadError:
        return _NOTHING


def _text(value: Any, body: bytes, secrets: frozenset[str] | None) -> str:
    if value is _NOTHING:
        text = body_text(body)
        return text if secrets is None else mask_string(text, secrets)
    shown = value if secrets is None else mask(value, secrets)
    return json.dumps(shown, ensure_ascii=False)


# --- at the end ------------------------------------------------------------------------------


def verdict(tally: Tally) -> str:
    """The session's verdict in one line."""
    if not tally.count:
        return f"{tally.judged} exchanges judged: client and server kept the contract"
    parts = []
    sides: tuple[Side, ...] = ("client", "server")
    for side in sides:
        broken = sorted({rule for (s, rule), (_, n) in tally.rules.items() if s == side and n})
        count = tally.by_side(side)
        if count:
            parts.append(f"{count} by the {side} ({', '.join(broken)})")
    return f"{tally.judged} exchanges judged: {tally.count} violations: {'; '.join(parts)}"


def to_text(tally: Tally, contract: str, upstream: str) -> str:
    """The summary printed when the proxy stops: rules per side, then the verdict."""
    lines = [f"conformance proxy: {contract} between the clients and {upstream}"]
    lines.append(
        f"{tally.exchanges} exchanges forwarded, {tally.judged} judged (JSON-RPC POSTs); "
        + (", ".join(f"{m} {n}" for m, n in tally.methods.items()) or "no method called")
    )
    width = max((len(rule) for _, rule in tally.rules), default=4)
    lines.append(f"{'side':<6}  {'rule':<{width}}  {'judged':>6}  {'broken':>6}")
    for (side, rule), (judged, broken) in sorted(tally.rules.items()):
        lines.append(f"{side:<6}  {rule:<{width}}  {judged:>6}  {broken:>6}")
    if tally.dropped:
        lines.append(f"({tally.dropped} violations past the first {KEPT} counted, not kept)")
    lines.append(verdict(tally))
    return "\n".join(lines) + "\n"


def to_json(tally: Tally, contract: str, upstream: str) -> str:
    """The whole session as one JSON document."""
    document = {
        "contract": contract,
        "upstream": upstream,
        "conforms": not tally.count,
        "exchanges": tally.exchanges,
        "judged": tally.judged,
        "methods": tally.methods,
        "violations_by_side": {
            "client": tally.by_side("client"),
            "server": tally.by_side("server"),
        },
        "rules": [
            {"side": side, "rule": rule, "judged": judged, "broken": broken}
            for (side, rule), (judged, broken) in sorted(tally.rules.items())
        ],
        "violations": [violation.as_dict() for violation in tally.violations],
        "violations_not_kept": tally.dropped,
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def to_junit(tally: Tally, contract: str) -> str:
    """JUnit XML: a test case per rule judged on each side, failed by its violations."""
    by_rule: dict[tuple[str, str], list[Violation]] = {}
    for violation in tally.violations:
        by_rule.setdefault((violation.finding.side, violation.finding.rule), []).append(violation)
    failed = sum(1 for (_, broken) in tally.rules.values() if broken)
    suite = ElementTree.Element(
        "testsuite",
        name=f"{contract} traffic",
        tests=str(len(tally.rules)),
        failures=str(failed),
        errors="0",
    )
    for (side, rule), (_, broken) in sorted(tally.rules.items()):
        case = ElementTree.SubElement(suite, "testcase", classname=f"proxy.{side}", name=rule)
        if not broken:
            continue
        kept = by_rule.get((side, rule), [])
        first = kept[0].message if kept else ""
        element = ElementTree.SubElement(
            case, "failure", message=xml_safe(f"{broken} violations: {first}")[:1000]
        )
        element.text = xml_safe("\n\n".join(v.text() for v in kept[:50]))
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)


def to_github(tally: Tally, contract: str) -> str:
    """``::error`` workflow commands, one per side and rule broken (the first violation)."""
    first: dict[tuple[str, str], Violation] = {}
    for violation in tally.violations:
        first.setdefault((violation.finding.side, violation.finding.rule), violation)
    lines = []
    for (side, rule), violation in first.items():
        times = tally.rules[violation.finding.side, rule][1]
        title = escape_command(f"{contract}: the {side} broke {rule}", property_value=True)
        message = f"exchange {violation.exchange}: {violation.message}"
        if times > 1:
            message += f" (and {times - 1} more)"
        lines.append(f"::error title={title}::{escape_command(message[:900])}")
    return "\n".join(lines) + ("\n" if lines else "")


def github_summary(tally: Tally, contract: str) -> None:
    """A Markdown table of the rules broken, appended to ``$GITHUB_STEP_SUMMARY`` if set."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    lines = [f"### conformance proxy: {contract}", "", verdict(tally), ""]
    broken = [(key, counts) for key, counts in sorted(tally.rules.items()) if counts[1]]
    if broken:
        lines += ["| side | rule | judged | broken |", "|---|---|---:|---:|"]
        lines += [f"| {s} | {r} | {j} | {b} |" for (s, r), (j, b) in broken]
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


__all__ = [
    "KEPT",
    "Recorder",
    "Tally",
    "Violation",
    "github_summary",
    "to_github",
    "to_json",
    "to_junit",
    "to_text",
    "verdict",
]
