"""What a run's ``Report`` looks like to a person (text), to a program (JSON) and to CI (JUnit
XML), with a ``curl`` command that reproduces each failure.

Reporters read the report and recompute nothing. Failures are listed by the defect each is a
case of (``conformance.reporting.groups``): the text report shows one full example of each
defect with its count, the first ``SHOWN_GROUPS`` in full and every other one on a line of its
own, never a count that hides a defect.

The access token is masked by structure, never by searching the text
(``conformance.reporting.redaction.Masker``): in a request where the runner put it, in a reply
where the target echoed it; unrelated text that happens to hold the token's characters (a URL,
a count, the method's name) is left as it is. The ``curl`` commands read the token (and each
secret header's value) from a variable, and stop before sending where it is unset; a report
prints once the line that sets them (``setup_line``), the values masked
(``conformance.engine.reproduce``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Final
from xml.etree import ElementTree

from conformance.engine import reproduce
from conformance.engine.results import Failure, Report
from conformance.generation.zones import CONTESTED
from conformance.reporting.groups import Group, counts_text, defect_words, grouped
from conformance.reporting.redaction import MASK, Masker, body_text, is_secret_header, mask_url
from conformance.reporting.run_info import profile_text

#: Defects shown with a full example in the text report; every other one gets a line of its
#: own (JSON and JUnit carry every failure).
SHOWN_GROUPS: Final = 20

#: Case names listed on a defect's line, at most.
_SHOWN_CASES: Final = 6


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (control characters but tab, LF, CR)."""
    return "".join(
        c
        if c in "\t\n\r" or 0x20 <= ord(c) < 0xD800 or 0xE000 <= ord(c) < 0xFFFE or ord(c) > 0xFFFF
        else f"\\x{ord(c):02x}"
        for c in text
    )


def curl(
    failure: Failure, headers: Iterable[tuple[str, str]] = (), mask: Masker | None = None
) -> str:
    """A bash command that sends the failing request again (and, first, what took its unique
    value): the token (in the body, or where ``mask`` finds it in the target URL) and the
    secret ``headers``' values from variables (never in the command), a fresh tag in the
    domain name."""
    sent = [*headers, *(failure.source.headers.items() if failure.source is not None else ())]
    return reproduce.curl(
        mask.url(failure.target) if mask is not None else failure.target,
        failure.body,
        failure.shown,
        [(name, None if is_secret_header(name) else value) for name, value in sent],
        failure.before,
    )


def setup_line(
    failures: Iterable[Failure],
    headers: Iterable[tuple[str, str]],
    token: str,
    *,
    show_secrets: bool = False,
) -> str | None:
    """The one line that sets what the commands of ``failures`` read, the values masked
    unless ``show_secrets``; ``None`` where they read nothing."""
    failures = list(failures)
    values = []
    in_url = any(
        reproduce.url_holds_token(mask_url(f.target, "" if show_secrets else token))
        for f in failures
    )
    if in_url or reproduce.uses_token([t for f in failures for t in (f.shown, *f.before)]):
        values.append((reproduce.TOKEN_ENV, token if show_secrets else MASK))
    sent = [*headers, *(h for f in failures if f.source for h in f.source.headers.items())]
    for name, value in dict(sent).items():
        if is_secret_header(name):
            values.append((reproduce.header_variable(name), value if show_secrets else MASK))
    if not values:
        return None
    line = reproduce.setup_line(list(dict(values).items()))
    return f"{line}  # the run's values, *** where masked: put yours in their place"


def failure_dict(
    failure: Failure, mask: Masker, headers: Iterable[tuple[str, str]] = ()
) -> dict[str, Any]:
    """One failure as JSON-ready data, masked."""
    defect = defect_text(failure, mask)
    return {
        "defect": defect,
        "rule": failure.rule,
        "doc": failure.doc,
        "family": failure.family,
        "label": failure.label,
        "case": failure.case,
        "test_id": failure.test_id,
        "method": failure.method,
        "basis": failure.basis,
        "message": mask.text(failure.message),
        "hint": mask.text(failure.hint) or None,
        "request": mask.request(failure),
        "reply": {
            "status": failure.status,
            "headers": {name: mask.text(value) for name, value in failure.headers.items()},
            "body": mask.reply(body_text(failure.reply_body)),
        },
        "curl": curl(failure, headers, mask),
        "seed": failure.seed,
    }


def defect_text(failure: Failure, mask: Masker) -> str:
    """The defect ``failure`` is a case of, in words, the member the target named masked."""
    from conformance.engine.results import defect_of

    return defect_words(defect_of(failure), mask.text)


