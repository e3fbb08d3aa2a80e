"""``make mutate``: mutation testing (cosmic-ray) of the modules where a bug costs users most,
each against the tests that guard it; the score per module and every survivor listed.

    .venv/bin/python tools/mutation/mutate.py [MODULE ...] [--list | --report | --again]

cosmic-ray mutates each module in place, one mutant at a time, and runs the module's tests
(``MODULES``); a mutant those tests fail on is killed. Equivalent mutants (no test can tell them
apart, because nothing a user sees differs) are listed with the reason in
tools/mutation/equivalent.toml and reported as such, never dropped silently. Sessions are kept in
.mutation/ (one SQLite file per module). ``--again`` runs only a kept session's survivors, against
the tests as they are now (after tests were written for them), and finishes a session stopped
part-way: a mutant killed stays killed while the module is unchanged and tests are only added, so
it refuses a module changed since its session. Not part of ``make test``: a CI recipe runs it on
a schedule (examples/ci/mutation-schedule.yml).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORK = ROOT / ".mutation"
EQUIVALENT = ROOT / "tools" / "mutation" / "equivalent.toml"

#: Each module and the tests that guard it (what a user would feel if it broke).
MODULES: dict[str, list[str]] = {
    "conformance/validation/masking.py": [
        "tests/validation/test_secrets.py",
        "tests/validation/test_what_validate_shows.py",
        "tests/fuzz/test_redaction.py",
        # mask_url: a key in the target URL, and a token of "/" or of the port's digits
        "tests/fuzz/test_key_in_target_url.py",
        "tests/fuzz/test_secrets_and_replay.py",
        # quoted_forms: a hook's error quoting the token as Python or JSON quote it
        "tests/fuzz/test_what_reports_mask.py::test_a_hook_whose_error_quotes_the_token_shows_it_masked",
        # a member's name holding the token, in the saved failures
        "tests/fuzz/test_what_reports_mask.py::test_a_token_used_as_a_member_name_is_masked_in_every_output",
    ],
    "conformance/validation/validator.py": [
        "tests/validation",
        # has_lone_surrogate's member names, which no validation test reaches: the engine
        # refuses such a name itself, and only a reply read by the fuzzer is walked for them
        "tests/fuzz/test_robustness.py::test_a_lone_surrogate_in_a_reply_is_read_as_a_reader_replaces_it",
    ],
    "conformance/reporting/redaction.py": [
        "tests/fuzz/test_what_reports_mask.py",
        "tests/fuzz/test_redaction.py",
        "tests/fuzz/test_token_echo.py",
        "tests/fuzz/test_secrets_and_replay.py",
        # Masker.url: a key in the target URL, masked in the reports' headings
        "tests/fuzz/test_key_in_target_url.py",
    ],
    "conformance/reporting/saved.py": [
        "tests/fuzz/test_saved_files.py",
        "tests/fuzz/test_saved_records_kept.py",
        "tests/fuzz/test_what_reports_mask.py",
        "tests/fuzz/test_replay_settings.py",
        "tests/fuzz/test_replay.py",
        "tests/fuzz/test_token_echo.py",
        "tests/fuzz/test_what_users_get.py",
    ],
    "conformance/reporting/baseline.py": [
        "tests/fuzz/test_baseline_files.py",
        "tests/fuzz/test_baseline.py",
        "tests/fuzz/test_every_defect.py::test_a_new_defect_on_another_member_fails_a_baselined_run",
        "tests/fuzz/test_every_defect.py::test_a_version_1_baseline_is_read_with_a_note",
        "tests/fuzz/test_token_echo.py::test_the_baseline_quotes_the_failures_with_the_echo_masked",
        "tests/fuzz/test_what_users_get.py::test_baseline_update_keeps_the_entries_of_tests_that_did_not_run",
        "tests/fuzz/test_github_output.py::test_the_job_summary_and_annotations_show_the_baseline",
        "tests/openrpc/test_openrpc_cli.py::test_every_ci_option_works_on_an_openrpc_document",
    ],
    "conformance/reporting/formats.py": [
        "tests/openrpc/test_report_summaries.py",
        "tests/fuzz/test_report_forms.py",
        "tests/fuzz/test_report_lines.py",
        "tests/fuzz/test_fuzz_cli.py",
        "tests/fuzz/test_reproductions.py",
        "tests/fuzz/test_secrets_and_replay.py",
        "tests/fuzz/test_what_reports_mask.py",
        "tests/fuzz/test_token_echo.py",
        "tests/fuzz/test_every_defect.py::test_three_defects_of_one_rule_on_three_members_each_get_their_example",
        "tests/fuzz/test_every_defect.py::test_past_the_examples_every_other_defect_gets_a_line",
        "tests/fuzz/test_every_defect.py::test_the_html_verdict_counts_those_of_the_text_and_names_the_contract_revision",
        "tests/openrpc/test_openrpc_cli.py",
        # the setup line where only the target URL holds the key
        "tests/fuzz/test_key_in_target_url.py::test_a_key_in_the_url_alone_still_gets_the_line_that_sets_it",
    ],
    "conformance/reporting/github.py": [
        "tests/fuzz/test_github_output.py",
        "tests/fuzz/test_html_report.py",
        "tests/fuzz/test_token_echo.py",
    ],
    "conformance/reporting/html.py": [
        "tests/fuzz/test_html_report_details.py",
        "tests/fuzz/test_html_report.py",
        "tests/fuzz/test_token_echo.py",
        "tests/fuzz/test_every_defect.py::test_the_html_verdict_counts_those_of_the_text_and_names_the_contract_revision",
        "tests/fuzz/test_every_defect.py::test_with_a_baseline_the_html_verdict_is_the_texts_too",
        "tests/fuzz/test_fuzz_cli.py::test_strict_judges_a_decision_the_default_run_leaves_open",
        "tests/fuzz/test_reproductions.py",
        "tests/fuzz/test_hostile_targets.py::test_the_html_report_says_no_reply_where_the_connection_was_cut",
        "tests/openrpc/test_openrpc_cli.py::test_a_document_run_says_what_no_check_of_a_document_looks_at",
    ],
    "conformance/cli/replay.py": [
        "tests/fuzz/test_replay_settings.py",
        "tests/fuzz/test_replay.py",
        "tests/fuzz/test_what_users_get.py",
        # the profile a file saved before profiles is judged by
        "tests/openrpc/test_openrpc_profiles.py::test_replay_judges_a_saved_failure_under_the_profile_it_was_found_with",
    ],
    # a false alarm fails the reference server's run; a missed defect, its mutant's score
    "conformance/engine/checks.py": [
        "tests/fuzz/test_runner_reference.py",
        "tests/test_mutation_score.py",
        "tests/fuzz/test_hostile_targets.py",
        "tests/fuzz/test_robustness.py",
        "tests/fuzz/test_setup_errors.py",
        "tests/fuzz/test_stopping_runs.py",
        "tests/fuzz/test_fuzz_cli.py",
        "tests/fuzz/test_one_case_at_a_time.py",
        "tests/openrpc/test_openrpc_user_verdicts.py",
        "tests/openrpc/test_openrpc_reply_verdicts.py",
        "tests/openrpc/test_openrpc_export.py::test_a_run_of_the_exported_document_gives_no_revision_hint",
        "tests/openrpc/test_openrpc_runner.py",
        "--deselect",
        "tests/openrpc/test_openrpc_runner.py::test_the_same_verdicts_as_the_built_in_contract",
    ],
    "conformance/generation/cases.py": [
        "tests/fuzz/test_generation.py",
        "tests/fuzz/test_patterns.py",
        "tests/fuzz/test_runner_reference.py",
        "tests/fuzz/test_robustness.py",
        "tests/contract/test_decisions.py",
        "tests/test_mutation_score.py",
        "tests/openrpc/test_openrpc_schema_semantics.py",
        "tests/openrpc/test_openrpc_public_documents.py::test_planning_searches_for_almost_no_value",
        "tests/fuzz/test_what_users_get.py::test_a_server_that_takes_null_for_a_required_member_fails",
        "tests/openrpc/test_openrpc_runner.py",
        "--deselect",
        "tests/openrpc/test_openrpc_runner.py::test_the_same_verdicts_as_the_built_in_contract",
    ],
    "conformance/engine/limits.py": [
        "tests/fuzz/test_rate_limit_waits.py",
        "tests/fuzz/test_rate_limits.py",
        "tests/fuzz/test_what_users_get.py",
    ],
    # the runner's every-mutant comparison reads the document as each test does, at 80 s
    "conformance/openrpc/document.py": [
        "tests/openrpc/test_openrpc_schema_meaning.py",
        "tests/openrpc/test_openrpc_schema_semantics.py",
        "tests/openrpc/test_openrpc_user_verdicts.py",
        "tests/openrpc/test_openrpc_runner.py",
        "--deselect",
        "tests/openrpc/test_openrpc_runner.py::test_the_same_verdicts_as_the_built_in_contract",
        "tests/openrpc/test_openrpc_generic_words.py",
        "tests/openrpc/test_openrpc_contested_formats.py",
        "tests/openrpc/test_openrpc_generated_documents.py",
        "tests/openrpc/test_openrpc_cli.py",
    ],
    "conformance/server/store.py": [
        "tests/server/test_store.py",
        "tests/server/test_token_at_rest.py",
        "tests/server/test_app.py::test_duplicate_domain_is_case_insensitive_per_customer",
    ],
}

#: The operator swaps kept, as mutmut makes them: each comparison's boundary (``<`` and ``<=``)
#: and its negation (``==`` and ``!=``, ``<`` and ``>=``, ``is`` and ``is not``, ``in`` and
#: ``not in``), arithmetic's inverse (``+`` and ``-``, ``*`` and ``/``), a sign dropped.
#: cosmic-ray's other swaps (``==`` into ``<`` on strings, ``is`` for ``==``, ``+`` into ``**``,
#: ``-1`` into ``~1``) crash at once or repeat one of these: they would triple the run's time
#: and test nothing more.
KEPT_SWAPS = {
    "ReplaceComparisonOperator": [
        "Eq_NotEq",
        "NotEq_Eq",
        "Is_IsNot",
        "IsNot_Is",
        "In_NotIn",
        "NotIn_In",
        "Lt_LtE",
        "LtE_Lt",
        "Gt_GtE",
        "GtE_Gt",
        "Lt_GtE",
        "LtE_Gt",
        "Gt_LtE",
        "GtE_Lt",
    ],
    "ReplaceBinaryOperator": ["Add_Sub", "Sub_Add", "Mul_Div", "Div_Mul"],
    "ReplaceUnaryOperator": ["Delete_Not", "USub_UAdd"],
}
#: cr-filter-operators takes the operators to leave out: every swap of those families but the kept.
EXCLUDED_OPERATORS = [
    rf"core/{family}_(?!({'|'.join(kept)})$).*" for family, kept in KEPT_SWAPS.items()
]

#: One mutant's tests run at most this many times as long as they do on the unmutated module
#: (and at least MINIMUM_TIMEOUT seconds): a mutant that makes a test hang is killed by it.
TIMEOUT_FACTOR = 4.0
MINIMUM_TIMEOUT = 15.0

#: The tests run without pytest's auto-loaded plugins (schemathesis, xdist, anyio... take 2-3 s
#: to import, more than most modules' tests take to run), with the two the suite uses; against
#: this tree's package, whatever the venv's editable install points at.
PLUGINS = ["-p", "conformance.pytest_plugin", "-p", "_hypothesis_pytestplugin"]
ENVIRONMENT = {"PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def _pytest(tests: list[str]) -> list[str]:
    return [str(BIN / "pytest"), "-x", "-q", "-p", "no:cacheprovider", *PLUGINS, *tests]


def _baseline(module: str, tests: list[str]) -> float:
    """The module's tests on the unmutated module: how long they take (the mutants' timeout
    follows), and that they pass (where they fail already, every mutant would count killed)."""
    started = time.monotonic()
    run = subprocess.run(_pytest(tests), cwd=ROOT, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(
            f"{module}: its tests fail without a mutant; fix them first:\n{run.stdout[-3000:]}"
        )
    return time.monotonic() - started


def _config(
    module: str, tests: list[str], baseline: float, covering: Path | None = None, rest: bool = False
) -> Path:
    """cosmic-ray's configuration: every guard test for each mutant, or, given a coverage map,
    only the tests that ran the mutated line, or (``rest``) the guard's others
    (tools/mutation/covering.py)."""
    if covering is None:
        command = " ".join(_pytest(tests))
        suffix = ".toml"
    else:
        command = f"{BIN / 'python'} {ROOT / 'tools' / 'mutation' / 'covering.py'} {covering}"
        command += " --rest" if rest else ""
        suffix = ".rest.toml" if rest else ".covering.toml"
    timeout = max(MINIMUM_TIMEOUT, TIMEOUT_FACTOR * baseline)
    excluded = ", ".join(f"'{pattern}'" for pattern in EXCLUDED_OPERATORS)
    text = (
        "[cosmic-ray]\n"
        f'module-path = "{module}"\n'
        f"timeout = {timeout:.0f}\n"
        "excluded-modules = []\n"
        f'test-command = "{command}"\n\n'
        "[cosmic-ray.distributor]\n"
        'name = "local"\n\n'
        "[cosmic-ray.filters.operators-filter]\n"
        f"exclude-operators = [{excluded}]\n"
    )
    path = _stem(module).with_suffix(suffix)
    path.write_text(text, "utf-8")
    return path


def _coverage_map(module: str, tests: list[str]) -> Path | None:
    """Which guard tests run each line of the unmutated module (coverage.py's per-test contexts,
    through pytest-cov), written with what covering.py needs; None where the run failed (every
    mutant then runs every guard test)."""
    stem = _stem(module)
    data_file = stem.with_suffix(".coverage")
    data_file.unlink(missing_ok=True)
    spawns = stem.with_suffix(".spawns.json")
    spawns.unlink(missing_ok=True)
    command = [
        str(BIN / "pytest"),
        "-q",
        "-p",
        "no:cacheprovider",
        *PLUGINS,
        "-p",
        "spawns",  # tools/mutation/spawns.py: the tests that start a process
        "-p",
        "pytest_cov",
        f"--cov={Path(module).parent}",
        "--cov-context=test",
        "--cov-report=",
        "--durations=0",  # each test's seconds: a mutant meets the quick ones first
        "--durations-min=0",
        *tests,
    ]
    environment = {
        **os.environ,
        "COVERAGE_FILE": str(data_file),
        "MUTATION_SPAWNS": str(spawns),
        "PYTHONPATH": os.pathsep.join((str(ROOT), str(ROOT / "tools" / "mutation"))),
    }
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=environment)
    if run.returncode != 0 or not data_file.exists():
        failed = run.stdout[-1500:]
        print(f"{module}: no coverage map (every mutant runs every guard test):\n{failed}")
        return None
    from coverage import CoverageData

    data = CoverageData(basename=str(data_file))
    data.read()
    by_line = data.contexts_by_lineno(str(ROOT / module))
    seconds: dict[str, float] = {}
    for line in run.stdout.splitlines():
        timed = re.match(r"([\d.]+)s (?:setup|call|teardown) +(\S.*)$", line)
        if timed:
            seconds[timed[2]] = seconds.get(timed[2], 0.0) + float(timed[1])
    listed = subprocess.run(
        [str(BIN / "pytest"), "-q", "--collect-only", "-p", "no:cacheprovider", *PLUGINS, *tests],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    listed = [line for line in listed if "::" in line]
    order = {test: n for n, test in enumerate(listed)}

    def quickest_first(test: str) -> tuple[float, int, str]:  # a mutant most tests kill dies sooner
        return seconds.get(test, 0.0), order.get(test, len(order)), test

    # pytest-cov names a context "NODEID|run" (or |setup, |teardown); "" is the import's
    coverage = {
        str(line): sorted(
            {c.rpartition("|")[0] if "|" in c else c for c in contexts}, key=quickest_first
        )
        for line, contexts in by_line.items()
    }
    unmutated = stem.with_suffix(".unmutated")
    unmutated.write_bytes((ROOT / module).read_bytes())
    found = stem.with_suffix(".map.json")
    found.write_text(
        json.dumps(
            {
                "module": str(ROOT / module),
                "unmutated": str(unmutated),
                "coverage": coverage,
                "pytest": _pytest([]),
                "guard": tests,
                "tests": sorted(listed, key=quickest_first),
                # no file (the plugin did not run): a process may have started anywhere
                "spawns": json.loads(spawns.read_text("utf-8")) if spawns.exists() else None,
            }
        ),
        "utf-8",
    )
    return found


def _equivalents() -> list[dict[str, Any]]:
    return list(tomllib.loads(EQUIVALENT.read_text("utf-8")).get("equivalent", []))


def _equivalent(
    entries: list[dict[str, Any]], operator: str, text: str, column: int
) -> dict[str, Any] | None:
    """The entry that marks the mutant ``operator`` makes at ``column`` of the line ``text``
    equivalent, if one does: by operator and line text, and by column where the entry names
    one (a line holding the operator twice)."""
    return next(
        (
            entry
            for entry in entries
            if entry["operator"] == operator
            and entry["line"] in text
            and entry.get("column", column) == column
        ),
        None,
    )


def _mark_equivalents(session: Path, module: str) -> None:
    from cosmic_ray.work_db import use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    lines = (ROOT / module).read_text("utf-8").splitlines()
    entries = [e for e in _equivalents() if e["module"] == module]
    with use_db(str(session)) as db:
        for item in db.work_items:
            for mutation in item.mutations:
                row, column = mutation.start_pos
                entry = _equivalent(entries, mutation.operator_name, lines[row - 1].strip(), column)
                if entry is not None:
                    result = WorkResult(
                        worker_outcome=WorkerOutcome.SKIPPED,
                        output=f"equivalent: {entry['reason']}",
                    )
                    db.set_result(item.job_id, result)


def _results(session: Path, module: str) -> tuple[int, int, int, list[str]]:
    from cosmic_ray.work_db import use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    lines = (ROOT / module).read_text("utf-8").splitlines()
    killed = survived = equivalent = 0
    survivors = []
    with use_db(str(session)) as db:
        for item, result in db.completed_work_items:
            (mutation,) = item.mutations
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                equivalent += (result.output or "").startswith("equivalent:")
                continue
            if result.test_outcome == TestOutcome.SURVIVED:
                survived += 1
                line = mutation.start_pos[0]
                survivors.append(
                    f"  {module}:{line}: {mutation.operator_name} "
                    f"(occurrence {mutation.occurrence}): {lines[line - 1].strip()[:90]}"
                )
            else:  # killed, or incompetent (the mutant does not even import): a test failed
                killed += 1
    return killed, survived, equivalent, survivors


def _report(modules: list[str]) -> int:
    """The score of each module's kept session (equivalents marked again from the file as it is
    now); a session stopped part-way says how many mutants it did not run."""

    for module in modules:
        session = _session(module)
        if not session.exists():
            print(f"{module}: not measured")
            continue
        _mark_equivalents(session, module)
        killed, survived, equivalent, survivors = _results(session, module)
        pending = _pending(session)
        seconds = session.with_suffix(".seconds")
        took = f" in {seconds.read_text('utf-8').strip()} s" if seconds.exists() else ""
        print(
            _score_line(module, killed, survived, equivalent, pending, took), *survivors, sep="\n"
        )
    return 0


def _pending(session: Path) -> int:
    from cosmic_ray.work_db import use_db

    with use_db(str(session)) as db:
        return int(db.num_work_items - db.num_results)


def _stem(module: str) -> Path:
    """Where a module's session files are kept, without their suffix."""
    return WORK / module.replace("/", "_").removesuffix(".py")


