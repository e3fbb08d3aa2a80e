"""A run over an OpenRPC document as a person (text), a program (JSON) and CI (JUnit XML) read
it: each method's failures as the create.sites report shows them (the request, the reply, a
``curl`` that sends it again, the token masked), a few a rule, then one line a method.

Reporters read the ``DocumentReport`` and recompute nothing; each failure is written by
``conformance.reporting.formats``'s own functions, so both runs read alike.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from conformance.engine.runner import Failure
from conformance.openrpc.runner import DocumentReport, MethodReport
from conformance.reporting.formats import (
    SHOWN_PER_RULE,
    failure_dict,
    failure_text,
    xml_safe,
)
from conformance.reporting.redaction import Masker


def _token(result: DocumentReport) -> str:
    return result.methods[0].report.settings.token if result.methods else ""


def _method_text(method: MethodReport, show_secrets: bool) -> list[str]:
    report = method.report
    families = ", ".join(f"{name} {count}" for name, count in report.families.items())
    verdict = "conforms" if report.conforms else f"{len(report.failures)} failures"
    out = [f"== {method.method}: {report.cases_sent} cases ({families}): {verdict}"]
    out.extend(f"note: {note}" for note in method.notes)
    shown: dict[str, int] = {}
    for failure in report.failures:
        shown[failure.rule] = shown.get(failure.rule, 0) + 1
        if shown[failure.rule] <= SHOWN_PER_RULE:
            out += ["", failure_text(failure, report.settings.token, show_secrets=show_secrets)]
    more = [
        f"... and {times - SHOWN_PER_RULE} more failures of {rule} in {method.method} "
        "(--output json)"
        for rule, times in shown.items()
        if times > SHOWN_PER_RULE
    ]
    return out + (["", *more] if more else []) + [""]


def to_text(result: DocumentReport, *, show_secrets: bool = False) -> str:
    """Each method: its line, its notes, a few failures a rule in full; then the verdict."""
    out: list[str] = []
    for method in result.methods:
        out += _method_text(method, show_secrets)
    failing = result.failing_tests()
    verdict = "conforms" if result.conforms else f"{len(failing)} failing tests"
    out.extend(f"note: {note}" for m in result.methods for note in m.report.notes)
    out.append(
        f"{result.source}: {len(result.methods)} methods, {result.cases_sent} cases in "
        f"{result.elapsed:.1f} s: {verdict}"
    )
    return "\n".join(out) + "\n"


def _failure(method: str, failure: Failure, mask: Masker) -> dict[str, Any]:
    return {**failure_dict(failure, mask), "test_id": f"{method}::{failure.test_id}"}


def to_json(result: DocumentReport, *, show_secrets: bool = False) -> str:
    """The whole run as one JSON document, a member a method."""
    mask = Masker(_token(result), show_secrets)
    document = {
        "target": result.target,
        "document": result.source,
        "conforms": result.conforms,
        "cases_sent": result.cases_sent,
        "elapsed": round(result.elapsed, 3),
        "methods": [
            {
                "method": m.method,
                "conforms": m.report.conforms,
                "cases": m.report.cases_sent,
                "families": m.report.families,
                "rules": [
                    {"rule": name, "cases": count.cases, "failures": count.failures}
                    for name, count in m.report.rules.items()
                ],
                "notes": [*m.notes, *m.report.notes],
                "failures": [_failure(m.method, f, mask) for f in m.report.failures],
            }
            for m in result.methods
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def to_junit(result: DocumentReport, *, show_secrets: bool = False) -> str:
    """A JUnit XML document: a test case per test of each method (``method::test_id``),
    failures in those that broke a rule."""
    mask = Masker(_token(result), show_secrets)
    suite = ElementTree.Element(
        "testsuite",
        name=f"{result.source} conformance",
        tests=str(sum(len(m.report.test_ids) for m in result.methods)),
        failures=str(len(result.failing_tests())),
        errors="0",
        time=f"{result.elapsed:.3f}",
    )
    for method in result.methods:
        by_test: dict[str, list[Failure]] = {}
        for failure in method.report.failures:
            by_test.setdefault(failure.test_id, []).append(failure)
        for test_id in method.report.test_ids:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=f"openrpc.{method.method}",
                name=f"{method.method}::{test_id}",
            )
            failures = by_test.get(test_id, [])
            if failures:
                summary = "; ".join(f"{f.rule}: {mask.text(f.message)}" for f in failures)
                element = ElementTree.SubElement(case, "failure", message=xml_safe(summary)[:1000])
                element.text = xml_safe(
                    "\n\n".join(
                        failure_text(f, _token(result), show_secrets=show_secrets) for f in failures
                    )
                )
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)


__all__ = ["to_json", "to_junit", "to_text"]
