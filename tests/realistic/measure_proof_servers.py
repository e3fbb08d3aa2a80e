"""Measure the kit's default run against issue 18's proof servers; prints every failure grouped.

    .venv/bin/python tests/realistic/measure_proof_servers.py [--seeds 5] [SERVER ...]

For each server (``contrary``, ``jsonschema``, ``ajv``; all by default) and each seed, the
default run (``conformance.create_sites.run``); then the failures grouped by test id and rule,
with the seeds each occurred on, its count, the kit's basis, and one message and case per group.
The classification of each group (a defect of the server, or a decision of the kit) is in
``proof_servers.md`` beside this file.
"""

from __future__ import annotations

import argparse
import collections
import json
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

# run as a script (or imported by the tests): its folder is on sys.path
import ajv_sites_server
import contrary_sites_server
import jsonschema_sites_server

from conformance.create_sites import run
from conformance.engine.results import Failure
from conformance.engine.settings import Settings

TOKEN = "proof-customer-token-5d1e"

SERVERS: dict[str, Callable[[str], AbstractContextManager[str]]] = {
    "contrary": contrary_sites_server.serve,
    "jsonschema": jsonschema_sites_server.serve,
    "ajv": ajv_sites_server.serve,
}


@dataclass
class Group:
    """The failures of one test id and rule, over the seeds."""

    basis: str
    seeds: set[int] = field(default_factory=set)
    count: int = 0
    examples: list[Failure] = field(default_factory=list)


def measure(name: str, seeds: range) -> Iterator[tuple[int, int, float]]:
    """Runs the server's default runs; yields (seed, failures, seconds) and fills ``GROUPS``."""
    with SERVERS[name](TOKEN) as url:
        for seed in seeds:
            started = time.perf_counter()
            report = run(url, settings=Settings(token=TOKEN, seed=seed))
            for failure in report.failures:
                key = (name, failure.test_id, failure.rule)
                group = GROUPS.setdefault(key, Group(failure.basis))
                group.seeds.add(seed)
                group.count += 1
                if len(group.examples) < 2:
                    group.examples.append(failure)
            yield seed, len(report.failures), time.perf_counter() - started


GROUPS: dict[tuple[str, str, str], Group] = {}


def shown(failure: Failure) -> str:
    request = failure.request
    if isinstance(request, dict) and failure.family == "valid":
        request = request.get("params")
    text = json.dumps(request, ensure_ascii=False) if request is not None else repr(failure.body)
    return text[-700:]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("servers", nargs="*", help=f"some of {', '.join(SERVERS)} (all)")
    arguments = parser.parse_args()
    unknown = set(arguments.servers) - set(SERVERS)
    if unknown:
        parser.error(f"no server {', '.join(sorted(unknown))}")
    for name in arguments.servers or SERVERS:
        counts = []
        for seed, failures, seconds in measure(name, range(arguments.seeds)):
            counts.append(failures)
            print(f"{name} seed {seed}: {failures} failures, {seconds:.1f} s", flush=True)
        print(f"{name}: failures per seed {counts}")
        by_server = collections.defaultdict(list)
        for (server, test_id, rule), group in sorted(GROUPS.items()):
            by_server[server].append((test_id, rule, group))
        for test_id, rule, group in by_server[name]:
            seeds = ",".join(map(str, sorted(group.seeds)))
            basis = group.basis or "-"
            print(f"  {test_id}  [{rule}]  basis={basis}  n={group.count} seeds={seeds}")
            for failure in group.examples:
                print(f"      {failure.message[:400]}")
                print(f"      sent: {shown(failure)}")
                print(f"      got:  {failure.reply_body[:300]!r}")


if __name__ == "__main__":
    main()
