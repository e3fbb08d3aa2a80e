"""The options of ``conformance fuzz`` for CI: a baseline of known failures, the HTML report,
saved failures for ``conformance replay``, the revision under test and GitHub's annotations.

The same for every contract. Kept apart from the command (which runs the contract and prints
the report) so that each grows on its own: the command calls ``CiRun.prepare`` before the run
(every path and the baseline checked before a case is sent), renders ``CiRun.shown(report)``
(the report without its known failures), and returns ``CiRun.finish``'s exit code.
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from conformance.errors import ArgumentError

if TYPE_CHECKING:
    from conformance.cli import Streams
    from conformance.engine.contract import Contract
    from conformance.engine.results import Report
    from conformance.reporting.baseline import Baseline, Judgement

#: Where failures are saved unless --save-failures says otherwise (``saved.DEFAULT_FOLDER``,
#: repeated here so that building the parser imports nothing of the runner).
DEFAULT_SAVE_FOLDER = ".conformance/failures"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the CI options to ``conformance fuzz``'s parser."""
    group = parser.add_argument_group("CI")
    group.add_argument(
        "--baseline",
        metavar="FILE",
        type=Path,
        help="known failures (TOML): they are reported but do not fail the run",
    )
    group.add_argument(
        "--baseline-update",
        action="store_true",
        help="write the baseline from this run (made if missing): every failure known",
    )
    group.add_argument(
        "--baseline-prune",
        action="store_true",
        help="remove the baseline's entries that no longer fail",
    )
    group.add_argument(
        "--report-html", metavar="PATH", type=Path, help="also write a self-contained HTML report"
    )
    group.add_argument(
        "--save-failures",
        metavar="DIR",
        type=Path,
        default=Path(DEFAULT_SAVE_FOLDER),
        help=f"a JSON file per failure, for `conformance replay` (default {DEFAULT_SAVE_FOLDER})",
    )
    group.add_argument("--no-save-failures", action="store_true", help="save no failure files")
    group.add_argument(
        # --revision is the contract's revision (seed or current); this is the code's
        "--code-revision",
        metavar="REV",
        help="the code revision under test, for the reports (default: $CONFORMANCE_REVISION, "
        "$GITHUB_SHA or $CI_COMMIT_SHA)",
    )


def _folder_writable(path: Path, option: str) -> None:
    folder = path.parent if path.parent != Path("") else Path(".")
    if not folder.is_dir():
        raise ArgumentError(f"cannot write {option} {path}: no folder {folder}")


