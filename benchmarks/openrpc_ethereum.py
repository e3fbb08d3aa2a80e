"""The Ethereum execution API's document (tests/openrpc/documents/ethereum, 86 methods): how
long the kit takes to plan it, and a whole run of each tool against one stub server, side by
side (``make bench``).

(a) Plan time: ``plan_document`` of the loaded document, every method (goal < 2 s); the median
    of three, each from a fresh load.
(b) A whole run against a stub that answers at once: the echo server of ``server.py`` (its own
    process, the reference server's HTTP stack; it answers every body with a result at once,
    so nearly every case fails a result schema and the run's reporting is measured too), each
    tool from its command line, start-up included: ``conformance fuzz URL --openrpc DOCUMENT
    --max-examples 2`` and ``@open-rpc/test-coverage`` 2.2.4's ``cli.js`` (its examples and
    its json-schema-faker calls; the document given ``"openrpc": "1.2.6"``, the newest its
    schema-utils-js knows, and ``servers`` naming the stub). Requests per second of each, in
    ``ROUNDS`` interleaved rounds, the ratio the median of the per-round ratios.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from server import served

ROOT = Path(__file__).resolve().parent.parent
ETHEREUM = ROOT / "tests" / "openrpc" / "documents" / "ethereum" / "openrpc.json"
TOOLS = ROOT / "tools" / "openrpc"
CLI = TOOLS / "node_modules" / "@open-rpc" / "test-coverage" / "bin" / "cli.js"
CONFORMANCE = Path(sys.executable).parent / "conformance"
ROUNDS = 1  # a whole run takes minutes: one round keeps `make bench` near 4 more
MAX_EXAMPLES = 2


def plan_seconds() -> tuple[float, int]:
    """The median seconds of planning every method, and the cases planned."""
    from conformance.engine.settings import Settings
    from conformance.openrpc.contract import plan_document
    from conformance.openrpc.document import load

    settings = Settings(token="unused", max_examples=MAX_EXAMPLES, seed=0)
    times, cases = [], 0
    for _ in range(3):
        document = load(ETHEREUM)
        started = time.perf_counter()
        plans = plan_document(document, settings)
        times.append(time.perf_counter() - started)
        cases = sum(len(cases) for plan in plans for cases in plan.families.values())
    return statistics.median(times), cases


def run_kit(url: str) -> tuple[int, float]:
    argv = [str(CONFORMANCE), "fuzz", url, "--openrpc", str(ETHEREUM), "--output", "json"]
    argv += ["--max-examples", str(MAX_EXAMPLES), "--no-save-failures"]
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"conformance fuzz failed: {done.stderr[-500:]}")
    cases: int = json.loads(done.stdout)["cases_sent"]
    return cases, seconds


def run_coverage(url: str, folder: Path) -> tuple[int, float]:
    document = json.loads(ETHEREUM.read_text(encoding="utf-8"))
    document["openrpc"] = "1.2.6"
    document["servers"] = [{"name": "stub", "url": url}]
    path = folder / "ethereum-test-coverage.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    argv = ["node", str(CLI), "-s", str(path), "-t", "http", "-r", "json"]
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=TOOLS, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - started
    calls = json.loads(done.stdout)
    return len(calls), seconds


def main() -> None:
    if not CLI.is_file():
        raise SystemExit(f"{CLI} is missing: run `make openrpc-tools`")
    print("== the Ethereum document (86 methods) ==")
    seconds, cases = plan_seconds()
    print(f"(a) plan time, every method: {seconds:.2f} s for {cases} cases (goal < 2 s)")
    print(f"(b) a whole run against a stub that answers at once ({ROUNDS} rounds)")
    kit_rates, tc_rates, ratios = [], [], []
    with (
        tempfile.TemporaryDirectory(prefix="bench-ethereum-") as folder,
        served("echo", str(Path(folder) / "unused.sqlite3")) as url,
    ):
        for round_number in range(ROUNDS):
            order = (0, 1) if round_number % 2 == 0 else (1, 0)
            results: dict[int, tuple[int, float]] = {}
            for which in order:
                results[which] = run_kit(url) if which == 0 else run_coverage(url, Path(folder))
            (kit_cases, kit_s), (tc_calls, tc_s) = results[0], results[1]
            kit_rates.append(kit_cases / kit_s)
            tc_rates.append(tc_calls / tc_s)
            ratios.append(kit_rates[-1] / tc_rates[-1])
            print(f"  round {round_number + 1}: conformance fuzz {kit_cases} requests in "
                  f"{kit_s:.1f} s; test-coverage {tc_calls} calls in {tc_s:.1f} s")  # fmt: skip
    print(f"{'tool':<48} {'requests/s (median)':>20}")
    print(f"{'conformance fuzz --openrpc (--max-examples 2)':<48} "
          f"{statistics.median(kit_rates):>20.0f}")  # fmt: skip
    print(f"{'@open-rpc/test-coverage 2.2.4':<48} {statistics.median(tc_rates):>20.1f}")
    print(f"ratio (median of rounds): {statistics.median(ratios):.1f}x "
          f"(range {min(ratios):.1f}-{max(ratios):.1f})")  # fmt: skip


if __name__ == "__main__":
    main()
