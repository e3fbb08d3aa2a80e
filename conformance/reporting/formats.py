"""What a run's ``Report`` looks like to a person (text), to a program (JSON) and to CI (JUnit
XML), with a ``curl`` command that reproduces each failure.

Reporters read the report and recompute nothing. The access token is masked by structure,
never by searching the text (``conformance.reporting.redaction.Masker``): in a request where the
runner put it, in a reply where the target echoed it; unrelated text that happens to hold the
token's characters (a URL, a count, the method's name) is left as it is. The ``curl``
commands read the token from ``$CONFORMANCE_TARGET_TOKEN`` and draw a fresh unique tag for the
domain name on each replay (``conformance.engine.reproduce``).
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from conformance.engine import reproduce
from conformance.engine.results import Failure, Report
from conformance.generation.zones import CONTESTED
from conformance.reporting.redaction import Masker, body_text

#: Failures shown in full per rule in the text report (JSON and JUnit carry them all).
SHOWN_PER_RULE = 3


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (control characters but tab, LF, CR)."""
    return "".join(
        c
        if c in "\t\n\r" or 0x20 <= ord(c) < 0xD800 or 0xE000 <= ord(c) < 0xFFFE or ord(c) > 0xFFFF
        else f"\\x{ord(c):02x}"
        for c in text
    )


def curl(failure: Failure, mask: Masker | None = None) -> str:
    """A bash command that sends the failing request again: the token from
    ``$CONFORMANCE_TARGET_TOKEN`` (never in the command), a fresh tag in the domain name."""
    return reproduce.curl(failure.target, failure.body, failure.shown)


def failure_dict(failure: Failure, mask: Masker) -> dict[str, Any]:
    """One failure as JSON-ready data, masked."""
    return {
        "rule": failure.rule,
        "doc": failure.doc,
        "family": failure.family,
        "label": failure.label,
        "case": failure.case,
        "test_id": failure.test_id,
        "method": failure.method,
        "basis": failure.basis,
        "message": mask.text(failure.message),
        "request": mask.request(failure),
        "reply": {
            "status": failure.status,
            "headers": {name: mask.text(value) for name, value in failure.headers.items()},
            "body": mask.reply(body_text(failure.reply_body)),
        },
        "curl": curl(failure, mask),
        "seed": failure.seed,
    }