def group_dict(group: Group, mask: Masker) -> dict[str, Any]:
    """One defect as JSON-ready data: its key, its count, its cases; ``example`` is the index
    of its first failure in ``failures``."""
    defect = group.defect
    return {
        "defect": defect_words(defect, mask.text),
        "rule": defect.rule,
        "test_id": defect.test_id,
        "member": mask.text(defect.member) or None,
        "method": group.example.method,
        "failures": len(group.failures),
        "cases": group.cases,
        "message": mask.text(group.example.message),
    }


def to_json(
    report: Report, *, show_secrets: bool = False, extra: dict[str, Any] | None = None
) -> str:
    """The whole report as one JSON document; ``extra`` members (the baseline's) at its end."""
    mask = Masker(report.settings.token, show_secrets)
    headers = report.settings.headers
    groups = grouped(report.failures)
    index = {id(failure): n for n, failure in enumerate(report.failures)}
    document = {
        "target": mask.url(report.target),
        "contract": report.contract,
        "role": report.settings.role,
        "revision": report.revision,
        # what judged an OpenRPC document (None: create.sites, the vendor's own contract)
        "profile": report.settings.profile if report.revision is None else None,
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
        "groups": [
            {**group_dict(group, mask), "example": index[id(group.example)]} for group in groups
        ],
        "failures": [failure_dict(failure, mask, headers) for failure in report.failures],
        "reproduce_setup": setup_line(
            report.failures, headers, report.settings.token, show_secrets=show_secrets
        ),
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


def _failure_text(
    failure: Failure,
    mask: Masker,
    headers: Iterable[tuple[str, str]] = (),
    group: Group | None = None,
    *,
    hint: bool = False,
) -> str:
    reply_head = f"HTTP {failure.status}" if failure.status is not None else "no reply"
    shown_headers = "".join(
        f", {name}: {mask.text(value)}" for name, value in failure.headers.items()
    )
    # masked before it is cut: a cut through the token would leave its beginning unmasked
    body = mask.reply(body_text(failure.reply_body)) or "(empty body)"
    if len(body) > 2000:
        body = body[:2000] + f"… ({len(failure.reply_body)} bytes)"
    lines = [
        f"FAILED {failure.rule}: {failure.test_id}"
        + ("" if failure.case == failure.label else f" (case {failure.case})"),
        *([f"  defect:  {_group_line(group, mask)}"] if group is not None else []),
        f"  rule:    {failure.doc}",
        *([f"  source:  {failure.basis}"] if failure.basis else []),
        f"  found:   {mask.text(failure.explained if hint else failure.message)}",
        f"  request: {mask.request(failure)}",
        f"  reply:   {reply_head}{shown_headers}",
        f"           {body}",
        "  reproduce with:",
        f"    {curl(failure, headers, mask)}",
        f"  seed:    {failure.seed}",
    ]
    return "\n".join(lines)


def _group_line(group: Group, mask: Masker) -> str:
    """``expected-outcome: test_valid_accepted[valid] at phone: 3 failures (cases: valid)``."""
    cases = group.cases
    named = ", ".join(cases[:_SHOWN_CASES])
    if len(cases) > _SHOWN_CASES:
        named += f" and {len(cases) - _SHOWN_CASES} more"
    counted = _count(len(group.failures), "failure")
    return f"{defect_words(group.defect, mask.text)}: {counted} (cases: {named})"


def failure_text(
    failure: Failure,
    token: str,
    *,
    show_secrets: bool = False,
    headers: Sequence[tuple[str, str]] = (),
) -> str:
    """One failure as pytest shows it: with the line that sets what its command reads."""
    text = _failure_text(failure, Masker(token, show_secrets), headers, hint=True)
    setup = setup_line([failure], headers, token, show_secrets=show_secrets)
    return text if setup is None else f"{text}\n  first:   {setup}"


def group_lines(groups: Sequence[Group], report: Report, mask: Masker) -> list[str]:
    """The text report's list of defects: the first ``SHOWN_GROUPS`` each with a full example,
    every other one on a line of its own; before them, once, the line the commands need."""
    if not groups:
        return []
    headers = report.settings.headers
    out: list[str] = []
    setup = setup_line(
        report.failures, headers, report.settings.token, show_secrets=mask.show_secrets
    )
    if setup is not None:
        out += [
            "the commands below read secrets from the environment; paste this line first:",
            f"    {setup}",
            "",
        ]
    for group in groups[:SHOWN_GROUPS]:
        out += [_failure_text(group.example, mask, headers, group), ""]
    rest = groups[SHOWN_GROUPS:]
    if rest:
        out.append(f"{len(rest)} more defects, one line each (the example of each: --output json):")
        out += [
            f"  {_group_line(group, mask)}: {mask.text(group.example.message)}" for group in rest
        ]
        out.append("")
    return out


def hint_lines(failures: Sequence[Failure], mask: Masker) -> list[str]:
    """Each hint of the failures (a target of the other revision), said once with how many
    failures it explains: the same sentence under every failure hid the failures."""
    counts: dict[str, int] = {}
    for failure in failures:
        if failure.hint:
            counts[failure.hint] = counts.get(failure.hint, 0) + 1
    return [
        f"hint ({_count(count, 'failure')}): {mask.text(hint)}" for hint, count in counts.items()
    ] + ([""] if counts else [])


def verdict_text(report: Report) -> str:
    """The verdict of a run judged without a baseline: every report says it in these words."""
    if report.conforms:
        return "conforms"
    groups = grouped(report.failures)
    rules = {failure.rule for failure in report.failures}
    return f"does not conform: {counts_text(len(report.failures), len(groups), len(rules))}"


def to_text(report: Report, *, show_secrets: bool = False, verdict: str | None = None) -> str:
    """Each defect (one full example each, every one listed), then the summary table and the
    verdict (``verdict``, where given: a baseline's)."""
    mask = Masker(report.settings.token, show_secrets)
    out = group_lines(grouped(report.failures), report, mask)
    out += hint_lines(report.failures, mask)
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
        else f"{len(report.methods)} methods, {profile_text(report.settings.profile)}, "
    )
    out.append(
        f"{report.contract}: {report.cases_sent} cases sent to {mask.url(report.target)} in "
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
    out.append(verdict or verdict_text(report))
    return "\n".join(out) + "\n"


def not_judged(report: Report) -> tuple[tuple[str, str], ...]:
    """What the run sent and never judged either way: the bundled contract's contested
    inputs (an OpenRPC document's run judges by its schemas alone)."""
    return CONTESTED if report.revision is not None else ()


def sent_not_judged_groups(report: Report) -> list[tuple[str, list[str]]]:
    """The tests sent and judged for robustness alone (or for refusal with any documented
    error), grouped by what they stand on: ``(why, tests)`` in the run's order."""
    by_reason: dict[str, list[str]] = {}
    for test_id, why in report.not_judged.items():
        by_reason.setdefault(why.removeprefix("the kit's decision: "), []).append(test_id)
    return list(by_reason.items())


#: The heading of the list of tests sent and not judged in full, after their count.
SENT_NOT_JUDGED: Final = (
    "cases: robustness alone, or refusal with any documented error; --strict judges the "
    "kit's decisions among them"
)


def sent_not_judged_lines(report: Report) -> list[str]:
    """The tests sent and judged for robustness alone, grouped by their reason: the kit's
    decisions (``--strict`` judges them) and what no source decides."""
    groups = sent_not_judged_groups(report)
    if not groups:
        return []
    lines = [f"sent and not judged in full ({len(report.not_judged)} {SENT_NOT_JUDGED}):"]
    for why, tests in groups:
        shown = ", ".join(tests[:4]) + (f" and {len(tests) - 4} more" if len(tests) > 4 else "")
        lines.append(f"  {why} [{shown}]")
    return lines


def not_judged_text() -> str:
    """The contested inputs, said once: what the run never judged either way."""
    return "never judged (contested; a conforming server may go either way): " + "; ".join(
        what for what, _ in CONTESTED
    )


def unjudged_lines(report: Report) -> list[str]:
    """What the run sent and did not judge in full, then what it never judges, each with its
    source, in the text report's words: JUnit's system-out and the pytest plugin's summary."""
    lines = sent_not_judged_lines(report)
    if not_judged(report):
        lines.append(not_judged_text())
    return lines


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
                message=xml_safe(
                    "; ".join(f"{f.rule}: {mask.text(f.explained)}" for f in failures)
                )[:1000],
            )
            headers = report.settings.headers
            texts = [_failure_text(f, mask, headers, hint=True) for f in failures]
            setup = setup_line(failures, headers, report.settings.token, show_secrets=show_secrets)
            if setup is not None:
                texts.append(f"paste this line before the commands above: {setup}")
            element.text = xml_safe("\n\n".join(texts))
    # what the run sent and did not judge, and what it never judges, each with its source: the
    # kit's words (test ids, the schemas' reasons), unmasked as in the text report
    unjudged = unjudged_lines(report)
    if unjudged:
        out = ElementTree.SubElement(suite, "system-out")
        out.text = xml_safe("\n".join(unjudged))
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)
