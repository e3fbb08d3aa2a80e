"""Captured traffic judged by Dask: one process (``validate --traffic``'s loop) against a
``LocalCluster`` of one worker process and of two, on the same generated JSON Lines file of
HAR entries, with the scaling from one worker to two.

The file holds ``--exchanges`` create.sites exchanges (by default 20,000), a valid request
answered with a result and an invalid one answered with an error in turn, each a HAR entry on
a line, cut into ``--partitions`` blocks. Each cluster is started, warmed (every worker builds
the contract once) and then timed judging the whole file, ``--rounds`` times; the best round
is kept. The merged tally is checked equal to the single process's.

    python benchmarks/traffic_dask.py [--exchanges 20000] [--partitions 8] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

CASES = Path(__file__).resolve().parents[1] / "tests" / "cases" / "valid"


def _entry(number: int) -> dict[str, Any]:
    request = json.loads((CASES / "request__minimal.json").read_text())
    request["id"] = number
    request["params"]["domain_name"] = f"site{number}.example.com"
    if number % 2:
        request["params"]["widget_link"] = {"text": "x" * 101}
        reply = json.loads((CASES / "reply.error__minimal.json").read_text())
    else:
        reply = json.loads((CASES / "reply.success__minimal.json").read_text())
    reply["id"] = number
    body = json.dumps(reply)
    return {
        "startedDateTime": "2026-03-01T12:30:05.123Z",
        "time": 2.5,
        "request": {
            "method": "POST", "url": "https://api.example.org/rpc", "httpVersion": "HTTP/1.1",
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "postData": {"mimeType": "application/json", "text": json.dumps(request)},
        },
        "response": {
            "status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "content": {"size": len(body), "mimeType": "application/json", "text": body},
        },
    }  # fmt: skip


def generate(path: Path, exchanges: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for number in range(exchanges):
            out.write(json.dumps(_entry(number)) + "\n")


def _single(path: Path) -> tuple[float, Any]:
    from conformance.traffic.files import judge_file
    from conformance.traffic.spec import ContractSpec

    judge = ContractSpec().judge()
    start = time.perf_counter()
    judge_file(judge, str(path))
    return time.perf_counter() - start, judge.tally


def _on_cluster(path: Path, workers: int, partitions: int, rounds: int) -> tuple[float, Any]:
    from dask.distributed import Client, LocalCluster

    from conformance.traffic.dask_bags import judge_bag, lines_bag
    from conformance.traffic.spec import ContractSpec

    blocksize = os.path.getsize(path) // partitions + 1
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                     host="127.0.0.1", dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        client.run(lambda: ContractSpec().contract() and None)  # each worker builds it once
        best, tally = float("inf"), None
        for _ in range(rounds):
            start = time.perf_counter()
            tally = judge_bag(lines_bag(str(path), blocksize=blocksize), ContractSpec())
            best = min(best, time.perf_counter() - start)
    return best, tally


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exchanges", type=int, default=20_000)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        print("traffic on Dask: dask[distributed] is not installed (the [dask] extra); skipped")
        return
    from conformance.traffic.reports import Origin, to_dict

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "traffic.jsonl"
        generate(path, args.exchanges)
        size = path.stat().st_size / 2**20
        print(f"traffic on Dask: {args.exchanges:,} exchanges, {size:.1f} MiB of JSON Lines, "
              f"{args.partitions} partitions, {os.cpu_count()} CPUs (shared)")  # fmt: skip
        single, expected = _single(path)
        results = {0: (single, expected)}
        for workers in (1, 2):
            results[workers] = _on_cluster(path, workers, args.partitions, args.rounds)
    origin = Origin("bench", "create.sites", "", "read", "traffic")
    for workers, (_, tally) in results.items():
        assert to_dict(tally, origin) == to_dict(expected, origin), f"{workers} workers differ"
    print(f"| {'judged by':<22} | {'seconds':>8} | {'exchanges/s':>11} |")
    print(f"|{'-' * 24}|{'-' * 10}|{'-' * 13}|")
    for workers, (seconds, _) in results.items():
        name = (
            "one process"
            if workers == 0
            else f"LocalCluster, {workers} worker{'s' * (workers > 1)}"
        )
        print(f"| {name:<22} | {seconds:>8.2f} | {args.exchanges / seconds:>11,.0f} |")
    ratio = results[1][0] / results[2][0]
    print(f"scaling from one worker to two: x{ratio:.2f} (the same tally each way)")


if __name__ == "__main__":
    main()
