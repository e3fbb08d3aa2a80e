"""Requests per second of the reference server, beside its ceiling on the same HTTP stack.

The ceiling is a minimal JSON-RPC echo server (parse, answer the id) served by the same
``RpcHTTPServer``: what the reference server costs beyond it is validation, business rules and
SQLite. Each server runs in its own process (so the clients do not share its GIL); clients
are threads, each with its own keep-alive ``http.client`` connection. Valid requests create
sites with new domain names in a file database (the default set-up); invalid ones break the
params schema (industry_id 99), so they are validated and refused.

Both servers run side by side and are measured in interleaved rounds (each round: every row,
echo then reference, the order swapped every other round), so that a slow spell of a shared
machine hits both alike; each row reports the medians of the rounds, and the median of the
per-round ratios with their range (a ratio of medians could pair two different spells).

    python benchmarks/server.py [--seconds 1] [--rounds 5]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.server import Config, CreateSitesApp, Response, SiteStore
from conformance.server.httpd import RpcHTTPServer

TOKEN = "benchmark-token"
CONNECTIONS = (1, 16)


class EchoApp:
    """The ceiling: reads the body as JSON and answers a result with its id, nothing else."""

    def handle(self, body: bytes) -> Response:
        try:
            request_id = json.loads(body).get("id")
        except (ValueError, AttributeError):
            request_id = None
        reply = {"jsonrpc": "2.0", "id": request_id, "result": {"id": 1, "success": True}}
        return Response(json.dumps(reply, separators=(",", ":")).encode())


def _serve(kind: str, db: str, pipe: Connection) -> None:
    """In a child process: serve ``kind`` until the parent says stop."""
    store = None
    if kind == "echo":
        app: Any = EchoApp()
    else:
        store = SiteStore(db)
        app = CreateSitesApp(Config().with_customer_tokens([TOKEN]), store)
    with RpcHTTPServer(("127.0.0.1", 0), app).running() as server:
        pipe.send(server.url)
        pipe.recv()
    if store is not None:
        store.close()


def body_maker(valid: bool, client: int) -> Callable[[int], bytes]:
    """Request bodies for one client: a new domain each time, or a refused industry."""
    prefix = f"{time.time_ns()}-{client}"

    def make(number: int) -> bytes:
        params = {
            "access_token": TOKEN,
            "domain_name": f"b{prefix}-{number}.example.com",
            "default_phone_number": "74951819160",
            "industry_id": 5 if valid else 99,
        }
        request = {"jsonrpc": "2.0", "id": number, "method": "create.sites", "params": params}
        return json.dumps(request).encode()

    return make


def measure(url: str, valid: bool, connections: int, seconds: float) -> float:
    """Requests per second by ``connections`` clients, each for ``seconds``."""
    parts = urlsplit(url)
    counts = [0] * connections
    failures: list[str] = []
    start = threading.Barrier(connections + 1)

    def client(index: int) -> None:
        make = body_maker(valid, index)
        connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=30
        )
        headers = {"Content-Type": "application/json"}
        try:
            start.wait()
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                connection.request("POST", "/", make(counts[index]), headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(f"HTTP {response.status}")
                    return
                counts[index] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise RuntimeError(f"the benchmark got {failures[0]}")
    return sum(counts) / elapsed


@contextlib.contextmanager
def served(kind: str, db: str) -> Iterator[str]:
    """``kind`` served in a process of its own, warmed up; yields its URL."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_serve, args=(kind, db, child), daemon=True)
    process.start()
    try:
        if not parent.poll(30):
            raise RuntimeError(f"the {kind} server did not start")
        url = parent.recv()
        measure(url, True, 1, 0.3)  # warm up: imports, caches, the database
        yield url
    finally:
        parent.send("stop")
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join()
        parent.close()


def main(argv: list[str] | None = None) -> int:
    """Print the table of requests per second, reference against the echo ceiling."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="per row and server (1)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (5)")
    args = parser.parse_args(argv)
    rows = [(valid, connections) for valid in (True, False) for connections in CONNECTIONS]
    samples: dict[tuple[bool, int], dict[str, list[float]]] = {
        row: {"echo": [], "reference": [], "ratio": []} for row in rows
    }
    with (
        tempfile.TemporaryDirectory() as folder,
        served("echo", str(Path(folder) / "unused.sqlite3")) as echo,
        served("reference", str(Path(folder) / "bench.sqlite3")) as reference,
    ):
        urls = {"echo": echo, "reference": reference}
        for round_number in range(args.rounds):
            order = ("echo", "reference") if round_number % 2 == 0 else ("reference", "echo")
            for valid, connections in rows:
                got = {
                    kind: measure(urls[kind], valid, connections, args.seconds) for kind in order
                }
                row = samples[(valid, connections)]
                row["echo"].append(got["echo"])
                row["reference"].append(got["reference"])
                row["ratio"].append(got["reference"] / got["echo"])
    print(
        "reference create.sites server vs a minimal JSON-RPC echo server (same HTTP stack), "
        f"{args.rounds} interleaved rounds of {args.seconds:g} s a row"
    )
    print(
        f"{'requests':<10}{'connections':>12}{'echo req/s':>14}{'reference req/s':>17}"
        f"{'ratio':>8}{'ratio range':>14}"
    )
    for (valid, connections), row in samples.items():
        kind = "valid" if valid else "invalid"
        top = statistics.median(row["echo"])
        ours = statistics.median(row["reference"])
        ratio = statistics.median(row["ratio"])
        spread = f"{min(row['ratio']):.2f}-{max(row['ratio']):.2f}"
        print(f"{kind:<10}{connections:>12}{top:>14,.0f}{ours:>17,.0f}{ratio:>8.2f}{spread:>14}")
    print("  ratio: the median of the per-round ratios (goal >= 0.5); echo and reference: medians")
    return 0


if __name__ == "__main__":
    sys.exit(main())
