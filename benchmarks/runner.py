"""The conformance runner against schemathesis 4.32, side by side in one run (``make bench``).

(a) Cases per second against the reference server: this runner's hypothesis-driven family
    (``valid``) and schemathesis's fuzzing phase, the same number of cases each, both drawn
    from the same request schema; then this runner's full default run (every family).
(b) For each mutant of tests/mutants: the cases and the time until it is first caught, the
    median over a few seeds, for this runner (``stop_at_first``) and for schemathesis.

How schemathesis is run, and why:

- Its document is OpenAPI 3.1 with one POST operation whose request body is the contract's
  request schema (its ``$ref``s inlined by ``conformance.generation.schema_tree.tree``), and
  whose 200
  response is the any-reply schema. The access token travels in the body, so the document pins
  ``params.access_token`` to the server's token with ``const``: otherwise nearly every case it
  sends would only be refused with -32001, and it would test the token check alone.
- Its checks: ``not_a_server_error`` and ``response_schema_conformance`` (its status-code checks
  misread JSON-RPC, where errors come with HTTP 200). ``--continue-on-failure`` and
  ``--no-shrink``, so that the first failure of each phase does not end the phase and the time to
  the first catch holds no shrinking; one worker, so that cases are sent one after the other.
- Each tool runs with the server on a thread of its own process: neither server gets a core
  of its own. For (a), both tools run in this process, each after one untimed warm-up run.
  For (b), schemathesis's per-mutant runs go to a pool of two worker processes (a run costs
  seconds, mostly generation), each worker warmed by one untimed run before its first job, so
  that no timed job pays for imports and first-use caches; this runner's per-mutant runs are
  in this process, warm after (a).
- Two numbers, not one: the mutants whose defect schemathesis's checks can see by design
  (the answer that first shows it is an HTTP 5xx, no answer in time, or an HTTP 200 JSON
  reply that breaks the reply schema), with each tool's time to its first catch; and those
  only this kit can see (a well-formed reply with the wrong outcome or id, a 4xx status or a
  content type its response check has no schema for, state across requests), with why.
- A case is a POST body that reached the application (a request log sits in front of it). A
  catch is the first case that failed one of its checks, found by matching the failing request's
  body (from its ndjson report) in that log; a failure that it also reports on the reference
  server (an HTTP 501 to a TRACE request, from the HTTP layer) is not a catch. The same holds
  for this runner: a failure it also reports on the reference server is a false alarm, not a
  catch.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from mutants import MUTANTS, serve  # noqa: E402

from conformance.create_sites import run  # noqa: E402
from conformance.engine.results import Failure, Report  # noqa: E402
from conformance.engine.settings import DEFAULT_MAX_EXAMPLES, Settings  # noqa: E402
from conformance.generation.schema_tree import tree  # noqa: E402
from conformance.server import App, CreateSitesApp, Response  # noqa: E402
from conformance.validation.validator import validator_for  # noqa: E402

#: Seeds for this runner's per-mutant runs (the median is shown).
SEEDS = (0, 1, 2)
#: Seeds for schemathesis's per-mutant runs: fewer, as one of its runs costs seconds.
ST_SEEDS = (0,)
#: schemathesis's --max-examples per mutant: its coverage phase adds its own cases.
ST_MAX_EXAMPLES = 5
#: schemathesis's per-mutant runs go two at a time, each in its own process with its own
#: server (one a core): a run of it costs 3 to 15 s, mostly generation.
ST_PROCESSES = 2
#: Cases of hypothesis's engine for the throughput comparison, for each tool.
THROUGHPUT_CASES = 100
#: Interleaved rounds of the throughput comparison (the median ratio is shown).
THROUGHPUT_ROUNDS = 5
#: The request timeout of both tools (the runner's default).
TIMEOUT = 5.0


class RequestLog:
    """An app in front of another: records each body and when it arrived."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.bodies: list[bytes] = []
        self.times: list[float] = []
        self._lock = threading.Lock()

    def handle(self, body: bytes) -> Response:
        with self._lock:
            self.bodies.append(body)
            self.times.append(time.perf_counter())
        return self.app.handle(body)

    def index_of(self, body: bytes) -> int | None:
        with self._lock:
            for index, sent in enumerate(self.bodies):
                if sent == body:
                    return index
        return None


@contextlib.contextmanager
def logged(app: type[CreateSitesApp]) -> Iterator[tuple[str, str, RequestLog]]:
    holder: list[RequestLog] = []

    def wrap(inner: App) -> App:
        holder.append(RequestLog(inner))
        return holder[0]

    with serve(app, wrap=wrap) as (url, token):
        yield url, token, holder[0]


