"""A run: a contract against a target, every method, every family, one report.

Order, for each method: the deterministic families (no hypothesis engine; each made when the
one before it is sent, so the first case goes out at once) then the valid family
(``conformance.engine.valid``). The target is proven reachable before anything is sent
(``Unreachable``); its first answers are judged for the run's own mistakes, once for the whole
run (``conformance.engine.setup``). A Ctrl-C raises ``Interrupted`` carrying the report of what
ran so far, SIGTERM ``Terminated`` (an ``Interrupted``); a target that stops answering, or
``Settings.max_failures`` reached, ends the run early with its report (``Report.stopped``).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

from conformance.engine.checks import RunState
from conformance.engine.contract import Contract, MethodContract
from conformance.engine.interrupts import CtrlC, kept
from conformance.engine.interrupts import Terminated as SigTerm
from conformance.engine.results import Interrupted, Report
from conformance.engine.session import Proof, Session, Stop
from conformance.engine.settings import Settings
from conformance.engine.setup import Unreachable
from conformance.engine.transport import Target, reachable
from conformance.generation.cases import SUCCESS, Case
from conformance.validation.masking import mask_url


class Terminated(Interrupted):
    """SIGTERM ended the run; ``report`` holds what ran until then."""


def new_report(target_url: str, contract: Contract, settings: Settings) -> Report:
    """An empty report of ``contract`` run against ``target_url``."""
    return Report(target_url, settings, contract=contract.name, revision=contract.revision)


def session_for(
    target_url: str,
    contract: Contract,
    method: MethodContract,
    settings: Settings,
    report: Report,
    *,
    state: RunState | None = None,
    ctrl_c: CtrlC | None = None,
    proof: Proof | None = None,
) -> Session:
    """A session for one method of ``contract``; ``state``, ``ctrl_c`` and ``proof`` are the
    run's own where several sessions make one run."""
    return Session(
        Target.parse(target_url),
        settings,
        report,
        method,
        state=state,
        ctrl_c=ctrl_c,
        proof=proof,
        qualified=contract.qualified,
    )


def run(target_url: str, contract: Contract, *, settings: Settings) -> Report:
    """Run every family of every method of ``contract`` against ``target_url``."""
    target = Target.parse(target_url)
    plans = [(method, method.families()) for method in contract.methods]
    # settings the plan cannot take are refused before anything is sent
    first = next(plans[0][1], None) if plans else None
    settings.tls_for(target.url)  # TLS files that cannot be read are refused first
    why = reachable(target, min(settings.timeout, 5.0))
    if why is not None:
        raise Unreachable(
            f"the target {mask_url(target_url, settings.token)} is unreachable: {why}; "
            f"check {settings.option('url')}"
        )
    report = new_report(target_url, contract, settings)
    state = RunState(
        revision=settings.revision,
        role=settings.role,
        hints=contract.revision is not None,
        strict=settings.strict,
        max_response_time=settings.max_response_time,
    )
    proof = Proof()
    started = time.perf_counter()
    try:
        with kept() as ctrl_c:
            if contract.prepare is not None:
                # what the target takes, learnt before the families: the contract as it runs
                def session_of(method: MethodContract) -> Session:
                    return Session(
                        target,
                        settings,
                        report,
                        method,
                        state=state,
                        ctrl_c=ctrl_c,
                        proof=proof,
                        qualified=contract.qualified,
                    )

                prepared, _ = contract.prepare(contract, session_of, True)
                if any(a is not b for a, b in zip(prepared.methods, contract.methods, strict=True)):
                    contract = prepared
                    plans = [(method, method.families()) for method in contract.methods]
                    first = None
            for method in contract.methods:
                report.notes.extend(method.notes)
            for index, (method, families) in enumerate(plans):
                session = session_for(
                    target_url,
                    contract,
                    method,
                    settings,
                    report,
                    state=state,
                    ctrl_c=ctrl_c,
                    proof=proof,
                )
                try:
                    _run_method(session, first if index == 0 else None, families)
                finally:
                    session.close()
                if proof.stopped is not None:  # hypothesis may have kept it to itself
                    raise proof.stopped
    except Stop as stop:
        if str(stop):
            report.stopped = str(stop)
            report.notes.append(str(stop))
    except KeyboardInterrupt as signal:
        name = "SIGTERM" if isinstance(signal, SigTerm) else "Ctrl-C"
        report.stopped = f"interrupted ({name}) after {report.cases_sent} cases"
        report.notes.append(report.stopped)
        raise (Terminated if isinstance(signal, SigTerm) else Interrupted)(report) from None
    finally:
        report.elapsed = time.perf_counter() - started
        for note in (budget_note(report), selection_note(report)):
            if note is not None:
                report.notes.append(note)
    return report


def selection_note(report: Report) -> str | None:
    """The report's note of the cases and rules ``Settings.selection`` left out, or ``None``:
    it left out none."""
    selection = report.settings.selection
    if not selection:
        return None
    cut = ", ".join(f"{family} {count}" for family, count in report.deselected.items())
    left = sum(report.deselected.values())
    parts = [f"{left} cases of the plan not sent ({cut})"] if left else []
    if selection.narrows_rules:
        parts.append("the rules not selected not judged")
    return f"selected ({selection.words(report.settings.option)}): " + (
        "; ".join(parts) or "every case of the plan matched"
    )


def budget_note(report: Report) -> str | None:
    """The report's note of the cases ``Settings.max_creates`` cut, or ``None``: none."""
    if not report.not_sent:
        return None
    settings = report.settings
    cut = ", ".join(f"{family} {count}" for family, count in report.not_sent.items())
    return (
        f"{sum(report.not_sent.values())} cases not sent ({cut}): "
        f"{settings.option('max_creates')} {settings.max_creates} reached after "
        f"{len(report.created)} creations; the cases that may create were cut"
    )


def _run_method(
    session: Session,
    first: tuple[str, list[Case]] | None,
    families: Iterator[tuple[str, list[Case]]],
) -> None:
    from conformance.engine.valid import run_valid

    settings = session.settings
    for family, cases in itertools.chain([first] if first is not None else [], families):
        if settings.on_family is not None:
            settings.on_family(family, len(cases))
        for case in cases:
            if not session.chosen(case):  # left out by the user's selection
                continue
            if session.cut(case):  # --max-creates reached: a case that may create is not sent
                continue
            session.record(session.evaluate(session.exchange(case)))
    if "valid" in settings.families:
        valid = Case("valid", "valid", "valid", SUCCESS)
        if not settings.selection.case("valid", "valid", session.test_id(valid)):
            if settings.max_examples:  # the examples of its budget, left out
                session.report.deselected["valid"] = settings.max_examples
            return
        if settings.on_family is not None and settings.max_examples:
            settings.on_family("valid", settings.max_examples)
        run_valid(session)


def probe(target_url: str, contract: Contract, settings: Settings) -> None:
    """Send the first case that should succeed alone; raise ``SetupFailed`` where its answer
    shows the run's own mistake (no JSON-RPC server at the URL, a token, ids or a role the
    target refuses). For the pytest plugin, whose tests run apart; ``run`` judges its own
    first exchanges."""
    for method in contract.methods:
        for _, cases in method.families():
            case = next((case for case in cases if case.expect == SUCCESS), None)
            if case is None:
                continue
            report = new_report(target_url, contract, settings)
            session = session_for(target_url, contract, method, settings, report)
            try:
                session.exchange(case)  # raises SetupFailed
            finally:
                session.close()
            return


__all__ = [
    "Terminated",
    "budget_note",
    "new_report",
    "probe",
    "run",
    "selection_note",
    "session_for",
]
