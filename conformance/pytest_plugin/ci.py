"""The plugin's CI hooks: the baseline (known failures xfail), the HTML report, saved
failures, and the site ids shared by pytest-xdist's workers.

Registered by ``conformance.pytest_plugin`` once a target is given. Each test process (the only
one, or each xdist worker) gathers the failures of the tests it ran, as raised by the suite's
``RulesBroken``; a worker hands its part to the controller in ``workeroutput`` (scrubbed records,
``conformance.reporting.saved``, and what it sent and did not judge in full), and the controller,
which alone writes files and the summary's lists, merges them into one report at the end of the
session (``RUN_REPORT_KEY``).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Generator
from datetime import date
from pathlib import Path
from typing import Any, Final

import pytest

from conformance.engine.contract import Contract
from conformance.engine.results import Failure, MethodTally, Report, RuleCount, defect_of
from conformance.engine.runner import new_report
from conformance.generation.cases import TEST_NAMES, test_id
from conformance.pytest_plugin.options import (
    BASELINE_OPTION,
    REPORT_HTML_OPTION,
    SAVE_FAILURES_OPTION,
    SETTINGS_KEY,
    dest,
    target_url,
)
from conformance.pytest_plugin.shared import (
    CONTRACT_KEY,
    KNOWN_KEY,
    REPORT_KEY,
    RUN_REPORT_KEY,
    SHARED_IDS,
    KnownDefects,
    RulesBroken,
)

#: The key of a worker's part of the run in ``workeroutput``.
WORKER_REPORT: Final = "conformance_report"

_FAMILY_OF_TEST: Final = {name: family for family, name in TEST_NAMES.items()}


def suite_test_id(item: pytest.Item) -> str | None:
    """The runner's test id of a suite item (``test_valid_accepted[valid]`` for the valid
    family's one test; ``method::`` before it in a contract of several methods), or ``None``
    for any other item."""
    contract = item.config.stash.get(CONTRACT_KEY, None)
    method, _, rest = item.nodeid.partition("::")
    if contract is None or not rest or method not in {m.name for m in contract.methods}:
        return None
    name = item.name
    if "[" not in name:
        family = _FAMILY_OF_TEST.get(name)
        if family is None:
            return None
        name = test_id(family, family)
    return f"{method}::{name}" if contract.qualified else name


def _broken(error: BaseException | None) -> list[Failure] | None:
    """The failures a test raised (``RulesBroken``, alone or grouped by hypothesis); ``None``
    where anything else went wrong, which no baseline excuses."""
    if isinstance(error, RulesBroken):
        return error.failures
    if isinstance(error, BaseExceptionGroup):
        found = [_broken(inner) for inner in error.exceptions]
        if any(part is None for part in found):
            return None
        return [failure for part in found if part for failure in part]
    return None


class _XdistHooks:
    """The xdist hooks, registered only where xdist is: pluggy refuses unknown hooks. Each
    worker learns where the shared ids are, and hands back its part of the run."""

    def __init__(self, folder: Path, parts: list[dict[str, Any]]) -> None:
        self.folder = folder
        self.parts = parts

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[SHARED_IDS] = str(self.folder)

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        part = getattr(node, "workeroutput", {}).get(WORKER_REPORT)
        if part is not None:
            self.parts.append(part)


class CiHooks:
    """See the module docstring."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.worker = hasattr(config, "workerinput")
        self.failures: list[Failure] = []
        self.parts: list[dict[str, Any]] = []
        self.today = date.today()
        self.started = time.perf_counter()
        self.baseline: Any = None
        self.judgement: Any = None
        html_path = config.getoption(dest(REPORT_HTML_OPTION))
        if html_path and not Path(html_path).absolute().parent.is_dir():
            raise pytest.UsageError(
                f"{REPORT_HTML_OPTION} {html_path}: no folder {Path(html_path).parent}"
            )
        path = config.getoption(dest(BASELINE_OPTION))
        if path:
            from conformance.errors import ArgumentError
            from conformance.reporting.baseline import load

            try:
                self.baseline = load(Path(path))
            except ArgumentError as error:
                raise pytest.UsageError(f"{BASELINE_OPTION}: {error}") from None
            config.stash[KNOWN_KEY] = KnownDefects(self._is_known)
        self.shared: Path | None = None
        if not self.worker and config.pluginmanager.hasplugin("xdist"):
            self.shared = Path(tempfile.mkdtemp(prefix="conformance-run-"))
            hooks = _XdistHooks(self.shared, self.parts)
            config.pluginmanager.register(hooks, "conformance-xdist")

    # --- the tests -----------------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        test = suite_test_id(item)
        if call.when != "call" or test is None:
            return report
        known = self.config.stash.get(KNOWN_KEY, None)
        # the known failures the valid family's test set aside to draw on (``KnownDefects``)
        met = known.met(test) if known is not None else []
        failures = _broken(call.excinfo.value if call.excinfo else None) if report.failed else []
        self.failures.extend(met)
        if failures is None or report.skipped or not (met or failures):
            return report
        self.failures.extend(failures)
        if self.baseline is not None:
            self._judge(report, test, met + failures)
        return report

    def _is_known(self, failure: Failure) -> bool:
        """Whether the baseline knows ``failure``'s defect, by an entry not expired."""
        entry = self.baseline.get(defect_of(failure))
        return entry is not None and not entry.expired(self.today)

    def _judge(self, report: pytest.TestReport, test: str, failures: list[Failure]) -> None:
        from conformance.reporting.baseline import judge

        judgement = judge(failures, [test], self.baseline, self.today)
        if judgement.passed:
            report.outcome = "skipped"
            report.wasxfail = "; ".join(
                f"known failure {e.text} (baseline): {e.reason or 'no reason given'}"
                for e in sorted(judgement.known)
            )
            return
        said = [
            f"baseline entry {e.text} expired on {e.expires}: it fails again"
            for e in sorted(judgement.expired)
        ]
        said += [f"known failure {e.text} (baseline)" for e in sorted(judgement.known)]
        said += [f"not in the baseline: {text}" for text in self._defects(judgement.new)]
        if said:
            report.sections.append(("conformance baseline", "\n".join(said)))

    def _defects(self, failures: list[Failure]) -> list[str]:
        """The defects of ``failures`` in words, once each, the token masked (a member is
        named by the target)."""
        from conformance.reporting.groups import defect_words
        from conformance.reporting.redaction import scrub_text

        token = self.config.stash[SETTINGS_KEY].token

        def hide(member: str) -> str:
            return scrub_text(member, token)

        return list(dict.fromkeys(defect_words(defect_of(f), hide) for f in failures))

    # --- the end of the session ----------------------------------------------------------------

    def _own_part(self) -> dict[str, Any] | None:
        from conformance.reporting.run_info import RunInfo
        from conformance.reporting.saved import record

        report = self.config.stash.get(REPORT_KEY, None)
        if report is None or not report.cases_sent:
            return None
        info = RunInfo.of(report.target, report.settings, contract=self._contract)
        return {
            "cases_sent": report.cases_sent,
            "families": report.families,
            "cases": {name: count.cases for name, count in report.rules.items()},
            "test_ids": report.test_ids,
            "notes": report.notes,
            "not_judged": report.not_judged,
            "methods": {
                name: {"cases": tally.cases_sent, "families": tally.families}
                for name, tally in report.methods.items()
            },
            "failures": [record(f, info, report.settings.token) for f in self.failures],
        }

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        part = self._own_part()
        if self.worker:
            if part is not None:
                output: dict[str, Any] = getattr(self.config, "workeroutput")  # noqa: B009
                output[WORKER_REPORT] = part
            return
        if part is not None:
            self.parts.append(part)
        if self.parts:  # no test ran (an unreachable target, a refused token): nothing to say
            merged = self._merged()
            self.config.stash[RUN_REPORT_KEY] = merged
            self._write(merged)

    def _merged(self) -> Report:
        from conformance.reporting.saved import from_record

        settings = self.config.stash[SETTINGS_KEY]
        url = target_url(self.config) or ""
        report = new_report(url, self._contract, settings)
        for part in self.parts:
            for name, tally in part.get("methods", {}).items():
                merged = report.methods.setdefault(name, MethodTally())
                merged.cases_sent += tally["cases"]
                for family, count in tally["families"].items():
                    merged.families[family] = merged.families.get(family, 0) + count
            report.cases_sent += part["cases_sent"]
            for family, count in part["families"].items():
                report.families[family] = report.families.get(family, 0) + count
            for name, cases in part["cases"].items():
                report.rules.setdefault(name, RuleCount()).cases += cases
            report.test_ids += [t for t in part["test_ids"] if t not in report.test_ids]
            report.notes += part["notes"]
            for where, why in part["not_judged"].items():
                report.not_judged.setdefault(where, why)
            report.failures += [from_record(r).failure for r in part["failures"]]
        for failure in report.failures:
            report.rules.setdefault(failure.rule, RuleCount()).failures += 1
            if failure.method in report.methods:
                report.methods[failure.method].failures += 1
        report.elapsed = time.perf_counter() - self.started
        return report

    def _write(self, report: Report) -> None:
        from conformance.reporting.baseline import judge
        from conformance.reporting.html import to_html
        from conformance.reporting.run_info import RunInfo
        from conformance.reporting.saved import save

        contract = self._contract
        info = RunInfo.of(report.target, report.settings, contract=contract)
        token = report.settings.token
        if self.baseline is not None:
            self.judgement = judge(report.failures, report.test_ids, self.baseline, self.today)
        html_path = self.config.getoption(dest(REPORT_HTML_OPTION))
        if html_path:
            Path(html_path).write_text(
                to_html(
                    report,
                    info,
                    token,
                    judgement=self.judgement,
                    open_cases=(
                        case
                        for method in contract.methods
                        for _, cases in method.families()
                        for case in cases
                    ),
                ),
                encoding="utf-8",
            )
        folder = self.config.getoption(dest(SAVE_FAILURES_OPTION))
        if folder:
            save(report.failures, Path(folder), info, token, contract)

    @property
    def _contract(self) -> Contract:
        contract: Contract = self.config.stash[CONTRACT_KEY]
        return contract

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        judgement = self.judgement
        if judgement is None:
            return
        terminalreporter.write_sep("-", "conformance baseline")
        lines = list(self.baseline.notes)
        lines += [f"known: {e.text}" for e in sorted(judgement.known)]
        lines += [f"expired, fails again: {e.text}" for e in judgement.expired]
        lines += [f"new, not in the baseline: {text}" for text in self._defects(judgement.new)]
        lines += [
            f"fixed, no longer fails: {e.text} (conformance fuzz --baseline-prune removes it)"
            for e in judgement.fixed
        ]
        for line in lines or ["no entry of the baseline was met"]:
            terminalreporter.write_line(line)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self.shared is not None:
            shutil.rmtree(self.shared, ignore_errors=True)


def register(config: pytest.Config) -> None:
    """Register the CI hooks for a session with a target."""
    config.pluginmanager.register(CiHooks(config), "conformance-ci")


__all__ = ["CiHooks", "register", "suite_test_id"]