# --- schemathesis -------------------------------------------------------------------------------


def openapi_document(token: str) -> dict[str, Any]:
    """OpenAPI 3.1: POST / with the request schema as body, the any-reply schema as 200."""
    request = tree("request", "customer")
    params = request["properties"]["params"]
    params["properties"]["access_token"] = {"type": "string", "const": token}
    return {
        "openapi": "3.1.0",
        "info": {"title": "create.sites", "version": "1.0"},
        "paths": {
            "/": {
                "post": {
                    "operationId": "create.sites",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": request}},
                    },
                    "responses": {
                        "200": {
                            "description": "A JSON-RPC reply: a result or an error",
                            "content": {"application/json": {"schema": tree("reply")}},
                        }
                    },
                }
            }
        },
    }


@dataclass
class StRun:
    """One schemathesis run: what reached the app, and each failing check's request."""

    log: RequestLog
    started: float
    elapsed: float
    #: (check code, HTTP method, request body) of each failing check, in report order
    failures: list[tuple[str, str, bytes]] = field(default_factory=list)


def _schemathesis(
    url: str, log: RequestLog, token: str, seed: int, options: list[str], workdir: Path
) -> StRun:
    from schemathesis.cli import schemathesis as cli

    document = workdir / "openapi.json"
    document.write_text(json.dumps(openapi_document(token)), encoding="utf-8")
    events = workdir / "events.ndjson"
    events.unlink(missing_ok=True)
    arguments = [
        "run",
        str(document),
        "--url",
        url,
        "--workers",
        "1",
        "--seed",
        str(seed),
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--request-timeout",
        str(TIMEOUT),
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(events),
        *options,
    ]
    started = time.perf_counter()
    quiet = io.StringIO()
    with (
        contextlib.chdir(workdir),  # it leaves a .schemathesis folder where it runs
        contextlib.redirect_stdout(quiet),
        contextlib.redirect_stderr(quiet),
        contextlib.suppress(SystemExit),
    ):
        cli.main(arguments, standalone_mode=False)
    result = StRun(log, started, time.perf_counter() - started)
    result.failures = list(_failures(events))
    return result


def _failures(events: Path) -> Iterator[tuple[str, str, bytes]]:
    """(code, method, body) of each failing check in a schemathesis ndjson report."""
    if not events.exists():
        return
    for line in events.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        recorder = event.get("ScenarioFinished", {}).get("recorder")
        if not recorder:
            continue
        interactions = recorder.get("interactions", {})
        for case_id, checks in recorder.get("checks", {}).items():
            for outcome in checks:
                if outcome.get("status") != "failure":
                    continue
                failure = outcome.get("failure_info", {}).get("failure", {})
                request = interactions.get(case_id, {}).get("request", {})
                yield failure.get("code", "?"), request.get("method", "?"), _body(request)


def _body(request: dict[str, Any]) -> bytes:
    body = request.get("body")
    if isinstance(body, dict) and "$base64" in body:
        return base64.b64decode(body["$base64"])
    if isinstance(body, str):
        return body.encode("utf-8")
    return b""


@dataclass(frozen=True)
class Catch:
    """Cases and seconds until the first catch (``None``: not caught); for this runner's
    catches, whether schemathesis's checks could see the answer that showed the defect."""

    cases: int | None
    seconds: float | None
    how: str
    visible_to_schemathesis: bool | None = None


#: Why schemathesis's two checks cannot see a defect that only this rule catches.
ONLY_THIS_KIT: dict[str, str] = {
    "expected-outcome": "a well-formed reply with the wrong outcome: a JSON-RPC error, or a "
    "success to an invalid request, keeps the reply schema",
    "reply-id": "the reply's id is well-formed but not the request's: nothing compares the two",
    "http-200-json": "a 4xx status or a non-JSON content type: not_a_server_error passes 4xx, "
    "and the response schema is documented for HTTP 200 application/json only",
    "body-parses": "a body that is not JSON under a status or type with no documented schema",
    "distinct-result-ids": "two sites share an id: seeing it needs state across requests",
}


def visible_to_schemathesis(failure: Failure) -> bool:
    """Whether the answer of ``failure`` fails schemathesis's checks as run here.

    not_a_server_error fails on HTTP 5xx; response_schema_conformance checks a response
    against the documented schema, which exists for HTTP 200 application/json only; a request
    that gets no answer in time fails on its --request-timeout.
    """
    if failure.status is None:
        return True
    if failure.status >= 500:
        return True
    media = failure.headers.get("content-type", "").split(";")[0].strip().lower()
    if failure.status != 200 or media != "application/json":
        return False
    try:
        reply = json.loads(failure.reply_body)
    except ValueError:
        return True
    return not validator_for("reply").is_valid(reply)


