"""What ``conformance fuzz`` writes: each new defect as it is found (on stderr, a line each),
the report in the chosen form, JUnit, and the reason a run could not start (in ``--output
json`` and ``--junitxml`` too, so that CI is told why)."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from typing import IO, TYPE_CHECKING
from xml.etree import ElementTree

if TYPE_CHECKING:
    from conformance.cli import Streams
    from conformance.cli.fuzz.ci import CiRun
    from conformance.engine.results import Defect, Failure, Report
    from conformance.reporting.baseline import Baseline

#: The longest message quoted on a defect's line while the run goes on (the report has all).
FOUND_MESSAGE_LENGTH = 240


class Findings:
    """Writes a line (``write``: the progress line's ``note``, on stderr) for each new defect
    as the run finds it, so that a CI log shows them before the end of a long run; the token
    and the secret headers masked as in the report."""

    def __init__(
        self, write: Callable[[str], None], token: str, show_secrets: bool = False
    ) -> None:
        self.write = write
        self.token = token
        self.show_secrets = show_secrets
        self.seen: set[Defect] = set()
        #: the run's baseline, where one is used: a defect it knows is said to be known
        self.baseline: Baseline | None = None

    def __call__(self, failure: Failure) -> None:
        from conformance.engine.results import defect_of
        from conformance.reporting.groups import defect_words
        from conformance.reporting.redaction import Masker

        defect = defect_of(failure)
        if defect in self.seen:
            return
        self.seen.add(defect)
        mask = Masker(self.token, self.show_secrets)
        case = "" if failure.case == failure.label else f" (case {failure.case})"
        message = " ".join(mask.text(failure.message).split())
        if len(message) > FOUND_MESSAGE_LENGTH:
            message = message[: FOUND_MESSAGE_LENGTH - 1] + "…"
        known = self.baseline is not None and self.baseline.get(defect) is not None
        said = " (known: baseline)" if known else ""
        self.write(
            f"conformance fuzz: defect {len(self.seen)} found{said}: "
            f"{defect_words(defect, mask.text)}"
            f"{case}: {message}"
        )


def check_writable(path: str) -> str | None:
    """Why ``path`` cannot be written, or ``None``; checked before the run, not after it."""
    existed = os.path.exists(path)
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as error:
        return error.strerror or str(error)
    if not existed:
        os.remove(path)
    return None


def write(path: str, text: str) -> None:
    """``text`` into the file ``path`` (a report), as UTF-8."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def write_setup_error(args: argparse.Namespace, streams: Streams, message: str) -> None:
    """A run that could not start still tells CI why: in --output json and in --junitxml."""
    if args.output == "json":
        from conformance.engine.reproduce import TOKEN_ENV
        from conformance.validation.masking import mask_url

        target = mask_url(args.url, args.token or os.environ.get(TOKEN_ENV, ""))
        document = {"target": target, "conforms": False, "error": message, "exit_code": 2}
        streams.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    if args.junitxml:
        suite = ElementTree.Element(
            "testsuite", name="conformance", tests="1", failures="0", errors="1"
        )
        case = ElementTree.SubElement(suite, "testcase", classname="conformance", name="setup")
        ElementTree.SubElement(case, "error", message=message[:1000]).text = message
        write(args.junitxml, ElementTree.tostring(suite, encoding="unicode", xml_declaration=True))


def write_report(args: argparse.Namespace, report: Report, stdout: IO[str], ci: CiRun) -> None:
    """The report in the chosen form, with the baseline's judgement where one is used."""
    from conformance.reporting.formats import to_json, to_junit, to_text

    shown = ci.shown(report)
    secrets = args.show_secrets
    if args.output == "json":
        stdout.write(to_json(shown, show_secrets=secrets, extra=ci.json_extra()) + "\n")
    else:
        stdout.write(to_text(shown, show_secrets=secrets, verdict=ci.verdict))
    if args.output == "github":
        stdout.write(ci.annotations(report))
    if args.junitxml:
        write(args.junitxml, to_junit(shown, show_secrets=secrets, known=ci.known_tests()))


__all__ = ["Findings", "check_writable", "write", "write_report", "write_setup_error"]
