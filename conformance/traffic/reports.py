"""A traffic session's reports, the same whoever judged it (the proxy, ``validate --traffic``,
the Dask recipe): each violation as a text block or one JSON line as it is found; at the end the
summary (text), a JSON report, JUnit XML and GitHub's annotations and job summary. ``Origin``
says where the traffic came from, in the words each report names it with.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from xml.etree import ElementTree

from conformance.reporting.formats import xml_safe
from conformance.reporting.run_info import profile_text
from conformance.traffic.judging import Side
from conformance.traffic.tally import KEPT, Tally, Violation
from conformance.validation.reporters import _escape as escape_command


@dataclass(frozen=True)
class Origin:
    """Where judged traffic came from, as the reports say it."""

    #: the command that judged it: ``conformance proxy``, ``conformance validate --traffic``
    tool: str
    #: the contract's name
    contract: str
    #: the rest of the first line: ``between the clients and URL``, ``in traffic.har``
    where: str
    #: what happened to the exchanges before judging: ``forwarded``, ``read``
    seen: str
    #: the JUnit test cases' class prefix (``proxy``: ``proxy.client``)
    suite: str
    #: members the JSON report adds (``{"upstream": URL}``, ``{"files": [...]}``)
    context: dict[str, Any] = field(default_factory=dict)
    #: what judged an OpenRPC document (``document``, ``jsonrpc``); ``None``: create.sites
    profile: str | None = None

    @property
    def judged_by(self) -> str:
        """The contract as the reports name it: ``create.sites``, or ``DOC, profile P (...)``
        (as a fuzz run's reports name a document's profile)."""
        if self.profile is None:
            return self.contract
        return f"{self.contract}, {profile_text(self.profile)}"


def violation_line(violation: Violation, output: str) -> str:
    """One violation as printed when it is found: a text block, or a JSON object (``jsonl``)."""
    if output == "jsonl":
        return json.dumps(violation.as_dict(), ensure_ascii=False)
    return violation.text()


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


def summary_line(tally: Tally, origin: Origin) -> dict[str, Any]:
    """The last JSON line of ``--output jsonl``: the verdict, and the profile judged by."""
    return {"summary": verdict(tally), "conforms": not tally.count, "profile": origin.profile}


def to_text(tally: Tally, origin: Origin) -> str:
    """The summary printed at the end: rules per side, then the verdict."""
    comma = "," if origin.profile is not None else ""
    lines = [f"{origin.tool}: {origin.judged_by}{comma} {origin.where}"]
    lines.append(
        f"{tally.exchanges} exchanges {origin.seen}, {tally.judged} judged (JSON-RPC POSTs); "
        + (", ".join(f"{m} {n}" for m, n in tally.methods.items()) or "no method called")
    )
    if tally.not_judged:
        lines.append(
            "not judged: " + ", ".join(f"{n} {why}" for why, n in sorted(tally.not_judged.items()))
        )
    width = max((len(rule) for _, rule in tally.rules), default=4)
    lines.append(f"{'side':<6}  {'rule':<{width}}  {'judged':>6}  {'broken':>6}")
    for (side, rule), (judged, broken) in sorted(tally.rules.items()):
        lines.append(f"{side:<6}  {rule:<{width}}  {judged:>6}  {broken:>6}")
    if tally.dropped:
        lines.append(f"({tally.dropped} violations past the first {KEPT} counted, not kept)")
    lines.append(verdict(tally))
    return "\n".join(lines) + "\n"


def to_dict(tally: Tally, origin: Origin) -> dict[str, Any]:
    """The whole session as a JSON-ready document."""
    return {
        "contract": origin.contract,
        # what judged an OpenRPC document (None: create.sites, the vendor's own contract)
        "profile": origin.profile,
        **origin.context,
        "conforms": not tally.count,
        "exchanges": tally.exchanges,
        "judged": tally.judged,
        "not_judged": dict(sorted(tally.not_judged.items())),
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


def to_json(tally: Tally, origin: Origin) -> str:
    """The whole session as one JSON document."""
    return json.dumps(to_dict(tally, origin), ensure_ascii=False, indent=2)


def to_junit(tally: Tally, origin: Origin) -> str:
    """JUnit XML: a test case per rule judged on each side, failed by its violations."""
    by_rule: dict[tuple[str, str], list[Violation]] = {}
    for violation in tally.violations:
        by_rule.setdefault((violation.finding.side, violation.finding.rule), []).append(violation)
    failed = sum(1 for (_, broken) in tally.rules.values() if broken)
    suite = ElementTree.Element(
        "testsuite",
        name=f"{origin.contract} traffic",
        tests=str(len(tally.rules)),
        failures=str(failed),
        errors="0",
    )
    if origin.profile is not None:
        properties = ElementTree.SubElement(suite, "properties")
        ElementTree.SubElement(properties, "property", name="profile", value=origin.profile)
    for (side, rule), (_, broken) in sorted(tally.rules.items()):
        case = ElementTree.SubElement(
            suite, "testcase", classname=f"{origin.suite}.{side}", name=rule
        )
        if not broken:
            continue
        kept = by_rule.get((side, rule), [])
        first = kept[0].message if kept else ""
        element = ElementTree.SubElement(
            case, "failure", message=xml_safe(f"{broken} violations: {first}")[:1000]
        )
        element.text = xml_safe("\n\n".join(v.text() for v in kept[:50]))
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)


def to_github(tally: Tally, origin: Origin) -> str:
    """``::error`` workflow commands, one per side and rule broken (the first violation)."""
    first: dict[tuple[str, str], Violation] = {}
    for violation in tally.violations:
        first.setdefault((violation.finding.side, violation.finding.rule), violation)
    lines = []
    for (side, rule), violation in first.items():
        times = tally.rules[violation.finding.side, rule][1]
        title = escape_command(f"{origin.contract}: the {side} broke {rule}", property_value=True)
        message = f"{violation.where}: {violation.message}"
        if times > 1:
            message += f" (and {times - 1} more)"
        lines.append(f"::error title={title}::{escape_command(message[:900])}")
    return "\n".join(lines) + ("\n" if lines else "")


#: Violations shown whole in the HTML report (the rest are counted, and in the JSON report).
HTML_SHOWN: Final = 200


def to_html(tally: Tally, origin: Origin) -> str:
    """The session as one self-contained HTML page (the fuzz report's style): the verdict, the
    session, the rules judged on each side, and each violation with its exchange, masked as
    every report masks it (the violations hold the masked request and reply)."""
    from conformance.reporting.html import STYLE

    title = f"{origin.tool}: {origin.judged_by}"
    passed = not tally.count
    session = [
        ("judged by", origin.judged_by),
        ("traffic", origin.where),
        ("exchanges", f"{tally.exchanges} {origin.seen}, {tally.judged} judged (JSON-RPC POSTs)"),
        ("methods", ", ".join(f"{m} {n}" for m, n in tally.methods.items()) or "none called"),
    ]
    if tally.not_judged:
        not_judged = ", ".join(f"{n} {why}" for why, n in sorted(tally.not_judged.items()))
        session.append(("not judged", not_judged))
    out = [
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="verdict {"pass" if passed else "fail"}">{_e(verdict(tally))}</p>',
        "<h2>Session</h2><table>",
        *(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in session),
        "</table><h2>Rules</h2>",
        "<table><tr><th>side</th><th>rule</th><th>judged</th><th>broken</th></tr>",
        *(
            f"<tr><td>{_e(side)}</td><td>{_e(rule)}</td><td class=n>{judged}</td>"
            f"<td class=n>{broken}</td></tr>"
            for (side, rule), (judged, broken) in sorted(tally.rules.items())
        ),
        "</table>",
    ]
    if tally.violations:
        out.append(f"<h2>Violations ({tally.count})</h2>")
    for violation in tally.violations[:HTML_SHOWN]:
        found = violation.finding
        at = f" at {found.field}" if found.field else ""
        out += [
            '<div class="failure">',
            f"<h3>{_e(violation.where)}: the {_e(found.side)} broke {_e(found.rule)}{_e(at)}</h3>",
            "<dl>",
            f"<dt>found</dt><dd>{_e(violation.message)}</dd>",
            f"<dt>rule</dt><dd>{_e(found.doc)}</dd>",
            f"<dt>source</dt><dd>{_e(found.basis)}</dd>",
            f"<dt>method, id</dt><dd>{_e(found.method or '-')}, {_e(found.request_id)}</dd>",
            f"<dt>request</dt><dd><pre>{_e(violation.request)}</pre></dd>",
            f"<dt>reply (HTTP {violation.status})</dt>"
            f"<dd><pre>{_e(violation.reply or '(empty body)')}</pre></dd>",
            "</dl></div>",
        ]
    hidden = tally.count - min(len(tally.violations), HTML_SHOWN)
    if hidden:
        out.append(f"<p>{hidden} more violations counted (the JSON report keeps up to {KEPT}).</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def github_summary(tally: Tally, origin: Origin) -> None:
    """A Markdown table of the rules broken, appended to ``$GITHUB_STEP_SUMMARY`` if set."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    lines = [f"### {origin.tool}: {origin.judged_by}", "", verdict(tally), ""]
    broken = [(key, counts) for key, counts in sorted(tally.rules.items()) if counts[1]]
    if broken:
        lines += ["| side | rule | judged | broken |", "|---|---|---:|---:|"]
        lines += [f"| {s} | {r} | {j} | {b} |" for (s, r), (j, b) in broken]
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


__all__ = [
    "HTML_SHOWN",
    "Origin",
    "github_summary",
    "summary_line",
    "to_dict",
    "to_github",
    "to_html",
    "to_json",
    "to_junit",
    "to_text",
    "verdict",
    "violation_line",
]