def st_catch(result: StRun, false_alarms: set[tuple[str, str]]) -> Catch:
    """The first case of ``result`` that failed a check the reference server passes."""
    first: tuple[int, str] | None = None
    for code, method, body in result.failures:
        if (code, method) in false_alarms:
            continue
        index = result.log.index_of(body) if method == "POST" else None
        if index is not None and (first is None or index < first[0]):
            first = (index, code)
    if first is None:
        return Catch(None, None, "not caught")
    index, code = first
    return Catch(index + 1, result.log.times[index] - result.started, code)


# --- this runner --------------------------------------------------------------------------------


def runner_catch(report: Report, false_alarms: set[tuple[str, str, str]], started: float) -> Catch:
    """The runner's first failure, if it is not one the reference server also gets."""
    if not report.failures or report.first_failure_at is None:
        return Catch(None, None, "not caught")
    first = report.failures[0]
    if (first.rule, first.family, first.case) in false_alarms:
        return Catch(None, None, f"false alarm first: {first.rule} on {first.family}")
    # the run stops at its first failure: its end is when the defect was caught (for a hang,
    # after the timeout), plan building included
    seconds = time.perf_counter() - started
    return Catch(report.first_failure_at, seconds, first.rule, visible_to_schemathesis(first))


# --- the tables ---------------------------------------------------------------------------------


def _median(values: list[float | int | None]) -> float | None:
    found = [v for v in values if v is not None]
    if len(found) < len(values) / 2 or not found:
        return None
    return float(statistics.median(found))


def _show(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}" if digits else f"{value:.0f}"


def throughput(workdir: Path) -> tuple[set[tuple[str, str, str]], set[tuple[str, str]]]:
    """Part (a); returns the false alarms of each tool on the reference server."""
    print(f"(a) cases per second against the reference server, {THROUGHPUT_CASES} cases each")
    warm_up(workdir)
    with logged(CreateSitesApp) as (url, token, log):
        run(url, settings=Settings(token=token, seed=1, max_examples=5, families=("valid",)))
    # interleaved rounds, each tool on a fresh server, and the median of the per-round ratios:
    # one round of a third of a second moved the ratio between 2.3x and 2.7x from run to run
    rows: list[tuple[int, float, int, float]] = []
    for round_number in range(THROUGHPUT_ROUNDS):
        with logged(CreateSitesApp) as (url, token, log):
            settings = Settings(
                token=token, seed=round_number, max_examples=THROUGHPUT_CASES, families=("valid",)
            )
            report = run(url, settings=settings)
        with logged(CreateSitesApp) as (url, token, log):
            st = _schemathesis(
                url,
                log,
                token,
                round_number,
                ["--phases", "fuzzing", "-n", str(THROUGHPUT_CASES)],
                workdir,
            )
            st_span = log.times[-1] - st.started if log.times else float("nan")
            rows.append((report.cases_sent, report.elapsed, len(log.bodies), st_span))
    print(
        f"  {'round':<6} {'this runner (valid family)':>30} "
        f"{'schemathesis 4.32 (fuzzing)':>30}  ratio"
    )
    ratios = []
    for number, (ours_n, ours_s, st_n, st_s) in enumerate(rows, 1):
        ratio = (ours_n / ours_s) / (st_n / st_s)
        ratios.append(ratio)
        print(
            f"  {number:<6} {ours_n:>6} in {ours_s:5.2f} s ({ours_n / ours_s:6.1f}/s)"
            f" {st_n:>9} in {st_s:5.2f} s ({st_n / st_s:6.1f}/s)  {ratio:5.1f}x"
        )
    print(
        f"  median ratio: this runner {statistics.median(ratios):.1f}x schemathesis's cases per "
        f"second (range {min(ratios):.1f}-{max(ratios):.1f}; goal: >= 3x)"
    )
    with logged(CreateSitesApp) as (url, token, log):
        full = run(url, settings=Settings(token=token, seed=0))
    families = ", ".join(f"{name} {count}" for name, count in full.families.items())
    print(
        f"  this runner's full default run: {full.cases_sent} cases ({families}) in "
        f"{full.elapsed:.2f} s, {full.cases_sent / full.elapsed:.0f} cases/s (goal: < 20 s); "
        f"{len(full.failures)} failures"
    )
    ours_alarms = {(f.rule, f.family, f.case) for f in full.failures}
    # schemathesis's own false alarms: its per-mutant settings, on the reference server
    theirs_alarms: set[tuple[str, str]] = set()
    for seed in ST_SEEDS:
        with logged(CreateSitesApp) as (url, token, log):
            result = _schemathesis(url, log, token, seed, _st_mutant_options(), workdir)
        theirs_alarms |= {(code, method) for code, method, _ in result.failures}
    print(
        f"  on the reference server: this runner's failures {sorted(ours_alarms) or 'none'}; "
        f"schemathesis's {sorted(theirs_alarms) or 'none'}"
    )
    return ours_alarms, theirs_alarms


