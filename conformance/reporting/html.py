"""The HTML report of a run: one self-contained file, readable without the kit, that works
from a CI artifact.

Self-contained means no script, no stylesheet, font or image from anywhere: one ``<style>``
element, and a Content-Security-Policy that forbids every fetch (``default-src 'none'``), so
that even a reply body quoting a URL can make the browser load nothing. Every text is
HTML-escaped; the token never appears (failures are scrubbed by ``conformance.reporting.saved``'s
record round trip before anything is written).

It shows: the verdict, in the text report's words and counts; the run settings (target, the
contract and its revision, the code revision under test, role, seed, budget, the kit's
version); the baseline's judgement where one was used; a matrix of rules x families, cases and
failures per cell; every defect (``conformance.reporting.groups``) with its count and one full
example: the rule's statement, the request, the reply, a ``curl`` command (after the one line
that sets the variables it reads, printed once) and the seed; and what the run did not judge
(cases where either answer conforms, and what no check looks at).
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Iterable, Sequence
from typing import Final

from conformance.engine.results import Failure, Report
from conformance.generation.cases import FAMILIES, FAMILY_BASIS, Case, Expectation
from conformance.reporting.baseline import Judgement, verdict
from conformance.reporting.formats import curl, not_judged, setup_line, verdict_text
from conformance.reporting.groups import Group, grouped
from conformance.reporting.redaction import MASK, mask_url
from conformance.reporting.run_info import RunInfo, contract_text
from conformance.reporting.saved import from_record, record

#: What no check looks at, whatever the case: said so that a reader knows the verdict's reach.
NEVER_JUDGED: Final = (
    "the wording of error.message and error.data.extended_helper (any text conforms)",
    "which params mnemonic an invalid request gets, among the params mnemonics",
    "error.data.field where the server leaves it out (it is compared only where given)",
    "members of result beyond id and success",
    "whether a created site is stored as sent (the method's reply is all the runner sees)",
)

#: What the list of tests where either answer conforms says of the run's kit's decisions.
_STRICT_NOTE: Final = {
    False: " (--strict judges the kit's decisions among them)",
    True: " (--strict: the kit's decisions are judged, and not among them)",
}

#: The same, for an OpenRPC document's run.
NEVER_JUDGED_DOCUMENT: Final = (
    "the wording of error.message (any text conforms)",
    "error.data, where the document gives no x-error-data schema for it",
    "which application error a valid request gets, among those the document lists and -32000 "
    "to -32099 (counted; --expect-success judges them)",
    "what a call does beyond its reply (the reply is all the runner sees)",
)

_STYLE: Final = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:75em;padding:0 1em;
color:#1b1b1b}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
.verdict{padding:.6em 1em;border-radius:4px;font-weight:600;font-size:1.1em}
.pass{background:#e3f4e1}.fail{background:#fbe3e1}.known{background:#fff4d6}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .6em;
text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.empty{color:#999}pre{background:#f6f6f6;padding:.5em;overflow-x:auto;white-space:pre-wrap;
word-break:break-all;margin:.2em 0}.failure{border:1px solid #e0b4b0;border-radius:4px;
padding:.3em 1em;margin:1em 0}.failure.known{border-color:#e6cf8f}dt{font-weight:600}
dd{margin:0 0 .5em 1em}code{background:#f1f1f1;padding:0 .2em}
"""


#: The report's style sheet, shared with the traffic report (``conformance.traffic.reports``).
STYLE: Final = _STYLE


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _text(data: bytes) -> str:
    return data.decode("utf-8", "backslashreplace")


def scrubbed(failures: Iterable[Failure], info: RunInfo, token: str) -> list[Failure]:
    """The failures as their saved records would give them back: the token out of each."""
    return [from_record(record(failure, info, token)).failure for failure in failures]


