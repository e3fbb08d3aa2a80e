"""Requests per second of the reference server, beside its ceiling on the same HTTP stack.

The ceiling is a minimal JSON-RPC echo server (parse, answer the id) served by the same
``RpcHTTPServer``: what the reference server costs beyond it is validation, business rules and
SQLite. Each server runs in its own process (so the clients do not share its GIL); clients
are threads, each with its own keep-alive ``http.client`` connection. Valid requests create
sites with new domain names in a file database (the default set-up); invalid ones break the
params schema (industry_id 99), so they are validated and refused.

    python benchmarks/server.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import sys
import tempfile
import threading
import time
from collections.abc import Callable
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


def run_server(kind: str, db: str, rows: list[tuple[bool, int]], seconds: float) -> list[float]:
    """Start ``kind`` in a process, measure each (valid, connections) row, stop it."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_serve, args=(kind, db, child), daemon=True)
    process.start()
    try:
        if not parent.poll(30):
            raise RuntimeError(f"the {kind} server did not start")
        url = parent.recv()
        measure(url, True, 1, min(0.3, seconds))  # warm up: imports, caches, the database
        return [measure(url, valid, connections, seconds) for valid, connections in rows]
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
    parser.add_argument("--seconds", type=float, default=2.0, help="per row (2)")
    args = parser.parse_args(argv)
    rows = [(valid, connections) for valid in (True, False) for connections in CONNECTIONS]
    with tempfile.TemporaryDirectory() as folder:
        db = str(Path(folder) / "bench.sqlite3")
        ceiling = run_server("echo", db, rows, args.seconds)
        reference = run_server("reference", db, rows, args.seconds)
    print("reference create.sites server vs a minimal JSON-RPC echo server (same HTTP stack)")
    print(
        f"{'requests':<10}{'connections':>12}{'echo req/s':>14}{'reference req/s':>17}{'ratio':>8}"
    )
    for (valid, connections), top, ours in zip(rows, ceiling, reference, strict=True):
        kind = "valid" if valid else "invalid"
        print(f"{kind:<10}{connections:>12}{top:>14,.0f}{ours:>17,.0f}{ours / top:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
