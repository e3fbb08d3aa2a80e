"""A raw HTTP(S) target for the tests of real staging targets: it records each request's
headers and path and echoes the credentials it got; a self-signed certificate for 127.0.0.1
made with the openssl CLI."""

from __future__ import annotations

import contextlib
import http.server
import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class Echoing(http.server.BaseHTTPRequestHandler):
    """Answers the first request with a success, every later one with an error that quotes
    the request's Authorization and Cookie headers (a target echoing credentials); records
    the headers of each request."""

    protocol_version = "HTTP/1.1"
    server: Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.seen.append(dict(self.headers.items()))
        self.server.paths.append(self.path)
        try:
            parsed = json.loads(body)
            request_id = parsed.get("id") if isinstance(parsed, dict) else None
        except ValueError:
            request_id = None
        if len(self.server.seen) == 1:
            reply: dict[str, Any] = {"result": {"id": 1, "success": True}}
        else:
            said = f"denied for {self.headers.get('Authorization')} {self.headers.get('Cookie')}"
            reply = {"error": {"code": -32000, "message": said}}
        data = json.dumps({"jsonrpc": "2.0", "id": request_id, **reply}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    seen: list[dict[str, str]]
    paths: list[str]


@contextlib.contextmanager
def target(context: ssl.SSLContext | None = None) -> Iterator[tuple[str, Server]]:
    """The echoing target on a free loopback port, over TLS where ``context`` is given."""
    server = Server(("127.0.0.1", 0), Echoing)
    server.seen, server.paths = [], []
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    scheme = "https" if context is not None else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}/", server
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made with the openssl CLI."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def server_context(cert: Path, key: Path, client_ca: Path | None = None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)
    return context