def either_way(expect: Expectation) -> str | None:
    """What a case accepts besides one answer, in words; ``None`` where one answer alone
    conforms."""
    parts = []
    if expect.outcome == "success_or_params_error":
        parts.append("a success or a -32602 params error")
    elif expect.outcome == "batch_or_error":
        parts.append("an array of replies, as plain JSON-RPC 2.0 answers a batch, or error -32099")
    elif expect.outcome == "notification_or_error":
        parts.append("no reply body, as plain JSON-RPC 2.0 answers a notification, or error -32099")
    elif expect.outcome == "error" and len(expect.codes) > 1:
        parts.append("error " + " or ".join(map(str, expect.codes)))
    if expect.outcome == "robust":
        parts.append("any well-formed reply but an internal error (-32603)")
    if expect.reply_id == "echo_or_null":
        parts.append("a reply id that echoes the request's or is null")
    elif expect.reply_id == "any":
        parts.append("any reply id (the request's is a number past what parsers hold exactly)")
    return "; ".join(parts) or None


def contested(cases: Iterable[Case], *, strict: bool) -> list[tuple[str, str, tuple[str, ...]]]:
    """(test id, what conforms, what that stands on) for every test of ``cases`` where more
    than one answer does, each case as the run judged it (``strict``: the kit's decisions
    judged, so a decided case is no longer one of them); a test whose cases stand on several
    sources names each, once."""
    found: dict[str, tuple[str, dict[str, None]]] = {}
    for case in cases:
        expect = case.judged(strict).expect
        said = either_way(expect)
        if said is None:
            continue
        source = (expect.basis or FAMILY_BASIS.get(case.family, "")).removeprefix("not judged: ")
        found.setdefault(case.test_id, (said, {}))[1][source] = None
    return [
        (test, said, tuple(source for source in sources if source))
        for test, (said, sources) in sorted(found.items())
    ]


def _verdict(report: Report, judgement: Judgement | None, failing: Sequence[Failure]) -> str:
    """The verdict in the text report's words: the same counts (failures, defects, rules)."""
    if judgement is not None:
        text = verdict(judgement)
        kind = "fail" if not judgement.passed else ("known" if judgement.known else "pass")
    else:
        text, kind = verdict_text(report), "fail" if failing else "pass"
    text = text[0].upper() + text[1:]
    return f'<p class="verdict {kind}" id="verdict" data-verdict="{kind}">{_e(text)}</p>'


def _settings(report: Report, info: RunInfo) -> str:
    rows = [
        ("target", info.target),
        ("contract", contract_text(info)),
        ("contract revision", info.contract_revision or "(an OpenRPC document: its own text)"),
        (
            "code revision under test",
            info.revision or "unknown (--code-revision, $CONFORMANCE_REVISION or $GITHUB_SHA)",
        ),
        ("role", info.role),
        ("user id", info.user_id if info.user_id is not None else "(none)"),
        ("scenario id", info.scenario_id if info.scenario_id is not None else "(none)"),
        ("seed", info.seed),
        ("budget", f"{info.max_examples} valid requests drawn by hypothesis"),
        ("timeout", f"{info.timeout:g} s per request"),
        ("families", ", ".join(info.families)),
        ("access token", f"{MASK} (never written here)"),
        ("cases sent", f"{report.cases_sent} in {report.elapsed:.2f} s"),
        ("kit version", f"create-sites-conformance {info.kit}"),
    ]
    cells = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f'<table id="settings">{cells}</table>'


def _matrix(report: Report, failures: Sequence[Failure]) -> str:
    families = [f for f in FAMILIES if f in report.families] + [
        f for f in report.families if f not in FAMILIES
    ]
    broken: dict[tuple[str, str], int] = {}
    for failure in failures:
        key = (failure.rule, failure.family)
        broken[key] = broken.get(key, 0) + 1
    head = "".join(f"<th>{_e(f)}</th>" for f in families)
    rows = []
    for rule, count in report.rules.items():
        cells = []
        for family in families:
            cases = report.families[family]
            failed = broken.get((rule, family), 0)
            kind = "fail" if failed else ("pass" if cases else "empty")
            cells.append(
                f'<td class="n {kind}" data-rule="{_e(rule)}" data-family="{_e(family)}" '
                f'data-cases="{cases}" data-failures="{failed}">{cases} / {failed}</td>'
            )
        total = "fail" if count.failures else "pass"
        rows.append(
            f"<tr><th>{_e(rule)}</th>{''.join(cells)}"
            f'<td class="n {total}">{count.cases} / {count.failures}</td></tr>'
        )
    return (
        '<table id="matrix"><caption>cases / failures per rule and family</caption>'
        f"<tr><th>rule</th>{head}<th>all</th></tr>{''.join(rows)}</table>"
    )


