"""Judged traffic kept for the reports: each violation with its exchange, masked for showing
(``Violation``), and a session's counts (``Tally``: exchanges, rules judged and broken per side,
methods, the violations); ``Judge`` judges one exchange (``conformance.traffic.judging``) and adds
it to its tally. Two tallies merge (``Tally.merge``): the Dask recipe judges partitions apart and
merges their tallies into one, the same as one process judging every exchange in turn.

Every request and reply shown is masked first, by structure (``conformance.validation.masking``):
the values of secret-named members (``access_token``, a document's ``x-secret`` param), strings
that are or hold such a value or the token, and the values of the request's secret headers
(``Authorization``, ``Cookie``, key- or token-named ones:
``conformance.reporting.redaction.header_secrets``) wherever a body echoes them. Headers
themselves are never shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from conformance.engine.checks import RunState
from conformance.errors import PayloadError
from conformance.reporting.redaction import body_text, header_secrets
from conformance.traffic.contracts import TrafficContract
from conformance.traffic.judging import Finding, Side, judge
from conformance.validation.masking import mask, mask_string, secrets_in
from conformance.validation.payloads import loads

#: Violations kept whole for the reports at the end (all are counted; past this, the first
#: ones are kept): a proxy may run for days, a traffic log hold millions of exchanges.
KEPT: Final = 1000

#: Characters of a body shown in a text line.
SHOWN: Final = 600

#: Who is said to have broken a rule, in the text output.
WHO: Final = {"client": "CLIENT", "server": "SERVER"}

#: How a violation's exchange is placed: the proxy's running number, a HAR file's entry (its
#: index in ``log.entries``), a JSON Lines file's line.
Unit = Literal["exchange", "entry", "line"]


@dataclass(frozen=True)
class Violation:
    """A finding with the exchange it was made in, masked for showing."""

    exchange: int
    finding: Finding
    message: str
    request: str
    status: int
    reply: str
    #: the traffic file the exchange was read from (``""``: seen live by the proxy)
    source: str = ""
    unit: Unit = "exchange"

    @property
    def where(self) -> str:
        """Where the exchange is: ``exchange 3``, ``traffic.har log.entries[2]``,
        ``gateway.jsonl line 7``."""
        if self.unit == "entry":
            return f"{self.source} log.entries[{self.exchange}]"
        if self.unit == "line":
            return f"{self.source} line {self.exchange}"
        return f"exchange {self.exchange}"

    def as_dict(self) -> dict[str, Any]:
        found = self.finding
        document: dict[str, Any] = {"exchange": self.exchange}
        if self.source:
            document |= {"source": self.source, "where": self.where}
        return document | {
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
        at = f" at {found.field}" if found.field else ""
        keyword = f" ({found.keyword})" if found.keyword else ""
        method = f"{found.method}, " if found.method else ""
        return "\n".join(
            [
                f"{self.where}: {WHO[found.side]} broke {found.rule}{at}{keyword}: {self.message}",
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
    #: exchanges seen and not judged, by why (``not a POST``, ``no answer``, ...)
    not_judged: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.violations) + self.dropped

    def by_side(self, side: Side) -> int:
        return sum(broken for (s, _), (_, broken) in self.rules.items() if s == side)

    def skip(self, why: str) -> None:
        """Count an exchange seen and not judged."""
        self.not_judged[why] = self.not_judged.get(why, 0) + 1

    def keep(self, violation: Violation) -> None:
        if len(self.violations) < KEPT:
            self.violations.append(violation)
        else:
            self.dropped += 1

    def merge(self, other: Tally) -> None:
        """Add ``other``'s exchanges after this tally's own (its violations kept after these,
        up to ``KEPT``): merging the tallies of consecutive parts gives the whole's."""
        self.exchanges += other.exchanges
        self.judged += other.judged
        for key, (judged, broken) in other.rules.items():
            counts = self.rules.setdefault(key, [0, 0])
            counts[0] += judged
            counts[1] += broken
        for method, times in other.methods.items():
            self.methods[method] = self.methods.get(method, 0) + times
        for why, times in other.not_judged.items():
            self.not_judged[why] = self.not_judged.get(why, 0) + times
        room = max(KEPT - len(self.violations), 0)
        self.violations += other.violations[:room]
        self.dropped += other.dropped + max(len(other.violations) - room, 0)


class Judge:
    """Judges exchanges by one contract and adds each to ``tally``, masking what it shows."""

    def __init__(
        self,
        contract: TrafficContract,
        state: RunState,
        *,
        token: str | None = None,
        show_secrets: bool = False,
    ) -> None:
        self.contract = contract
        self.state = state
        self.token = token
        self.show_secrets = show_secrets
        self.tally = Tally()

    def judge(
        self,
        number: int,
        request_headers: Sequence[tuple[str, str]],
        request_body: bytes,
        status: int,
        reply_headers: Sequence[tuple[str, str]],
        reply_body: bytes,
        *,
        source: str = "",
        unit: Unit = "exchange",
    ) -> list[Violation]:
        """Judge one POST's exchange; add it to the tally; its violations (also kept)."""
        headers = {name.lower(): value for name, value in reply_headers}
        judged = judge(self.contract, self.state, request_body, status, headers, reply_body)
        tally = self.tally
        tally.judged += 1
        for method in judged.methods:
            tally.methods[method] = tally.methods.get(method, 0) + 1
        for key, times in judged.rules.items():
            tally.rules.setdefault(key, [0, 0])[0] += times
        if not judged.findings:
            return []
        request, reply, secrets = self._shown(request_headers, request_body, reply_body)
        found = []
        for finding in judged.findings:
            tally.rules.setdefault((finding.side, finding.rule), [0, 0])[1] += 1
            message = finding.message if secrets is None else mask_string(finding.message, secrets)
            violation = Violation(
                number, finding, _printable(message), request, status, reply,
                source=source, unit=unit,
            )  # fmt: skip
            tally.keep(violation)
            found.append(violation)
        return found

    def _shown(
        self, request_headers: Iterable[tuple[str, str]], request_body: bytes, reply_body: bytes
    ) -> tuple[str, str, frozenset[str] | None]:
        """The request and reply as shown (masked unless ``show_secrets``), and the secrets."""
        request = _parsed(request_body)
        reply = _parsed(reply_body)
        if self.show_secrets:
            return _text(request, request_body, None), _text(reply, reply_body, None), None
        secrets = set(header_secrets(request_headers))
        if self.token:
            secrets.add(self.token)
        if request is not _NOTHING:
            secrets |= secrets_in(request)
            for one in request if isinstance(request, list) else [request]:
                if isinstance(one, dict):
                    secrets |= self.contract.secrets(one)
        frozen = frozenset(secrets)
        return _text(request, request_body, frozen), _text(reply, reply_body, frozen), frozen


_NOTHING: Final = object()


def _printable(text: str) -> str:
    """``text`` with each lone surrogate (a JSON string may escape one) written as its escape:
    such text cannot be written as UTF-8, to a terminal or a report."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


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
    return _printable(json.dumps(shown, ensure_ascii=False))


def placed(violations: Iterable[Violation], offsets: Mapping[str, int]) -> list[Violation]:
    """``violations`` of a JSON Lines part with their line numbers moved by the lines of the
    parts of the same file before it (``offsets``, by file)."""
    return [
        replace(v, exchange=v.exchange + offsets.get(v.source, 0)) if v.unit == "line" else v
        for v in violations
    ]


__all__ = ["KEPT", "Judge", "Tally", "Violation", "placed"]
