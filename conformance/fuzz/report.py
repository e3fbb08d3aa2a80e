"""What a run's ``Report`` looks like to a person (text), to a program (JSON) and to CI (JUnit
XML), with a ``curl`` command that reproduces each failure.

Reporters read the report and recompute nothing. The access token is masked as ``***`` in
everything they write unless ``show_secrets`` is set.
"""

from __future__ import annotations

import json
import shlex
from typing import Any
from xml.etree import ElementTree

from conformance.fuzz.runner import Failure, Report
from conformance.fuzz.transport import CONTENT_TYPE

MASK = "***"

#: Failures shown in full per rule in the text report (JSON and JUnit carry them all).
SHOWN_PER_RULE = 3


class Masker:
    """Replaces the token, raw or JSON-escaped, by ``***``; does nothing with ``show_secrets``."""

    def __init__(self, token: str, show_secrets: bool = False) -> None:
        escaped = json.dumps(token)[1:-1]
        ascii_escaped = json.dumps(token, ensure_ascii=True)[1:-1]
        self.secrets = (
            [] if show_secrets else sorted({token, escaped, ascii_escaped}, key=len)[::-1]
        )

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def bytes(self, data: bytes) -> bytes:
        """``data`` with the token's UTF-8 forms masked (before any quoting changes them)."""
        for secret in self.secrets:
            data = data.replace(secret.encode("utf-8", "surrogatepass"), MASK.encode())
        return data


def _text(body: bytes) -> str:
    return body.decode("utf-8", "backslashreplace")


def _xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (control characters but tab, LF, CR)."""
    return "".join(
        c
        if c in "\t\n\r" or 0x20 <= ord(c) < 0xD800 or 0xE000 <= ord(c) < 0xFFFE or ord(c) > 0xFFFF
        else f"\\x{ord(c):02x}"
        for c in text
    )


def curl(failure: Failure, mask: Masker) -> str:
    """A shell command that sends the failing request again, the token masked first: shell
    quoting would rewrite a token holding a quote or non-ASCII bytes past recognition."""
    body = mask.bytes(failure.body)
    content_type = shlex.quote(f"Content-Type: {CONTENT_TYPE}")
    head = f"curl -sS -i -X POST {shlex.quote(failure.target)} -H {content_type}"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and "\x00" not in text:
        return f"{head} --data-binary {shlex.quote(text)}"
    escaped = "".join(
        chr(byte) if 0x20 <= byte < 0x7F and chr(byte) not in "'\\%" else f"\\{byte:03o}"
        for byte in body
    )
    return f"printf '{escaped}' | {head} --data-binary @-"


def failure_dict(failure: Failure, mask: Masker) -> dict[str, Any]:
    """One failure as JSON-ready data, masked."""
    return {
        "rule": failure.rule,
        "doc": failure.doc,
        "family": failure.family,
        "label": failure.label,
        "case": failure.case,
        "test_id": failure.test_id,
        "message": mask(failure.message),
        "request": mask(_text(failure.body)),
        "reply": {
            "status": failure.status,
            "headers": {name: mask(value) for name, value in failure.headers.items()},
            "body": mask(_text(failure.reply_body)),
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
        "role": report.settings.role,
        "seed": report.settings.seed,
        "conforms": report.conforms,
        "cases_sent": report.cases_sent,
        "elapsed": round(report.elapsed, 3),
        "families": report.families,
        "rules": [
            {"rule": name, "cases": count.cases, "failures": count.failures}
            for name, count in report.rules.items()
        ],
        "failures": [failure_dict(failure, mask) for failure in report.failures],
        "notes": report.notes,
        **(extra or {}),
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def _failure_text(failure: Failure, mask: Masker) -> str:
    reply_head = f"HTTP {failure.status}" if failure.status is not None else "no reply"
    headers = "".join(f", {name}: {value}" for name, value in failure.headers.items())
    # masked before it is cut: a cut through the token would leave its beginning unmasked
    body = mask(_text(failure.reply_body)) or "(empty body)"
    if len(body) > 2000:
        body = body[:2000] + f"… ({len(failure.reply_body)} bytes)"
    lines = [
        f"FAILED {failure.rule}: {failure.test_id}"
        + ("" if failure.case == failure.label else f" (case {failure.case})"),
        f"  rule:    {failure.doc}",
        f"  found:   {failure.message}",
        f"  request: {_text(failure.body)}",
        f"  reply:   {reply_head}{headers}",
        f"           {body}",
        "  reproduce with:",
        f"    {curl(failure, mask)}",
        f"  seed:    {failure.seed}",
    ]
    return mask("\n".join(lines))


def to_text(report: Report, *, show_secrets: bool = False, verdict: str | None = None) -> str:
    """Each failure (a few per rule), then the summary table and the verdict (``verdict``, where
    given: a baseline's)."""
    mask = Masker(report.settings.token, show_secrets)
    out: list[str] = []
    shown: dict[str, int] = {}
    for failure in report.failures:
        shown[failure.rule] = shown.get(failure.rule, 0) + 1
        if shown[failure.rule] <= SHOWN_PER_RULE:
            out += [_failure_text(failure, mask), ""]
    for rule, times in shown.items():
        if times > SHOWN_PER_RULE:
            out.append(f"... and {times - SHOWN_PER_RULE} more failures of {rule} (--output json)")
    if any(count > SHOWN_PER_RULE for count in shown.values()):
        out.append("")
    width = max(len(name) for name in report.rules)
    out.append(f"{'rule':<{width}}  {'cases':>6}  {'failures':>8}")
    for name, count in report.rules.items():
        out.append(f"{name:<{width}}  {count.cases:>6}  {count.failures:>8}")
    rate = report.cases_sent / report.elapsed if report.elapsed else 0.0
    families = ", ".join(f"{name} {count}" for name, count in report.families.items())
    out.append("")
    out.append(
        f"{report.cases_sent} cases sent to {report.target} in {report.elapsed:.1f} s "
        f"({rate:.0f} cases/s; {families}); "
        f"role {report.settings.role}, seed {report.settings.seed}"
    )
    out.extend(f"note: {note}" for note in report.notes)
    verdict = verdict or (
        "conforms"
        if report.conforms
        else f"does not conform: {_count(len(report.failures), 'failure')} of "
        f"{_count(len(shown), 'rule')}"
    )
    out.append(verdict)
    return mask("\n".join(out)) + "\n"


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
        name="create.sites conformance",
        tests=str(len(report.test_ids)),
        failures=str(len(by_test)),
        errors="0",
        time=f"{report.elapsed:.3f}",
    )
    for test_id in report.test_ids:
        name, _, _ = test_id.partition("[")
        case = ElementTree.SubElement(
            suite, "testcase", classname=f"conformance.{name}", name=test_id
        )
        failures = by_test.get(test_id, [])
        if not failures and test_id in (known or {}):
            skipped = ElementTree.SubElement(case, "skipped", type="pytest.xfail")
            skipped.set("message", _xml_safe(mask((known or {})[test_id]))[:1000])
        if failures:
            element = ElementTree.SubElement(
                case,
                "failure",
                message=_xml_safe(mask("; ".join(f"{f.rule}: {f.message}" for f in failures)))[
                    :1000
                ],
            )
            element.text = _xml_safe("\n\n".join(_failure_text(f, mask) for f in failures))
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)
