"""Validation speed, side by side in one run: this kit against python-jsonschema,
fastjsonschema and jsonschema-rs on the same payloads; then the CLI's cold start against
check-jsonschema; then JSON Lines streaming memory.

Run with ``make bench`` (or ``python benchmarks/validation.py``). Figures are medians of
interleaved rounds, so that a noisy machine slows every competitor alike.
"""

from __future__ import annotations

import compileall
import copy
import json
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema
import jsonschema_rs

import conformance
from conformance import contract

# The child's own peak memory: VmHWM starts afresh at exec, while ru_maxrss keeps the peak
# of the parent it was forked from.
PEAK = (
    "def peak_kib():\n"
    "    for row in open('/proc/self/status'):\n"
    "        if row.startswith('VmHWM:'):\n"
    "            return int(row.split()[1])\n"
)

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
BIN = Path(sys.executable).parent
ROUNDS = 7


def _payload(name: str) -> Any:
    return json.loads((CASES / name).read_text(encoding="utf-8"))


def payloads() -> dict[str, Any]:
    """The minimal, typical and full valid requests, and two invalid ones."""
    full = _payload("valid/request__full.json")
    broken = copy.deepcopy(full)
    broken["params"].update(industry_id=22, sales_enabled="true", domian_name="x")
    broken["params"]["widget_link"]["text"] = "я" * 101
    typical = _payload("valid/request__typical.json")

    def one(**changes: Any) -> Any:
        changed = copy.deepcopy(typical)
        for name, value in changes.items():
            if value is None:
                del changed["params"][name]
            else:
                changed["params"][name] = value
        return changed

    return {
        "minimal (valid)": _payload("valid/request__minimal.json"),
        "typical (valid)": typical,
        "full (valid)": full,
        "one error": _payload("invalid/request__params.industry_id__maximum__above-21.json"),
        # every kind of single error: the goal is each at least 10x python-jsonschema
        "one error: range": one(second_communication_period=0),
        "one error: pattern": one(default_phone_number="+74951819160"),
        "one error: format": one(domain_name="example.com:8080"),
        "one error: type": one(sales_enabled="true"),
        "one error: unexpected member": one(domian_name="x"),
        "one error: missing member": one(industry_id=None),
        "four errors": broken,
    }


def engines() -> dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]]:
    """Each competitor as (is-valid, all-errors) callables on a prebuilt validator."""
    documents = contract.load_schemas()
    schema = documents[contract.schema_uri("request")]
    ours = conformance.validator_for("request")
    # with the kit's format checker: the same verdicts (without it, python-jsonschema would not
    # check domain_name and widget_link.url beyond their patterns)
    python = jsonschema.Draft202012Validator(
        schema, registry=conformance.registry(), format_checker=conformance.format_checker()
    )
    rust = jsonschema_rs.validator_for(
        schema, registry=jsonschema_rs.Registry(list(documents.items()))
    )
    fast = fastjsonschema.compile(
        schema, handlers={"https": documents.__getitem__}, use_default=False
    )
    fast_all = fastjsonschema.compile(
        schema, handlers={"https": documents.__getitem__}, use_default=False, fast_fail=False
    )

    def fast_is_valid(payload: Any) -> bool:
        try:
            fast(payload)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    def fast_errors(payload: Any) -> Any:
        try:
            fast_all(payload)
        except fastjsonschema.JsonSchemaException as error:
            return error
        return None

    return {
        "conformance (this kit)": (ours.is_valid, lambda p: list(ours.iter_errors(p))),
        "python-jsonschema": (python.is_valid, lambda p: list(python.iter_errors(p))),
        "fastjsonschema": (fast_is_valid, fast_errors),
        "jsonschema-rs": (rust.is_valid, lambda p: list(rust.iter_errors(p))),
    }


def _per_call(function: Callable[[Any], Any], payload: Any, number: int) -> float:
    return timeit.Timer(lambda: function(payload)).timeit(number) / number


def _calls_for(function: Callable[[Any], Any], payload: Any, seconds: float = 0.05) -> int:
    """How many calls take about ``seconds``: every round then times that many."""
    once = max(_per_call(function, payload, 10), 1e-7)
    return max(10, int(seconds / once))


