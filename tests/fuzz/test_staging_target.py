"""What a real staging target needs: headers sent with every request (the secret ones masked
in every output, as the token is), TLS verified with a CA bundle or not at all, a client
certificate. The target is a raw HTTP(S) server on 127.0.0.1 with a certificate made here."""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from target_helpers import CUSTOMER_TOKEN

from conformance.cli import Streams, main

SECRET = "s3cret-bearer-value-81f2a"
COOKIE = "session=cookie-value-77d1c0"


def _fuzz(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["fuzz", *argv], Streams(stdin=io.BytesIO(), stdout=out, stderr=err))
    return code, out.getvalue(), err.getvalue()


class _Echoing(http.server.BaseHTTPRequestHandler):
    """Answers the first request with a success, every later one with an error that quotes
    the request's Authorization and Cookie headers (a target echoing credentials); records
    the headers of each request."""

    protocol_version = "HTTP/1.1"
    server: _Server

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


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    seen: list[dict[str, str]]
    paths: list[str]


@contextlib.contextmanager
def target(context: ssl.SSLContext | None = None) -> Iterator[tuple[str, _Server]]:
    """The echoing target on a free loopback port, over TLS where ``context`` is given."""
    server = _Server(("127.0.0.1", 0), _Echoing)
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


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made with the openssl CLI."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def _server_context(cert: Path, key: Path, client_ca: Path | None = None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)
    return context


#: a few failures are enough: the run stops there
SHORT = ("--token", CUSTOMER_TOKEN, "--max-examples", "0", "--max-failures", "3")


def test_headers_are_sent_and_their_secrets_masked_everywhere(tmp_path: Path) -> None:
    """-H is sent with every request; a target that echoes Authorization and Cookie shows ***
    for them in the text, JSON, JUnit and HTML reports and the saved failures; a header that
    is no secret is left as it is."""
    junit, html, saved = tmp_path / "junit.xml", tmp_path / "report.html", tmp_path / "saved"
    with target() as (url, server):
        headers = ("-H", f"Authorization: Bearer {SECRET}", "-H", f"Cookie: {COOKIE}")
        headers += ("--header", "X-Trace: trace-visible-1")
        code, text, err = _fuzz(url, *SHORT, *headers, "--junitxml", str(junit))
        code_json, document, _ = _fuzz(
            url, *SHORT, *headers, "--output", "json", "--report-html", str(html),
            "--save-failures", str(saved),
        )  # fmt: skip
        _, shown, _ = _fuzz(url, *SHORT, *headers, "--show-secrets")
    assert (code, code_json) == (1, 1), err
    assert all(seen["Authorization"] == f"Bearer {SECRET}" for seen in server.seen)
    assert all(seen["X-Trace"] == "trace-visible-1" for seen in server.seen)
    outputs = [text, document, junit.read_text(), html.read_text()]
    outputs += [path.read_text() for path in saved.glob("*.json")]
    assert len(outputs) > 4
    for output in outputs:
        assert SECRET not in output and "cookie-value-77d1c0" not in output
    assert "denied for Bearer ***" in text or "denied for ***" in text
    assert SECRET in shown  # --show-secrets shows them


def test_a_header_without_a_name_is_a_usage_error() -> None:
    code, _, err = _fuzz("http://127.0.0.1:9/", "--token", "t", "-H", "no colon here")
    assert code == 2 and "--header expects 'Name: value'" in err


def test_tls_is_verified_with_cacert_or_not_at_all(certificate: tuple[Path, Path]) -> None:
    """A self-signed target: refused by default (one set-up message), taken with --cacert
    naming its certificate, or with --insecure."""
    cert, key = certificate
    with target(_server_context(cert, key)) as (url, _):
        code, _, err = _fuzz(url, *SHORT)
        assert code == 2 and "CERTIFICATE_VERIFY_FAILED" in err
        code, out, err = _fuzz(url, *SHORT, "--cacert", str(cert))
        assert code == 1 and "denied for None" in out, err
        code, out, err = _fuzz(url, *SHORT, "--insecure")
        assert code == 1 and "denied for None" in out, err


def test_a_client_certificate_is_sent(certificate: tuple[Path, Path], tmp_path: Path) -> None:
    """A target that requires a client certificate takes the run's --cert/--key; without
    them the run cannot start (exit 2); a file that cannot be read is a usage error."""
    cert, key = certificate
    with target(_server_context(cert, key, client_ca=cert)) as (url, _):
        code, _, err = _fuzz(url, *SHORT, "--cacert", str(cert))
        assert code == 2, err
        code, out, err = _fuzz(
            url, *SHORT, "--cacert", str(cert), "--cert", str(cert), "--key", str(key)
        )
        assert code == 1 and "denied for None" in out, err
    code, _, err = _fuzz(url, *SHORT, "--cert", str(tmp_path / "missing.pem"))
    assert code == 2 and "cannot read the TLS files" in err


def test_a_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """$HTTP_PROXY: every request goes to the proxy, naming the target's whole URL (a name
    only the proxy could resolve); $NO_PROXY sends it straight to the target."""
    with target() as (proxy, server):
        monkeypatch.setenv("HTTP_PROXY", proxy)
        monkeypatch.delenv("http_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        code, out, err = _fuzz("http://staging.invalid:8080/rpc", *SHORT)
        assert code == 1 and "denied for None" in out, err
        assert server.paths and set(server.paths) == {"http://staging.invalid:8080/rpc"}
        monkeypatch.setenv("NO_PROXY", "staging.invalid")
        code, _, err = _fuzz("http://staging.invalid:8080/rpc", *SHORT)
        assert code == 2 and "staging.invalid" in err