def _failure(
    group: Group, index: int, known_reason: str | None, headers: Sequence[tuple[str, str]]
) -> str:
    failure = group.example
    head = f"HTTP {failure.status}" if failure.status is not None else "no reply"
    shown_headers = "".join(f"\n{name}: {value}" for name, value in failure.headers.items())
    body = _text(failure.reply_body) or "(empty body)"
    if len(body) > 4000:
        body = body[:4000] + f"… ({len(failure.reply_body)} bytes)"
    case = "" if failure.case == failure.label else f" (case {failure.case})"
    known = (
        f'<p class="known">Known failure (baseline): {_e(known_reason)}</p>'
        if known_reason is not None
        else ""
    )
    cases = ", ".join(group.cases)
    details = [
        ("defect", f"{_e(group.defect.text)}: {len(group.failures)} failures (cases: {_e(cases)})"),
        ("rule", f"{_e(failure.rule)}: {_e(failure.doc)}"),
        *([("source", _e(failure.basis))] if failure.basis else []),
        ("found", _e(failure.explained)),
        ("request", f"<pre>{_e(_text(failure.body))}</pre>"),
        ("reply", f"<pre>{_e(head + shown_headers)}\n\n{_e(body)}</pre>"),
        ("reproduce with", f'<pre class="curl">{_e(curl(failure, headers))}</pre>'),
        ("seed", _e(failure.seed)),
    ]
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in details)
    kind = "failure known" if known_reason is not None else "failure"
    return (
        f'<section class="{kind}" id="failure-{index}" data-rule="{_e(failure.rule)}" '
        f'data-test-id="{_e(failure.test_id)}" data-defect="{_e(group.defect.text)}" '
        f'data-failures="{len(group.failures)}"><h3>{_e(failure.rule)}: '
        f"<code>{_e(failure.test_id)}</code>{_e(case)}</h3>{known}<dl>{items}</dl></section>"
    )


def _failures(failures: Sequence[Failure], judgement: Judgement | None, info: RunInfo) -> str:
    """Every defect, each with one full example and its count; before them, once, the line
    that sets what the commands read (a file never holds a secret: the values masked)."""
    reasons = (
        {entry.key: entry.reason or "(no reason given)" for entry in judgement.known}
        if judgement is not None
        else {}
    )
    groups = grouped(failures)
    parts = []
    setup = setup_line(failures, info.headers, MASK)
    if setup is not None:
        parts.append(
            "<p>The commands read secrets from the environment; paste this line first, with "
            f'the values in place of {MASK}:</p><pre id="reproduce-setup">{_e(setup)}</pre>'
        )
    parts += [
        _failure(group, index, reasons.get(group.defect), info.headers)
        for index, group in enumerate(groups)
    ]
    return "".join(parts) or "<p>None.</p>"


def _baseline(judgement: Judgement) -> str:
    def rows(entries: Iterable[object], why: str) -> list[str]:
        return [
            f"<tr><td>{_e(why)}</td><td>{_e(getattr(e, 'rule', ''))}</td>"
            f"<td><code>{_e(getattr(e, 'test_id', ''))}</code></td>"
            f"<td>{_e(getattr(e, 'member', '') or '-')}</td>"
            f"<td>{_e(getattr(e, 'reason', ''))}</td></tr>"
            for e in entries
        ]

    lines = [
        *rows(sorted(judgement.known), "known"),
        *rows(sorted(judgement.expired), "expired: fails again"),
        *rows(judgement.fixed, "fixed: no longer fails"),
        *rows(judgement.not_run, "not run, or not drawn this run"),
    ]
    if not lines:
        return "<p>The baseline is empty.</p>"
    return (
        '<table id="baseline"><tr><th>state</th><th>rule</th><th>test</th><th>member</th>'
        "<th>reason</th></tr>"
        f"{''.join(lines)}</table>"
    )