def to_json(
    report: Report, *, show_secrets: bool = False, extra: dict[str, Any] | None = None
) -> str:
    """The whole report as one JSON document; ``extra`` members (the baseline's) at its end."""
    mask = Masker(report.settings.token, show_secrets)
    document = {
        "target": report.target,
        "contract": report.contract,
        "role": report.settings.role,
        "revision": report.revision,
        "seed": report.settings.seed,
        "conforms": report.conforms,
        "cases_sent": report.cases_sent,
        "elapsed": round(report.elapsed, 3),
        "families": report.families,
        "rules": [
            {"rule": name, "cases": count.cases, "failures": count.failures}
            for name, count in report.rules.items()
        ],
        "methods": [
            {
                "method": name,
                "conforms": not tally.failures,
                "cases": tally.cases_sent,
                "families": tally.families,
                "failures": tally.failures,
            }
            for name, tally in report.methods.items()
        ],
        "failures": [failure_dict(failure, mask) for failure in report.failures],
        "valid_failures": report.valid_failures,
        "notes": report.notes,
        "rate_limited": {"waits": report.limit_waits, "seconds": round(report.limit_waited, 3)},
        "not_judged": [{"input": what, "why": why} for what, why in not_judged(report)],
        "sent_not_judged": [
            {"test_id": test_id, "why": why} for test_id, why in report.not_judged.items()
        ],
        "strict": report.settings.strict,
        "application_errors": {str(k): v for k, v in report.application_errors.items()},
        # what the run created, and the cases --max-creates kept from being sent, by family
        "created": len(report.created),
        "not_sent": report.not_sent,
        **(extra or {}),
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def _failure_text(failure: Failure, mask: Masker) -> str:
    reply_head = f"HTTP {failure.status}" if failure.status is not None else "no reply"
    headers = "".join(f", {name}: {mask.text(value)}" for name, value in failure.headers.items())
    # masked before it is cut: a cut through the token would leave its beginning unmasked
    body = mask.reply(body_text(failure.reply_body)) or "(empty body)"
    if len(body) > 2000:
        body = body[:2000] + f"… ({len(failure.reply_body)} bytes)"
    lines = [
        f"FAILED {failure.rule}: {failure.test_id}"
        + ("" if failure.case == failure.label else f" (case {failure.case})"),
        f"  rule:    {failure.doc}",
        *([f"  source:  {failure.basis}"] if failure.basis else []),
        f"  found:   {mask.text(failure.message)}",
        f"  request: {mask.request(failure)}",
        f"  reply:   {reply_head}{headers}",
        f"           {body}",
        "  reproduce with:",
        f"    {curl(failure, mask)}",
        f"  seed:    {failure.seed}",
    ]
    return "\n".join(lines)


def failure_text(failure: Failure, token: str, *, show_secrets: bool = False) -> str:
    """One failure as the text report and pytest show it."""
    return _failure_text(failure, Masker(token, show_secrets))


def to_text(report: Report, *, show_secrets: bool = False, verdict: str | None = None) -> str:
    """Each failure (a few per rule), then the summary table and the verdict (``verdict``, where
    given: a baseline's)."""
    mask = Masker(report.settings.token, show_secrets)
    out: list[str] = []
    # a few failures a rule (a rule and method, where the contract has several methods)
    shown: dict[tuple[str, str | None], int] = {}
    for failure in report.failures:
        key = (failure.rule, failure.method)
        shown[key] = shown.get(key, 0) + 1
        if shown[key] <= SHOWN_PER_RULE:
            out += [_failure_text(failure, mask), ""]
    for (rule, method), times in shown.items():
        if times > SHOWN_PER_RULE:
            where = f" in {method}" if method else ""
            out.append(
                f"... and {times - SHOWN_PER_RULE} more failures of {rule}{where} (--output json)"
            )
    if any(count > SHOWN_PER_RULE for count in shown.values()):
        out.append("")
    for name, tally in report.methods.items():
        families_of = ", ".join(f"{family} {count}" for family, count in tally.families.items())
        verdict_of = "conforms" if not tally.failures else _count(tally.failures, "failure")
        out.append(f"== {name}: {tally.cases_sent} cases ({families_of}): {verdict_of}")
    if report.methods:
        out.append("")
    width = max((len(name) for name in report.rules), default=4)
    out.append(f"{'rule':<{width}}  {'cases':>6}  {'failures':>8}")
    for name, count in report.rules.items():
        out.append(f"{name:<{width}}  {count.cases:>6}  {count.failures:>8}")
    rate = report.cases_sent / report.elapsed if report.elapsed else 0.0
    families = ", ".join(f"{name} {count}" for name, count in report.families.items())
    out.append("")
    who = (
        f"role {report.settings.role}, revision {report.revision}, "
        if report.revision is not None
        else f"{len(report.methods)} methods, "
    )
    out.append(
        f"{report.contract}: {report.cases_sent} cases sent to {report.target} in "
        f"{report.elapsed:.1f} s ({rate:.0f} cases/s; {families}); {who}seed {report.settings.seed}"
    )
    if report.limit_waits:
        out.append(
            f"rate limited: {report.limit_waits} -32029 replies waited on "
            f"({report.limit_waited:.1f} s) and sent again"
        )
    if report.valid_failures:
        counted = ", ".join(f"{key} {n}" for key, n in report.valid_failures.items())
        out.append(f"valid requests that failed: {counted}")
    out.extend(f"note: {note}" for note in report.notes)
    out.extend(sent_not_judged_lines(report))
    if report.application_errors:
        codes = ", ".join(f"{code} x{n}" for code, n in sorted(report.application_errors.items()))
        total = sum(report.application_errors.values())
        out.append(
            f"valid requests answered with an application error: {total} ({codes}); counted, "
            "not judged (a server's state: --expect-success judges them)"
        )
    if not_judged(report):
        out.append(not_judged_text())
    verdict = verdict or (
        "conforms"
        if report.conforms
        else f"does not conform: {_count(len(report.failures), 'failure')} of "
        f"{_count(len({rule for rule, _ in shown}), 'rule')}"
    )
    out.append(verdict)
    return "\n".join(out) + "\n"


def not_judged(report: Report) -> tuple[tuple[str, str], ...]:
    """What the run sent and never judged either way: the bundled contract's contested
    inputs (an OpenRPC document's run judges by its schemas alone)."""
    return CONTESTED if report.revision is not None else ()


def sent_not_judged_lines(report: Report) -> list[str]:
    """The tests sent and judged for robustness alone, grouped by their reason: the kit's
    decisions (``--strict`` judges them) and what no source decides."""
    by_reason: dict[str, list[str]] = {}
    for test_id, why in report.not_judged.items():
        by_reason.setdefault(why, []).append(test_id)
    if not by_reason:
        return []
    lines = [
        f"sent and not judged in full ({len(report.not_judged)} cases: robustness alone, or "
        "refusal with any documented error; --strict judges the kit's decisions among them):"
    ]
    for why, tests in by_reason.items():
        shown = ", ".join(tests[:4]) + (f" and {len(tests) - 4} more" if len(tests) > 4 else "")
        lines.append(f"  {why.removeprefix('the kit' + chr(39) + 's decision: ')} [{shown}]")
    return lines


def not_judged_text() -> str:
    """The contested inputs, said once: what the run never judged either way."""
    return "never judged (contested; a conforming server may go either way): " + "; ".join(
        what for what, _ in CONTESTED
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def to_junit(
    report: Report, *, show_secrets: bool = False, known: dict[str, str] | None = None
) -> str:
    """A JUnit XML document: a test case per case sent (the valid family is one), failures in
    those that broke a rule; ``known`` tests (id: reason, from a baseline) skipped as pytest
    writes an xfail."""
    mask = Masker(report.settings.token, show_secrets)
    by_test: dict[str, list[Failure]] = {}
    for failure in report.failures:
        by_test.setdefault(failure.test_id, []).append(failure)
    suite = ElementTree.Element(
        "testsuite",
        name=f"{report.contract} conformance",
        tests=str(len(report.test_ids)),
        failures=str(len(by_test)),
        errors="0",
        time=f"{report.elapsed:.3f}",
    )
    for test_id in report.test_ids:
        name, _, _ = test_id.partition("[")
        method, _, name = name.rpartition("::")
        classname = f"openrpc.{method}" if method else f"conformance.{name}"
        case = ElementTree.SubElement(suite, "testcase", classname=classname, name=test_id)
        failures = by_test.get(test_id, [])
        if not failures and test_id in (known or {}):
            skipped = ElementTree.SubElement(case, "skipped", type="pytest.xfail")
            skipped.set("message", xml_safe(mask.text((known or {})[test_id]))[:1000])
        if failures:
            element = ElementTree.SubElement(
                case,
                "failure",
                message=xml_safe("; ".join(f"{f.rule}: {mask.text(f.message)}" for f in failures))[
                    :1000
                ],
            )
            element.text = xml_safe("\n\n".join(_failure_text(f, mask) for f in failures))
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)