def api_table() -> list[str]:
    """Microseconds per payload and the speed-up over python-jsonschema, per payload."""
    lines = []
    competitors = engines()
    for name, payload in payloads().items():
        valid = "valid" in name
        calls = {
            engine: (is_valid if valid else errors)
            for engine, (is_valid, errors) in competitors.items()
        }
        numbers = {engine: _calls_for(call, payload) for engine, call in calls.items()}
        samples: dict[str, list[float]] = {engine: [] for engine in competitors}
        for _ in range(ROUNDS):
            for engine, call in calls.items():
                samples[engine].append(_per_call(call, payload, numbers[engine]))
        verb = "is_valid" if valid else "all errors"
        lines.append(f"\n{name}: {verb}")
        baseline = statistics.median(samples["python-jsonschema"])
        for engine, times in samples.items():
            median = statistics.median(times)
            lines.append(
                f"  {engine:24} {median * 1e6:9.1f} µs   {baseline / median:6.1f}x py-jsonschema"
            )
    return lines


def _cold(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False, timeout=60)
    return time.perf_counter() - start


def cold_start_table() -> list[str]:
    """One file from a cold start: ``conformance validate`` against check-jsonschema."""
    with tempfile.TemporaryDirectory() as folder:
        one = Path(folder) / "one.json"
        one.write_text(json.dumps(payloads()["typical (valid)"]))
        # check-jsonschema would fetch the $refs by their https URIs; bundle them in.
        documents = contract.load_schemas()
        bundled = jsonschema_rs.bundle(
            documents[contract.schema_uri("request")],
            registry=jsonschema_rs.Registry(list(documents.items())),
        )
        schema_file = Path(folder) / "request.bundled.schema.json"
        schema_file.write_text(json.dumps(bundled))
        commands = {
            "conformance validate": [str(BIN / "conformance"), "validate", str(one)],
            "check-jsonschema": [
                str(BIN / "check-jsonschema"),
                "--schemafile",
                str(schema_file),
                str(one),
            ],
            "python -c pass (floor)": [sys.executable, "-c", "pass"],
        }
        # pip writes the bytecode of what it installs (check-jsonschema's is there), but an
        # editable install leaves the kit's to its first import, which PYTHONDONTWRITEBYTECODE
        # (set on some machines) forbids: every run would compile the kit from source. Write it
        # as an install would, so that both start alike.
        compileall.compile_dir(str(ROOT / "conformance"), quiet=1)
        for command in commands.values():  # warm the page cache
            _cold(command)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(ROUNDS):
            for name, command in commands.items():
                samples[name].append(_cold(command))
    ours = statistics.median(samples["conformance validate"])
    theirs = statistics.median(samples["check-jsonschema"])
    lines = ["\ncold start, one file:"]
    for name, times in samples.items():
        lines.append(f"  {name:24} {statistics.median(times) * 1e3:7.0f} ms")
    lines.append(
        f"  conformance takes {ours / theirs:.2f} of check-jsonschema's time (goal <= 0.33)"
    )
    return lines


def streaming_table() -> list[str]:
    """Peak memory and throughput of ``conformance validate`` on 10,000 and 100,000 lines."""
    line = json.dumps(payloads()["typical (valid)"]).encode() + b"\n"
    lines = ["\nJSON Lines streaming:"]
    script = (
        PEAK + "import sys, time; from conformance.cli import main; t = time.perf_counter();"
        "main(['validate', sys.argv[1]]); print(time.perf_counter() - t, peak_kib())"
    )
    with tempfile.TemporaryDirectory() as folder:
        for count in (10_000, 100_000):
            path = Path(folder) / f"{count}.jsonl"
            with path.open("wb") as handle:
                for _ in range(count):
                    handle.write(line)
            result = subprocess.run(
                [sys.executable, "-c", script, str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            seconds, peak = result.stdout.splitlines()[-1].split()
            rate = count / float(seconds)
            lines.append(
                f"  {count:>7,} requests  {float(seconds):6.2f} s  {rate:9,.0f} payloads/s  "
                f"peak RSS {int(peak) / 1024:6.1f} MiB"
            )
    return lines


def main() -> None:
    """Print every table of this benchmark."""
    print("== validation ==")
    for part in (api_table, cold_start_table, streaming_table):
        for line in part():
            print(line, flush=True)


if __name__ == "__main__":
    main()
