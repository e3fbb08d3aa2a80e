"""GitHub Actions output of a run: ``::error`` workflow commands, one per defect
(``conformance.engine.results.Defect``: rule, test id, member), and a job summary in Markdown
(appended to ``$GITHUB_STEP_SUMMARY`` when it is set).

Everything written here is scrubbed of the token first (``conformance.reporting.redaction``): a job
summary and annotations outlive the job's log and are seen by everyone who can see the run.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from conformance.engine.results import Defect, Failure, Report
from conformance.reporting.baseline import Judgement
from conformance.reporting.formats import SENT_NOT_JUDGED, not_judged, sent_not_judged_groups
from conformance.reporting.groups import counts_text, defect_words, grouped
from conformance.reporting.redaction import mask_url, scrub_text
from conformance.reporting.run_info import RunInfo, contract_text
from conformance.validation.reporters import _escape as escape_command

SUMMARY_VARIABLE: Final = "GITHUB_STEP_SUMMARY"

#: GitHub shows only the first annotations of a step; the job summary has them all.
_MESSAGE_LENGTH: Final = 900


def _groups(failures: Sequence[Failure]) -> dict[Defect, list[Failure]]:
    return {group.defect: group.failures for group in grouped(failures)}


def _failing(report: Report, judgement: Judgement | None) -> list[Failure]:
    return report.failures if judgement is None else judgement.failing


def workflow_commands(report: Report, judgement: Judgement | None, token: str) -> str:
    """The workflow commands: ``::error`` per failing rule and test id (new, or of an expired
    baseline entry), ``::notice`` per baseline entry that no longer fails."""
    expired = {entry.key: entry for entry in judgement.expired} if judgement is not None else {}
    lines = []
    for defect, failures in _groups(_failing(report, judgement)).items():
        first = failures[0]
        message = scrub_text(first.explained, token)
        if first.case != first.label:
            message = f"case {first.case}: {message}"
        if len(failures) > 1:
            message += f" (and {len(failures) - 1} more cases)"
        if first.basis:
            message += f" [source: {first.basis}]"
        entry = expired.get(defect)
        if entry is not None:
            message = f"baseline entry expired on {entry.expires}: {message}"
        words = defect_words(defect, lambda member: scrub_text(member, token))
        title = escape_command(words, property_value=True)
        lines.append(f"::error title={title}::{escape_command(message[:_MESSAGE_LENGTH])}")
    for entry in judgement.fixed if judgement is not None else []:
        title = escape_command(f"fixed: {entry.text}", property_value=True)
        said = "the baseline entry no longer fails; remove it with --baseline-prune"
        lines.append(f"::notice title={title}::{escape_command(said)}")
    return "".join(line + "\n" for line in lines)


def _cell(text: str) -> str:
    """Text for a Markdown table cell: HTML-escaped, no pipe or line break to end the cell."""
    return html.escape(" ".join(text.split())).replace("|", "&#124;")


def _code(text: str) -> str:
    """Text as a Markdown code span on one line. Not HTML-escaped: a code span shows its text
    as written (``&amp;`` would be shown as is); a backtick, which would end it, becomes ``'``."""
    return "`" + " ".join(text.split()).replace("`", "'") + "`"


def summary(report: Report, judgement: Judgement | None, info: RunInfo, token: str) -> str:
    """The job summary: the verdict, the failing rules, the baseline, the counts per rule."""
    failing = _failing(report, judgement)
    groups = _groups(failing)
    if not failing:
        known = sum(len(f) for f in judgement.known.values()) if judgement else 0
        verdict = "✅ conforms" + (f" but for {known} known failures (baseline)" if known else "")
    else:
        rules = len({f.rule for f in failing})
        verdict = f"❌ {counts_text(len(failing), len(groups), rules)}"
    out = [f"## {info.subject} conformance: {verdict}", ""]
    out.append(
        f"Target {_code(mask_url(info.target, token))}, contract {_cell(contract_text(info))}, "
        f"code revision under test {_code(info.revision or 'unknown')}, "
        f"role {info.role}, seed {info.seed}, budget {info.max_examples}; "
        f"{report.cases_sent} cases in {report.elapsed:.1f} s."
    )
    if groups:
        out += ["", "| rule | test | member | cases | first found |", "|---|---|---|---|---|"]
        for defect, failures in groups.items():
            found = _cell(scrub_text(failures[0].explained, token))[:300]
            member = _cell(scrub_text(defect.member, token)) or "-"
            out.append(
                f"| {defect.rule} | `{_cell(defect.test_id)}` | {member} | {len(failures)} | "
                f"{found} |"
            )
    if judgement is not None:
        _baseline_lines(out, judgement)
    out += ["", "| rule | cases | failures |", "|---|---|---|"]
    out += [f"| {name} | {c.cases} | {c.failures} |" for name, c in report.rules.items()]
    _not_judged_lines(out, report)
    return "\n".join(out) + "\n"


def _not_judged_lines(out: list[str], report: Report) -> None:
    """What the run sent and did not judge in full, by what it stands on, and the contested
    inputs it never judges: folded, as the text report gives them (the kit's own words: test
    ids and the schemas' reasons, which hold no token)."""
    groups = sent_not_judged_groups(report)
    if groups:
        out += [
            "",
            f"<details><summary>Sent and not judged in full: {len(report.not_judged)} "
            f"{SENT_NOT_JUDGED}</summary>",
            "",
        ]
        for why, tests in groups:
            shown = ", ".join(_code(test) for test in tests[:4])
            more = f" and {len(tests) - 4} more" if len(tests) > 4 else ""
            out.append(f"- {shown}{more}: {_cell(why)}")
        out += ["", "</details>"]
    contested = not_judged(report)
    if contested:
        out += [
            "",
            "<details><summary>Never judged (contested; a conforming server may go either "
            "way)</summary>",
            "",
        ]
        out += [f"- {_cell(what)}: {_cell(why)}" for what, why in contested]
        out += ["", "</details>"]


def _baseline_lines(out: list[str], judgement: Judgement) -> None:
    sections: Mapping[str, Sequence[tuple[str, str]]] = {
        "Known failures (baseline)": [(e.text, e.reason) for e in sorted(judgement.known)],
        "Fixed (no longer fail: `--baseline-prune` removes them)": [
            (e.text, e.reason) for e in judgement.fixed
        ],
        "Expired entries that still fail": [
            (e.text, f"expired on {e.expires}") for e in sorted(judgement.expired)
        ],
    }
    for title, rows in sections.items():
        if rows:
            out += ["", f"**{title}**", ""]
            out += [f"- `{_cell(text)}`: {_cell(why)}" for text, why in rows]


def write_summary(markdown: str, environ: Mapping[str, str] = os.environ) -> Path | None:
    """Append ``markdown`` to the file ``$GITHUB_STEP_SUMMARY`` names; ``None`` where unset."""
    name = environ.get(SUMMARY_VARIABLE)
    if not name:
        return None
    path = Path(name)
    with path.open("a", encoding="utf-8") as summary_file:
        summary_file.write(markdown)
    return path


__all__ = ["SUMMARY_VARIABLE", "summary", "workflow_commands", "write_summary"]