@dataclass
class CiRun:
    """One run's CI outputs; see the module docstring."""

    args: argparse.Namespace
    baseline: Baseline | None = None
    judgement: Judgement | None = None
    #: signatures --baseline-update added
    added: list[Any] = field(default_factory=list)
    today: date = field(default_factory=date.today)

    @classmethod
    def prepare(cls, args: argparse.Namespace) -> CiRun:
        """Check the options and read the baseline, before any case is sent;
        ``ArgumentError`` for what cannot work."""
        from conformance.reporting import baseline as baselines

        for flag in ("baseline_update", "baseline_prune"):
            if getattr(args, flag) and args.baseline is None:
                option = "--" + flag.replace("_", "-")
                raise ArgumentError(f"{option} needs --baseline FILE: the file to write")
        if args.baseline_update and args.baseline_prune:
            raise ArgumentError(
                "--baseline-update already drops the entries that no longer fail; "
                "give it or --baseline-prune, not both"
            )
        run = cls(args)
        if args.baseline is not None:
            _folder_writable(args.baseline, "--baseline")
            if args.baseline_update and not args.baseline.exists():
                run.baseline = baselines.Baseline()
            else:
                run.baseline = baselines.load(args.baseline)
        if args.report_html is not None:
            _folder_writable(args.report_html, "--report-html")
        return run

    def shown(self, report: Report) -> Report:
        """The report to print: without its known failures where a baseline is used."""
        from conformance.engine.results import RuleCount, defect_of
        from conformance.reporting import baseline as baselines

        if self.baseline is None:
            return report
        args = self.args
        # a run cut short (a signal, a target that stopped) cannot tell a fixed entry from
        # one whose cases it did not reach: it fixes none, so an update drops none
        ran = report.test_ids if report.stopped is None else []
        # rules left out by --rule / --exclude-rule held nowhere: none of their entries is fixed
        judged = set(report.rules) if report.settings.selection.narrows_rules else None
        first = baselines.judge(report.failures, ran, self.baseline, self.today, judged)
        self.judgement = first
        if args.baseline_update or args.baseline_prune:
            token = report.settings.token
            self.baseline = (
                baselines.updated(self.baseline, first, self.today, token)
                if args.baseline_update
                else baselines.pruned(self.baseline, first)
            )
            self.judgement = baselines.judge(
                report.failures, ran, self.baseline, self.today, judged
            )
            self.judgement.fixed = first.fixed
            self.added = sorted({defect_of(f) for f in first.new})
        failing = self.judgement.failing
        rules = {name: RuleCount(count.cases, 0) for name, count in report.rules.items()}
        for failure in failing:
            rules[failure.rule].failures += 1
        notes = [*report.notes, *self._notes()]
        return dataclasses.replace(report, failures=failing, rules=rules, notes=notes)

    def _notes(self) -> list[str]:
        judgement = self.judgement
        if judgement is None:
            return []
        notes = list(self.baseline.notes if self.baseline is not None else ())
        notes += [
            f"known (baseline): {e.text}, {_cases(len(f))}"
            + (" (added now)" if e.key in self.added else "")
            for e, f in sorted(judgement.known.items())
        ]
        notes += [
            f"expired (baseline, {e.expires}): {e.text} fails again"
            for e in sorted(judgement.expired)
        ]
        rewritten = self.args.baseline_prune or self.args.baseline_update
        notes += [
            f"fixed (baseline): {e.text} no longer fails"
            + ("; removed from the baseline" if rewritten else "; --baseline-prune removes it")
            for e in judgement.fixed
        ]
        return notes

    @property
    def verdict(self) -> str | None:
        """The verdict line of the text report where a baseline is used."""
        from conformance.reporting.baseline import verdict

        return None if self.judgement is None else verdict(self.judgement)

    def json_extra(self) -> dict[str, Any]:
        """The ``baseline`` member of the JSON report."""
        judgement = self.judgement
        if judgement is None:
            return {}

        def entry(e: Any, failures: list[Any] | None = None) -> dict[str, Any]:
            shown = {"rule": e.rule, "test_id": e.test_id, "member": e.member or None}
            shown["reason"] = e.reason
            if e.expires is not None:
                shown["expires"] = e.expires.isoformat()
            if failures is not None:
                shown["cases"] = len(failures)
            return shown

        return {
            "baseline": {
                "file": str(self.args.baseline),
                "passed": judgement.passed,
                "known": [entry(e, f) for e, f in sorted(judgement.known.items())],
                "expired": [entry(e, f) for e, f in sorted(judgement.expired.items())],
                "fixed": [entry(e) for e in judgement.fixed],
                "not_run": [entry(e) for e in judgement.not_run],
            }
        }

    def known_tests(self) -> dict[str, str]:
        """Known tests for the JUnit report, each with its entries' reasons."""
        known: dict[str, str] = {}
        for entry, failures in sorted(self.judgement.known.items() if self.judgement else []):
            reason = f"known failure {entry.text} (baseline): {entry.reason}"
            for test_id in dict.fromkeys(f.test_id for f in failures):
                known[test_id] = "; ".join(filter(None, [known.get(test_id), reason]))
        return known

    def annotations(self, report: Report) -> str:
        from conformance.reporting.github import workflow_commands

        return workflow_commands(report, self.judgement, report.settings.token)

    def finish(self, report: Report, contract: Contract, streams: Streams) -> int:
        """Write the CI outputs; the exit code: 0 when nothing fails (known failures aside),
        1 when something does, 2 when an output cannot be written."""
        from conformance.reporting import baseline as baselines
        from conformance.reporting import github, saved
        from conformance.reporting.html import to_html
        from conformance.reporting.run_info import RunInfo

        args = self.args
        settings = report.settings
        info = RunInfo.of(report.target, settings, args.code_revision, contract=contract)
        judgement = self.judgement
        try:
            if self.baseline is not None and (args.baseline_update or args.baseline_prune):
                baselines.write(args.baseline, self.baseline)
                streams.stderr.write(
                    f"conformance fuzz: baseline {args.baseline}: "
                    f"{len(self.baseline.entries)} entries written\n"
                )
            if not args.no_save_failures:
                written = saved.save(
                    report.failures, args.save_failures, info, settings.token, contract
                )
                if written:
                    streams.stderr.write(
                        f"conformance fuzz: {len(written)} failures saved in "
                        f"{args.save_failures}/ (conformance replay {args.save_failures})\n"
                    )
            if args.report_html is not None:
                cases = (
                    case
                    for method in contract.methods
                    for _, made in method.families()
                    for case in made
                )
                args.report_html.write_text(
                    to_html(report, info, settings.token, judgement=judgement, open_cases=cases),
                    encoding="utf-8",
                )
            if args.output == "github":
                github.write_summary(github.summary(report, judgement, info, settings.token))
        except OSError as error:
            where = error.filename or ""
            streams.stderr.write(
                f"conformance fuzz: error: cannot write {where}: {error.strerror or error}\n"
            )
            return EXIT_USAGE
        passed = report.conforms if judgement is None else judgement.passed
        return EXIT_OK if passed else EXIT_FAILED


def _cases(number: int) -> str:
    return "1 case" if number == 1 else f"{number} cases"


__all__ = ["DEFAULT_SAVE_FOLDER", "CiRun", "configure"]