def _not_judged(report: Report, info: RunInfo, open_cases: Iterable[Case]) -> str:
    """The report's "Not judged" section: the tests where either answer conforms, each with
    the source it stands on; what replies did that only the kit's decisions refuse; the
    contested inputs never sent; what no check looks at."""
    strict = report.settings.strict
    rows = "".join(
        f"<li><code>{_e(test)}</code>: {_e(said)}"
        + "".join(f"<br><small>source: {_e(source)}</small>" for source in sources)
        + "</li>"
        for test, said, sources in contested(open_cases, strict=strict)
    )
    parts = [
        "<p>Either answer conforms in these tests, so neither fails them"
        f"{_STRICT_NOTE[strict]}:</p>",
        f"<ul>{rows or '<li>(none in this run)</li>'}</ul>",
    ]
    replies = "".join(
        f"<li>{_e(where.removeprefix('replies: '))}<br><small>source: {_e(why)}</small></li>"
        for where, why in report.not_judged.items()
        if where.startswith("replies: ")
    )
    if replies:
        parts.append(f"<p>Replies that only the kit's decisions refuse:</p><ul>{replies}</ul>")
    inputs = "".join(
        f"<li>{_e(what)}<br><small>{_e(why)}</small></li>" for what, why in not_judged(report)
    )
    if inputs:
        parts.append(
            "<p>Never sent, never judged (contested; a conforming server may go either way):"
            f"</p><ul>{inputs}</ul>"
        )
    never = NEVER_JUDGED if info.subject == "create.sites" else NEVER_JUDGED_DOCUMENT
    items = "".join(f"<li>{_e(line)}</li>" for line in never)
    parts.append(f"<p>No check looks at:</p><ul>{items}</ul>")
    return "\n".join(parts)


def to_html(
    report: Report,
    info: RunInfo,
    token: str,
    *,
    judgement: Judgement | None = None,
    open_cases: Iterable[Case] = (),
) -> str:
    """The report as one HTML document; ``open_cases`` are the run's cases, whose tests where
    either answer conforms are listed as not judged."""
    failures = scrubbed(report.failures, info, token)
    # a target URL may carry a key in its query string: the report is a CI artefact
    info = dataclasses.replace(info, target=mask_url(info.target, token))
    failing_ids = {id(f) for f in judgement.failing} if judgement is not None else None
    failing = [
        shown
        for shown, original in zip(failures, report.failures, strict=True)
        if failing_ids is None or id(original) in failing_ids
    ]
    notes = "".join(f"<li>{_e(note)}</li>" for note in report.notes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(info.subject)} conformance: {_e(info.target)}</title><style>{_STYLE}</style></head>
<body><h1>{_e(info.subject)} conformance report</h1>
{_verdict(report, judgement, failing)}
<h2>Run</h2>{_settings(report, info)}{f"<ul>{notes}</ul>" if notes else ""}
{"<h2>Baseline</h2>" + _baseline(judgement) if judgement is not None else ""}
<h2>Rules and families</h2>{_matrix(report, report.failures)}
<h2>Failures, by defect</h2><div id="failures">{_failures(failures, judgement, info)}</div>
<h2>Not judged</h2><div id="not-judged">{_not_judged(report, info, open_cases)}</div>
<p><small>Made by create-sites-conformance {_e(info.kit)}; this file loads nothing from
anywhere.</small></p></body></html>
"""


__all__ = [
    "NEVER_JUDGED",
    "NEVER_JUDGED_DOCUMENT",
    "STYLE",
    "contested",
    "either_way",
    "scrubbed",
    "to_html",
]
