"""The proxy never changes a byte: what the upstream receives and what the client gets back are
the same through the proxy as over a direct connection."""

from __future__ import annotations

import http.client
import io
import json
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

from conformance.proxy import proxy_for

#: What the recording upstream answers: odd headers, a repeated one, a body that is no UTF-8.
REPLY_BODY = b'{"jsonrpc":"2.0","id":1,"result":"caf\xe9 \xff"}'
REPLY_HEAD = (
    b"HTTP/1.1 299 Odd Reason\r\n"
    b"Content-Type: application/json;charset=latin-1\r\n"
    b"X-Trace: one\r\n"
    b"x-trace: two\r\n"
    b"Set-Cookie: a=b; Path=/\r\n"
    b"Keep-Alive: timeout=5\r\n"
    b"Content-Length: %d\r\n\r\n"
)


class _Recording(socketserver.StreamRequestHandler):
    """Reads one request's raw bytes (head and ``Content-Length`` body), keeps them, answers."""

    server: _Upstream

    def handle(self) -> None:
        while True:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                line = self.rfile.readline()
                if not line:
                    return
                head += line
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            self.server.received.append(head + self.rfile.read(length))
            self.wfile.write(REPLY_HEAD % len(REPLY_BODY) + REPLY_BODY)


class _Upstream(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Recording)
        self.received: list[bytes] = []


@contextmanager
def recording_upstream() -> Iterator[_Upstream]:
    server = _Upstream()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _exchange(url: str, host: str, body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """POST ``body`` to ``url`` naming ``host`` in Host, as a client does; what came back."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.putrequest("POST", "/rpc/v1?x=1&y=%20", skip_host=True)
        connection.putheader("Host", host)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Authorization", "Bearer s3cret-value-123")
        connection.putheader("X-Dup", "1")
        connection.putheader("X-Dup", "2")
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.reason, response.getheaders(), response.read()
    finally:
        connection.close()


BODIES = {
    "request": json.dumps({"jsonrpc": "2.0", "id": 1, "method": "m", "params": [1]}).encode(),
    "not-utf-8": b'{"jsonrpc":"2.0","id":1,"method":"m","params":["\xff\xfe"]}',
    "batch": b'[{"jsonrpc":"2.0","id":1,"method":"m"} , {"jsonrpc":"2.0","method":"n"}]',
    "empty": b"",
}


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_the_upstream_and_the_client_see_the_same_bytes_as_over_a_direct_connection(
    body: bytes,
) -> None:
    with recording_upstream() as upstream:
        upstream_url = f"http://127.0.0.1:{upstream.server_address[1]}/"
        netloc = urlsplit(upstream_url).netloc
        direct = _exchange(upstream_url, netloc, body)
        with proxy_for(upstream_url, stream=io.StringIO()) as (url, _):
            proxied = _exchange(url, urlsplit(url).netloc, body)
        assert len(upstream.received) == 2
        assert upstream.received[1] == upstream.received[0]
    # back: status, reason, every end-to-end header in order, the body; only Keep-Alive, which
    # belongs to one connection, is dropped
    status, reason, headers, answer = direct
    end_to_end = [(n, v) for n, v in headers if n.lower() != "keep-alive"]
    assert proxied == (status, reason, end_to_end, answer)
    assert answer == REPLY_BODY


def test_a_path_under_the_upstream_path_and_a_chunked_body_are_forwarded() -> None:
    """The upstream URL's path comes before the request's; a chunked body arrives whole, with
    its length (chunking belongs to one connection)."""
    with recording_upstream() as upstream:
        upstream_url = f"http://127.0.0.1:{upstream.server_address[1]}/api"
        with proxy_for(upstream_url, stream=io.StringIO()) as (url, _):
            parts = urlsplit(url)
            connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
            connection.request("POST", "/", body=iter([b'{"a":', b"1}"]), encode_chunked=True)
            assert connection.getresponse().read() == REPLY_BODY
            connection.close()
        [received] = upstream.received
    assert received.startswith(b"POST /api/ HTTP/1.1\r\n")
    assert b"Transfer-Encoding" not in received
    assert received.endswith(b'Content-Length: 7\r\n\r\n{"a":1}')