def _session(module: str) -> Path:
    return _stem(module).with_suffix(".sqlite")


def _digest(module: str) -> str:
    return hashlib.sha256((ROOT / module).read_bytes()).hexdigest()


def _again(module: str) -> Path:
    """The module's kept session with its survivors' results cleared, so that ``cosmic-ray exec``
    runs them again, and the mutants a stopped session did not run; refused where the module
    changed since the session (its mutants' places would no longer be the module's)."""
    session = _session(module)
    source = session.with_suffix(".source")
    if not session.exists():
        sys.exit(f"{module}: no kept session in {WORK}; run it in full first")
    if not source.exists() or source.read_text("utf-8").strip() != _digest(module):
        sys.exit(f"{module}: changed since its kept session; run it in full")
    print(f"{module}: {_clear_survivors(session)} survivors to run again", flush=True)
    return session


def _hold_unrun(session: Path) -> list[str]:
    """Give each mutant not yet run a placeholder result, so that ``cosmic-ray exec`` passes it
    by; the ids held (``_release`` makes them pending again, for ``--again``)."""
    from cosmic_ray.work_db import use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    held = WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output="not run: out of time")
    with use_db(str(session)) as db:
        unrun = [item.job_id for item in db.pending_work_items]
        for job_id in unrun:
            db.set_result(job_id, held)
    return unrun