def whole_process(workdir: Path, rounds: int = 3) -> None:
    """Part (c): each tool's default run as a user starts it, a new process timed from start to
    exit (imports, generation, sending, reporting), against the same reference server on a
    thread of this process; requests counted where they reach the app. Rounds interleave the
    two tools, and the median of the per-round ratios is printed."""
    import subprocess

    print("(c) a default run, whole process timed (median of interleaved rounds)")
    document = workdir / "openapi-whole.json"
    rows: list[tuple[float, float, int, float, int]] = []
    for _ in range(rounds):
        with logged(CreateSitesApp) as (url, token, log):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "conformance", "fuzz", url, "--token", token,
                 "--no-save-failures", "--output", "json"],
                capture_output=True, check=False, cwd=workdir,
            )  # fmt: skip
            ours_seconds, ours_cases = time.perf_counter() - started, len(log.bodies)
        with logged(CreateSitesApp) as (url, token, log):
            document.write_text(json.dumps(openapi_document(token)), encoding="utf-8")
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "schemathesis.cli", "run", str(document), "--url", url,
                 "--checks", "not_a_server_error,response_schema_conformance",
                 "--continue-on-failure", "--max-examples", str(DEFAULT_MAX_EXAMPLES)],
                capture_output=True, check=False, cwd=workdir,
            )  # fmt: skip
            st_seconds, st_cases = time.perf_counter() - started, len(log.bodies)
        ratio = (ours_cases / ours_seconds) / (st_cases / st_seconds)
        rows.append((ratio, ours_seconds, ours_cases, st_seconds, st_cases))
    print(f"  {'round':<6} {'this runner':>24} {'schemathesis 4.32':>26} {'ratio':>7}")
    for index, (ratio, ours_s, ours_n, st_s, st_n) in enumerate(rows, 1):
        print(
            f"  {index:<6} {ours_n:>5} in {ours_s:>5.2f} s ({ours_n / ours_s:>5.0f}/s) "
            f"{st_n:>6} in {st_s:>5.2f} s ({st_n / st_s:>5.0f}/s) {ratio:>6.1f}x"
        )
    median = statistics.median(row[0] for row in rows)
    print(f"  median ratio: this runner {median:.1f}x schemathesis's requests per second "
          "(goal: >= 3x)")  # fmt: skip


def warm_up(workdir: Path | None = None) -> None:
    """One untimed schemathesis run against the reference server: imports and first-use
    caches, so that no timed run pays for them (a pool worker's initializer, too)."""
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        with logged(CreateSitesApp) as (url, token, log):
            _schemathesis(url, log, token, 1, _st_mutant_options(), workdir)


def st_mutant(job: tuple[str, int, list[tuple[str, str]]]) -> Catch:
    """schemathesis against one mutant: examples and coverage first (deterministic); where they
    catch nothing, a second run with the fuzzing phase too (phases run in that order, so a catch
    by the first run is the first catch of a full run)."""
    name, seed, alarms = job
    false_alarms = {(code, method) for code, method in alarms}
    with tempfile.TemporaryDirectory() as folder:
        for phases in ("examples,coverage", "examples,coverage,fuzzing"):
            with logged(MUTANTS[name].app) as (url, token, log):
                result = _schemathesis(
                    url, log, token, seed, _st_mutant_options(phases), Path(folder)
                )
            catch = st_catch(result, false_alarms)
            if catch.cases is not None:
                return catch
    return catch


def _st_mutant_options(phases: str = "examples,coverage,fuzzing") -> list[str]:
    return [
        "--phases",
        phases,
        "-n",
        str(ST_MAX_EXAMPLES),
        "--continue-on-failure",
        "--no-shrink",
    ]


