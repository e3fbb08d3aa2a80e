"""``--discover`` asks the target as the run then asks it: over the run's TLS settings
(``--cacert``) and with its headers (``-H``), which a gateway may want of every request. It
used to ask with the system's defaults and no header: an https:// target with its own CA, or
one behind a key, could be fuzzed with ``--openrpc`` but not discovered."""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from helpers.staging import make_certificate, server_context

from conformance.cli import Streams, main

KEY = "k-3141592653"

DOCUMENT = {
    "openrpc": "1.3.2",
    "info": {"title": "discovered", "version": "1"},
    "methods": [
        {
            "name": "ping",
            "params": [],
            "result": {"name": "pong", "schema": {"type": "integer"}},
            "paramStructure": "by-position",
        }
    ],
}


class Gateway(BaseHTTPRequestHandler):
    """401 without the key; with it, the document for rpc.discover and 1 for anything else."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 0.5

    def do_POST(self) -> None:
        try:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            request = json.loads(body)
        except (OSError, ValueError):
            request = None
        if self.headers.get("X-Api-Key") != KEY:
            status, reply = 401, {"error": "no key"}
        else:
            asked = request if isinstance(request, dict) else {}
            result: Any = DOCUMENT if asked.get("method") == "rpc.discover" else 1
            status, reply = 200, {"jsonrpc": "2.0", "id": asked.get("id"), "result": result}
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def https_gateway(folder: Path) -> Iterator[tuple[str, Path]]:
    cert, key = make_certificate(folder)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    server.daemon_threads = True
    server.socket = server_context(cert, key).wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/", cert
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def _fuzz(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["fuzz", *argv], Streams(io.BytesIO(), out, err))
    return code, out.getvalue() + err.getvalue()


@pytest.mark.slow  # a certificate made with openssl, whole runs
def test_discover_asks_over_the_runs_tls_and_headers(tmp_path: Path) -> None:
    with https_gateway(tmp_path) as (url, cert):
        options = ["--discover", "--max-examples", "1", "--no-save-failures"]
        code, said = _fuzz(url, *options, "--cacert", str(cert), "-H", f"X-Api-Key: {KEY}")
        assert code in (0, 1), said[-2000:]
        assert "discovered" in said or "ping" in said, said[-2000:]
        assert KEY not in said  # the header's value is a secret (an api key): masked

        # without the run's CA the answer is a certificate refusal, said in one line
        code, said = _fuzz(url, *options, "-H", f"X-Api-Key: {KEY}")
        assert code == 2 and "CERTIFICATE_VERIFY_FAILED" in said and "Traceback" not in said
        # without the header, the gateway's 401: no document
        code, said = _fuzz(url, *options, "--cacert", str(cert))
        assert code == 2 and "rpc.discover" in said and "Traceback" not in said


@pytest.mark.slow  # a pytest session in a child process
def test_the_pytest_plugin_discovers_over_the_runs_tls_and_headers(tmp_path: Path) -> None:
    """``--target-openrpc rpc.discover`` asks with ``--target-cacert`` and
    ``--target-header``: the discovered method's tests are collected and run."""
    import os
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_TARGET_")}
    with https_gateway(tmp_path) as (url, cert):
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q",
             "--target-url", url, "--target-openrpc", "rpc.discover",
             "--target-cacert", str(cert), "--target-header", f"X-Api-Key: {KEY}",
             "--target-max-examples", "1"],
            cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr[-2000:]
    # the discovered method's tests were collected and run (a document not discovered is a
    # usage error, exit 4)
    assert re.search(r"\d+ (passed|failed)", done.stdout), done.stdout[-2000:]
    assert KEY not in done.stdout + done.stderr