def _release(session: Path, held: list[str]) -> None:
    with sqlite3.connect(session) as db:
        db.executemany("DELETE FROM work_results WHERE job_id = ?", [(job,) for job in held])


def _clear_survivors(session: Path) -> int:
    """Forget the session's survivors, so that ``cosmic-ray exec`` runs them again."""
    with sqlite3.connect(session) as db:
        return db.execute("DELETE FROM work_results WHERE test_outcome = 'SURVIVED'").rowcount


def _cosmic(*argv: str, deadline: float | None = None) -> bool:
    """Run one of cosmic-ray's commands; False where ``deadline`` (``time.monotonic()``) came
    first and it was stopped, with the tests it was running (its mutants left unrun)."""
    return _until([str(BIN / argv[0]), *argv[1:]], deadline)


def _until(command: list[str], deadline: float | None) -> bool:
    # a process group of its own: stopping cosmic-ray stops the pytest it runs too
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True)
    try:
        code = process.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        return False
    except BaseException:  # Ctrl-C or a CI's SIGTERM: no orphaned test run left mutating
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    if code != 0:
        raise subprocess.CalledProcessError(code, command)
    return True


def _wilson(killed: int, run: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% (Wilson score) interval of a score measured on ``run`` mutants drawn at random:
    cosmic-ray runs a session's mutants in random order, so those of a stopped run are a
    uniform sample of the module's."""
    if run == 0:
        return 0.0, 1.0
    share = killed / run
    centre = (share + z * z / (2 * run)) / (1 + z * z / run)
    half = z * math.sqrt(share * (1 - share) / run + z * z / (4 * run * run)) / (1 + z * z / run)
    return max(0.0, centre - half), min(1.0, centre + half)


def _score_line(
    module: str, killed: int, survived: int, equivalent: int, pending: int, took: str
) -> str:
    """A module's score; for a session stopped part-way, the score of the mutants run with its
    interval as an estimate of the whole module's."""
    run = killed + survived
    score = killed / run if run else 1.0
    if pending and not run:
        return f"{module}: no mutant run ({pending} not run; {equivalent} equivalent){took}"
    if not pending:
        return f"{module}: {score:.0%} killed ({killed} of {run}; {equivalent} equivalent){took}"
    low, high = _wilson(killed, run)
    return (
        f"{module}: {score:.0%} killed ({killed} of {run} run; {equivalent} equivalent; "
        f"{pending} not run){took}; the module's, estimated from those run at random: "
        f"{low:.0%} to {high:.0%} (95%)"
    )


def _stop(number: int, frame: object) -> None:
    raise SystemExit(128 + number)  # a SIGTERM (a CI's time limit) restores the module too


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"default: all {len(MODULES)}")
    parser.add_argument("--list", action="store_true", help="list the modules and their tests")
    parser.add_argument(
        "--again",
        action="store_true",
        help="run only the survivors of the kept sessions again (after writing tests for them)",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="every guard test for every mutant (default: first only the tests that ran its line)",
    )
    parser.add_argument(
        "--minutes",
        type=float,
        help="stop each module's mutants after this many minutes (survivors still meet the "
        "guard's other tests): the score of a random sample, with its interval; --again "
        "runs the others",
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="print the score of the sessions kept in .mutation/, without running a mutant",
    )
    args = parser.parse_args()
    if args.list:
        for module, tests in MODULES.items():
            print(f"{module}: {' '.join(tests)}")
        return 0
    if args.report:
        return _report(args.modules or list(MODULES))
    unknown = set(args.modules) - set(MODULES)
    if unknown:
        parser.error(f"not a mutated module: {sorted(unknown)}; see --list")
    WORK.mkdir(exist_ok=True)
    os.environ.update(ENVIRONMENT)  # cosmic-ray's test runs inherit it
    started = time.monotonic()
    totals = [0, 0, 0, 0]
    rows = []
    for module in args.modules or list(MODULES):
        baseline = _baseline(module, MODULES[module])
        config = _config(module, MODULES[module], baseline)
        task = (module, MODULES[module], baseline)
        covering = None if args.full else _coverage_map(module, MODULES[module])
        if args.again:
            session = _again(module)
        else:
            session = _session(module)
            _cosmic("cosmic-ray", "init", str(config), str(session), "--force")
            _cosmic("cr-filter-operators", str(session), str(config))
            session.with_suffix(".source").write_text(_digest(module) + "\n", "utf-8")
        _mark_equivalents(session, module)
        module_started = time.monotonic()
        deadline = None if args.minutes is None else module_started + 60 * args.minutes
        original = (ROOT / module).read_bytes()
        try:  # cosmic-ray restores each mutant itself, but not when it is stopped mid-run
            first = config if covering is None else _config(*task, covering)
            finished = _cosmic("cosmic-ray", "exec", str(first), str(session), deadline=deadline)
            if not finished:
                (ROOT / module).write_bytes(original)  # stopped mid-mutant
                print(f"{module}: stopped after {args.minutes:g} minutes", flush=True)
            if covering is not None:  # then, for survivors, the guard's other tests
                # the next exec is for the survivors alone
                unrun = [] if finished else _hold_unrun(session)
                left = _clear_survivors(session)
                print(f"{module}: {left} survivors meet the guard's other tests", flush=True)
                _cosmic("cosmic-ray", "exec", str(_config(*task, covering, True)), str(session))
                _release(session, unrun)
        finally:
            (ROOT / module).write_bytes(original)
        killed, survived, equivalent, survivors = _results(session, module)
        took = time.monotonic() - module_started
        kept = session.with_suffix(".seconds")
        if args.again and kept.exists():  # the session's time: its full run's and this one's
            took += float(kept.read_text("utf-8"))
        session.with_suffix(".seconds").write_text(f"{took:.0f}\n", "utf-8")
        pending = _pending(session)
        rows.append(_score_line(module, killed, survived, equivalent, pending, f" in {took:.0f} s"))
        rows += survivors
        print(rows[-1 - len(survivors)], *survivors, sep="\n", flush=True)
        totals = [
            a + b for a, b in zip(totals, (killed, survived, equivalent, pending), strict=True)
        ]
    killed, survived, equivalent, pending = totals
    score = killed / (killed + survived) if killed + survived else 1.0
    print("\nmutation score per module (survivors indented):", *rows, sep="\n")
    unrun = f"; {pending} not run: the score of those run" if pending else ""
    print(
        f"total: {score:.1%} killed ({killed} of {killed + survived} non-equivalent mutants; "
        f"{equivalent} equivalent{unrun}) in {time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