def mutants(
    workdir: Path,
    ours_alarms: set[tuple[str, str, str]],
    theirs_alarms: set[tuple[str, str]],
    names: list[str],
) -> None:
    """Part (b), for the mutants ``names`` (all if empty)."""
    print(
        f"\n(b) until each mutant is first caught: median over seeds {SEEDS} for this runner "
        f"(stop_at_first), seeds {ST_SEEDS} for schemathesis (--max-examples {ST_MAX_EXAMPLES}, "
        "phases examples, coverage, fuzzing)"
    )
    header = (
        f"  {'mutant':<32} {'runner cases':>12} {'s':>6} {'caught by':<20} "
        f"{'st cases':>8} {'s':>6} {'caught by':<10} {'time ratio':>10}"
    )
    print(header)
    # both tools judge by the seed revision (schemathesis's document is built from it): a
    # mutant of the current revision alone has no defect there, and its server would answer in
    # the other revision's shape
    chosen = [
        m for m in MUTANTS.values() if "seed" in m.revisions and (not names or m.name in names)
    ]
    left_out = [m.name for m in MUTANTS.values() if "seed" not in m.revisions]
    if left_out and not names:
        print(
            f"  (left out, their defect exists in the current revision only: {', '.join(left_out)})"
        )
    jobs = [(m.name, seed, sorted(theirs_alarms)) for m in chosen for seed in ST_SEEDS]
    results: list[tuple[str, str, bool, float | None, float | None]] = []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=ST_PROCESSES, mp_context=context, initializer=warm_up
    ) as pool:
        catches = dict(zip(((n, s) for n, s, _ in jobs), pool.map(st_mutant, jobs), strict=True))
    for mutant in chosen:
        ours: list[Catch] = []
        for seed in SEEDS:
            with serve(mutant.app) as (url, token):
                started = time.perf_counter()
                report = run(url, settings=Settings(token=token, seed=seed, stop_at_first=True))
                ours.append(runner_catch(report, ours_alarms, started))
        theirs = [catches[(mutant.name, seed)] for seed in ST_SEEDS]
        our_time = _median([c.seconds for c in ours])
        st_time = _median([c.seconds for c in theirs])
        # a defect either tool catches on an answer its checks see is one both can see
        visible = any(c.visible_to_schemathesis for c in ours) or st_time is not None
        results.append((mutant.name, mutant.rule, visible, our_time, st_time))
        ratio = f"{st_time / our_time:.1f}x" if our_time and st_time else "∞" if our_time else "—"
        print(
            f"  {mutant.name:<32} {_show(_median([c.cases for c in ours]), 0):>12} "
            f"{_show(our_time):>6} {ours[0].how[:20]:<20} "
            f"{_show(_median([c.cases for c in theirs]), 0):>8} {_show(st_time):>6} "
            f"{theirs[0].how[:10]:<10} {ratio:>10}",
            flush=True,
        )
    summarise(results)


def summarise(results: list[tuple[str, str, bool, float | None, float | None]]) -> None:
    """The two numbers: defects both tools can see, with each tool's time to its first catch,
    and defects only this kit can see, with why (never counted as wins)."""
    both = [r for r in results if r[2]]
    only = [r for r in results if not r[2]]
    ours = sum(r[3] is not None for r in both)
    theirs = sum(r[4] is not None for r in both)
    sooner = sum(r[3] is not None and (r[4] is None or r[3] < r[4]) for r in both)
    print(
        f"\n  defects schemathesis's checks can see ({len(both)}): caught by this runner "
        f"{ours}/{len(both)}, by schemathesis {theirs}/{len(both)}; this runner first on "
        f"{sooner}/{len(both)}"
    )
    for name, _, _, our_time, st_time in both:
        print(f"    {name:<32} this runner {_show(our_time)} s, schemathesis {_show(st_time)} s")
    caught_only = sum(r[3] is not None for r in only)
    print(
        f"  defects only this kit can see ({len(only)}; caught {caught_only}/{len(only)}), "
        "by the rule that catches them:"
    )
    for rule in sorted({r[1] for r in only}):
        names = [r[0] for r in only if r[1] == rule]
        why = ONLY_THIS_KIT.get(rule, "see the mutant's docstring")
        print(f"    {rule} ({len(names)}): {why}")


def main(names: list[str] | None = None) -> None:
    """Print both tables; ``names`` picks mutants (``python benchmarks/runner.py NAME...``)."""
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        ours_alarms, theirs_alarms = throughput(workdir)
        whole_process(workdir)
        mutants(workdir, ours_alarms, theirs_alarms, names or [])


if __name__ == "__main__":
    main(sys.argv[1:])
