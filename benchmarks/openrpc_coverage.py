"""This runner against ``@open-rpc/test-coverage`` 2.2.4 (npm, OpenRPC's own conformance tool),
side by side on the openrpc-framework order service of tests/openrpc (``make bench``).

(a) Cases per second against the honest service, each tool from its command line, start-up
    included: ``conformance fuzz URL --discover`` (default budget) and test-coverage's
    ``cli.js -s DOCUMENT -t http -r json``.
(b) The 14 mutants of tests/openrpc/openrpc_framework_mutants.py: which each tool catches.

How test-coverage is run, and why:

- Its document is the one the service's ``rpc.discover`` answers, with ``servers`` pointed at
  the service (it sends every call to ``servers[0].url``) and ``"openrpc": "1.2.6"``: its
  schema-utils-js (1.16) checks documents against a meta-schema whose newest version is 1.2.6,
  and refuses the service's 1.3.2 outright.
- Two documents: as published, and with the examples removed. Its json-schema-faker rule makes
  calls only for a method without examples (10 a method); the framework writes an example for
  every method, so as published it sends one call a method, the examples', and checks the
  result equals the example's or, failing that, matches the result schema.
- A call of a method that also fails on the honest service (its json-schema-faker draws
  ``factor`` outside the exclusive bound; an example's params break the sku pattern) is a false
  alarm, not a catch: a catch is a failing call of a method the honest run passed. The same
  holds for this runner (the honest service conforms, so any failure is a catch).
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "openrpc"))

from openrpc_framework_mutants import MUTANTS  # noqa: E402
from openrpc_framework_server import honest_document, serve_orders  # noqa: E402

TOOLS = ROOT / "tools" / "openrpc"
CLI = TOOLS / "node_modules" / "@open-rpc" / "test-coverage" / "bin" / "cli.js"
CONFORMANCE = Path(sys.executable).parent / "conformance"
SEED = 20240601


def coverage_document(url: str, examples: bool) -> dict[str, Any]:
    """The discovered document as test-coverage can read it (see the module's docstring)."""
    document = honest_document()
    document["openrpc"] = "1.2.6"
    document["servers"] = [{"name": "target", "url": url}]
    if not examples:
        for method in document["methods"]:
            method.pop("examples", None)
    return document


def run_coverage(url: str, examples: bool, folder: Path) -> tuple[list[dict[str, Any]], float]:
    """test-coverage's calls (its json reporter) and the seconds its command took."""
    path = folder / f"document-{'examples' if examples else 'faker'}.json"
    path.write_text(json.dumps(coverage_document(url, examples)), encoding="utf-8")
    started = time.perf_counter()
    done = subprocess.run(
        ["node", str(CLI), "-s", str(path), "-t", "http", "-r", "json"],
        cwd=TOOLS,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    calls: list[dict[str, Any]] = json.loads(done.stdout)
    return calls, time.perf_counter() - started


def failing_methods(calls: list[dict[str, Any]]) -> set[str]:
    return {call["methodName"] for call in calls if not call.get("valid")}


def run_kit(url: str, max_examples: int | None = None) -> tuple[dict[str, Any], float]:
    """``conformance fuzz URL --discover`` as a command: its JSON report and its seconds."""
    argv = [str(CONFORMANCE), "fuzz", url, "--discover", "--seed", str(SEED), "--output", "json"]
    if max_examples is not None:
        argv += ["--max-examples", str(max_examples)]
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"conformance fuzz failed: {done.stderr[-500:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report, time.perf_counter() - started


def throughput(folder: Path) -> tuple[set[str], set[str]]:
    """Table (a); the methods each test-coverage document fails on the honest service."""
    print("(a) the honest openrpc-framework service, each tool from its command line")
    print(f"{'tool':<44} {'cases':>6} {'seconds':>8} {'cases/s':>8} {'failing calls':>14}")
    false_alarms: dict[bool, set[str]] = {}
    with serve_orders() as url:
        for examples in (True, False):
            run_coverage(url, examples, folder)  # warm-up: node's module cache
            calls, seconds = run_coverage(url, examples, folder)
            false_alarms[examples] = failing_methods(calls)
            failing = sum(not c.get("valid") for c in calls)
            name = "test-coverage, " + ("as published" if examples else "examples removed")
            print(f"{name:<44} {len(calls):>6} {seconds:>8.2f} {len(calls) / seconds:>8.0f}"
                  f" {failing:>14}")  # fmt: skip
        report, seconds = run_kit(url)
        failing = sum(len(m["failures"]) for m in report["methods"])
        cases = report["cases_sent"]
        name = "conformance fuzz --discover (default budget)"
        print(f"{name:<44} {cases:>6} {seconds:>8.2f} {cases / seconds:>8.0f} {failing:>14}")
    for examples, methods in false_alarms.items():
        shown = ", ".join(sorted(methods)) or "none"
        variant = "as published" if examples else "examples removed"
        print(f"  test-coverage ({variant}) fails on the honest service in: {shown}")
    return false_alarms[True], false_alarms[False]


def mutants(folder: Path, published_alarms: set[str], faker_alarms: set[str]) -> None:
    """Table (b)."""
    print("\n(b) mutants of the openrpc-framework service caught (a catch is a failure in a")
    print("    method the tool passes on the honest service)")
    print(f"{'mutant':<32} {'method':<15} {'tc published':>12} {'tc faker':>9} {'this kit':>9}")
    totals = [0, 0, 0]
    for name, mutant in MUTANTS.items():
        row: list[bool] = []
        with serve_orders(name) as url:
            for examples, alarms in ((True, published_alarms), (False, faker_alarms)):
                calls, _ = run_coverage(url, examples, folder)
                row.append(bool(failing_methods(calls) - alarms))
        with serve_orders(name) as url:
            report, _ = run_kit(url, max_examples=50)
        row.append(not report["conforms"])
        for i, caught in enumerate(row):
            totals[i] += caught
        marks = ["yes" if caught else "-" for caught in row]
        print(f"{name:<32} {mutant.method:<15} {marks[0]:>12} {marks[1]:>9} {marks[2]:>9}")
    count = len(MUTANTS)
    print(f"{'caught':<48} {totals[0]:>3}/{count} {totals[1]:>6}/{count} {totals[2]:>6}/{count}")


def main() -> None:
    # the framework logs each error a method raises (a mutant's ZeroDivisionError) with its
    # traceback: not this benchmark's output
    logging.getLogger("openrpc").setLevel(logging.CRITICAL)
    if not CLI.is_file():
        raise SystemExit(f"{CLI} is missing: run `make openrpc-tools`")
    print("== this runner and @open-rpc/test-coverage 2.2.4 (OpenRPC) ==")
    with tempfile.TemporaryDirectory(prefix="bench-openrpc-") as folder:
        published, faker = throughput(Path(folder))
        mutants(Path(folder), published, faker)


if __name__ == "__main__":
    main()
