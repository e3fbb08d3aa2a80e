"""Measure the kit's false alarms on the realistic servers; prints a report.

    .venv/bin/python tests/realistic/measure_false_alarms.py [--draws 1000] [--seeds 5]

1. the failures ``conformance.create_sites.run`` reports against each realistic server, per seed;
2. the share of the valid family's ``domain_name`` and ``widget_link.url`` values that each
   mainstream parser refuses, over ``--draws`` draws of ``valid_requests``.
"""

from __future__ import annotations

import argparse
import collections
import time
from typing import Any

# run as a script: its folder is on sys.path, so the servers import by their names
import jsonrpc_sites_server
import pydantic_sites_server
import stdlib_sites_server
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as seed_of
from parsers import NAME_PARSERS, URL_PARSERS

from conformance.create_sites import run, valid_requests
from conformance.engine.settings import Settings

SERVERS = {
    "stdlib-http.server": stdlib_sites_server.serve,
    "pydantic-starlette": pydantic_sites_server.serve,
    "fastapi-jsonrpc": jsonrpc_sites_server.serve,
}
TOKEN = "measure-token"


def runs(seeds: int) -> None:
    for name, serve in SERVERS.items():
        labels: collections.Counter[str] = collections.Counter()
        counts = []
        with serve(TOKEN) as url:
            for seed in range(seeds):
                started = time.perf_counter()
                report = run(url, settings=Settings(token=TOKEN, seed=seed))
                counts.append(len(report.failures))
                labels.update(f"{f.family} {f.label} ({f.rule})" for f in report.failures)
                elapsed = time.perf_counter() - started
                print(f"{name} seed {seed}: {len(report.failures)} failures, "
                      f"{report.cases_sent} cases, {elapsed:.1f} s")  # fmt: skip
        print(f"{name}: failures per seed {counts}")
        for label, count in sorted(labels.items()):
            print(f"    {count}/{seeds} seeds  {label}")


def draws(count: int) -> tuple[list[str], list[str]]:
    names: list[str] = []
    urls: list[str] = []

    @settings(
        max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @seed_of(0)
    @given(valid_requests(Settings(token="t")))
    def collect(request: dict[str, Any]) -> None:
        params = request["params"]
        names.append(params["domain_name"])
        link = params.get("widget_link")
        if isinstance(link, dict):
            urls.append(link["url"])

    collect()
    return names, urls


def shares(count: int) -> None:
    names, urls = draws(count)
    print(f"{len(names)} valid requests drawn; {len(urls)} carry widget_link.url")
    for label, accepts in NAME_PARSERS.items():
        refused = [name for name in names if not accepts(name)]
        share = len(refused) / len(names)
        print(f"domain_name refused by {label}: {share:.0%}  e.g. {refused[:3]!r}")
    for label, accepts in URL_PARSERS.items():
        refused = [url for url in urls if not accepts(url)]
        share = len(refused) / len(urls)
        print(f"widget_link.url refused by {label}: {share:.0%}  e.g. {refused[:3]!r}")
    any_name = sum(not all(a(n) for a in NAME_PARSERS.values()) for n in names)
    any_url = sum(not all(a(u) for a in URL_PARSERS.values()) for u in urls)
    print(f"domain_name refused by at least one: {any_name / len(names):.0%}; "
          f"widget_link.url: {any_url / len(urls):.0%}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=5)
    arguments = parser.parse_args()
    shares(arguments.draws)
    runs(arguments.seeds)
