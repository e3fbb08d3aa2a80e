"""What ``conformance proxy`` adds to an exchange: latency per request and throughput, through
the proxy against a direct connection to the same reference server, in one run.

The reference server and the proxy each run in their own process (the clients do not share
their GIL); one client thread (latency: median and 95th percentile per request) and 8 (the
throughput), each on its own keep-alive ``http.client`` connection, send valid create.sites
requests (a new domain name each). Direct and proxied runs alternate, round by round, so that
a slow spell of a shared machine hits both alike. The judging itself runs after the reply is
written (off the reply's path); its cost per exchange is timed apart, in this process.

    python benchmarks/proxy.py [--requests 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import multiprocessing
import statistics
import threading
import time
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

TOKEN = "benchmark-token"
THREADS = 8


def _serve_reference(pipe: Connection) -> None:
    from conformance.server import Config, CreateSitesApp, SiteStore
    from conformance.server.httpd import RpcHTTPServer

    config = Config().with_customer_tokens([TOKEN])
    with SiteStore(":memory:") as store:
        server = RpcHTTPServer(("127.0.0.1", 0), CreateSitesApp(config, store))
        with server.running():
            pipe.send(server.url)
            pipe.recv()


def _serve_proxy(upstream: str, pipe: Connection) -> None:
    from conformance.proxy import proxy_for

    out = io.StringIO()
    with proxy_for(upstream, stream=out) as (url, recorder):
        pipe.send(url)
        pipe.recv()
    pipe.send((recorder.tally.judged, recorder.tally.count))


def _body(tag: str, number: int) -> bytes:
    params = {
        "access_token": TOKEN,
        "domain_name": f"{tag}{number}.example.com",
        "default_phone_number": "74951819160",
        "industry_id": 5,
    }
    request = {"jsonrpc": "2.0", "id": number, "method": "create.sites", "params": params}
    return json.dumps(request).encode()


def _send(url: str, tag: str, count: int, times: list[float]) -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    headers = {"Content-Type": "application/json"}
    for number in range(count):
        body = _body(tag, number)
        start = time.perf_counter()
        connection.request("POST", "/", body, headers)
        reply = connection.getresponse().read()
        times.append(time.perf_counter() - start)
        assert b'"result"' in reply, reply
    connection.close()


def _latency(url: str, tag: str, count: int) -> list[float]:
    times: list[float] = []
    _send(url, tag, count, times)
    return times


def _throughput(url: str, tag: str, count: int) -> float:
    times: list[float] = []
    threads = [
        threading.Thread(target=_send, args=(url, f"{tag}t{i}-", count, times))
        for i in range(THREADS)
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return THREADS * count / (time.perf_counter() - start)


def _judging_cost(samples: int = 2000) -> float:
    """Seconds the proxy spends judging one valid exchange (off the reply's path)."""
    from conformance.engine.checks import RunState
    from conformance.traffic.contracts import BundledTraffic
    from conformance.traffic.judging import judge

    contract, state = BundledTraffic("seed"), RunState(hints=False)
    reply = b'{"jsonrpc":"2.0","id":1,"result":{"id":1,"success":true}}'
    headers = {"content-type": "application/json"}
    body = _body("j", 1)
    judge(contract, state, body, 200, headers, reply)
    start = time.perf_counter()
    for _ in range(samples):
        judge(contract, state, body, 200, headers, reply)
    return (time.perf_counter() - start) / samples


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests a run (300)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of both runs (3)")
    args = parser.parse_args(argv)
    context = multiprocessing.get_context("spawn")
    server_end, server_pipe = context.Pipe()
    proxy_end, proxy_pipe = context.Pipe()
    server = context.Process(target=_serve_reference, args=(server_pipe,), daemon=True)
    server.start()
    direct_url: str = server_end.recv()
    proxy = context.Process(target=_serve_proxy, args=(direct_url, proxy_pipe), daemon=True)
    proxy.start()
    proxy_url: str = proxy_end.recv()
    results: dict[str, dict[str, list[Any]]] = {
        "direct": {"median": [], "p95": [], "rate": []},
        "proxied": {"median": [], "p95": [], "rate": []},
    }
    try:
        for round_number in range(args.rounds):
            order = [("direct", direct_url), ("proxied", proxy_url)]
            for name, url in order if round_number % 2 == 0 else order[::-1]:
                tag = f"r{round_number}{name[0]}"
                times = sorted(_latency(url, tag, args.requests))
                results[name]["median"].append(statistics.median(times))
                results[name]["p95"].append(times[int(len(times) * 0.95)])
                results[name]["rate"].append(
                    _throughput(url, tag + "x", max(args.requests // THREADS, 10))
                )
    finally:
        proxy_end.send("stop")
        judged, violations = proxy_end.recv()
        server_end.send("stop")
        proxy.join(10)
        server.join(10)
    print(
        f"conformance proxy: {args.rounds} rounds of {args.requests} sequential requests and "
        f"{THREADS} threads, against the reference server (medians of the rounds)"
    )
    print(f"{'':8}  {'median':>9}  {'p95':>9}  {'req/s (' + str(THREADS) + ' threads)':>20}")
    for name, row in results.items():
        median = statistics.median(row["median"])
        p95 = statistics.median(row["p95"])
        rate = statistics.median(row["rate"])
        print(f"{name:8}  {_ms(median):>9}  {_ms(p95):>9}  {rate:>20,.0f}")
    added = statistics.median(
        p - d
        for p, d in zip(results["proxied"]["median"], results["direct"]["median"], strict=True)
    )
    print(f"added per exchange (median of the rounds' median differences): {_ms(added)}")
    print(f"judging one exchange, off the reply's path: {_ms(_judging_cost())}")
    print(f"the proxy judged {judged} exchanges: {violations} violations (0 expected)")


if __name__ == "__main__":
    main()
