"""The forwarding half of the proxy: an HTTP/1.1 server (the standard library's
``ThreadingHTTPServer``, one thread a connection, keep-alive) that sends each request on to the
upstream and the upstream's answer back, unchanged, then hands the exchange to the judge.

Unchanged means: the method, the path (after the upstream URL's own path, where it has one) and
query, every header but the hop-by-hop ones (RFC 9110 section 7.6.1: ``Connection``, the
headers it names, ``Keep-Alive``, ``Transfer-Encoding``, ``TE``, ``Trailer``, ``Upgrade``,
``Proxy-*``), and the body, byte for byte; back, the status, its reason phrase, every header but
the hop-by-hop ones, and the body. ``Host`` names the upstream (what a client talking to it
directly sends). A chunked body, in either direction, is forwarded whole with a
``Content-Length`` (chunking is hop-by-hop): the only header the proxy adds.

The answer is written to the client before the exchange is judged: the judging adds no
latency to the reply it judges (``make bench`` measures what the proxy adds). An upstream that
cannot be reached is answered with ``502`` (``504`` past ``timeout``), a text body saying so,
and nothing is judged; so is an ``https://`` upstream whose certificate the TLS context
(``upstream_tls``: ``conformance proxy --cacert``, ``--insecure``, ``--cert``/``--key``) does
not verify, or that refuses the proxy's client certificate.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Final
from urllib.parse import urlsplit

from conformance.errors import ArgumentError
from conformance.server.httpd import TrackedHTTPServer

#: Headers that belong to one connection, never forwarded (RFC 9110 section 7.6.1).
HOP_BY_HOP: Final = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)

#: The largest request body the proxy reads (past it: 413, nothing forwarded).
MAX_BODY_BYTES: Final = 64 << 20

#: Seconds to wait for the upstream's answer, by default.
UPSTREAM_TIMEOUT: Final = 30.0

#: Seconds an idle client connection is kept open.
IDLE_TIMEOUT: Final = 60.0


@dataclass(frozen=True)
class Upstream:
    """Where requests go: the scheme, ``host:port`` as a ``Host`` header names it, and the
    path prefix requests' paths are put after."""

    url: str
    scheme: str
    host: str
    port: int
    netloc: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> Upstream:
        """The upstream at ``url``; ``ArgumentError`` saying why it cannot be one."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ArgumentError(f"--upstream must be an http:// or https:// URL; got {url!r}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise ArgumentError(f"--upstream has no valid port: {url!r}") from None
        return cls(url, parts.scheme, parts.hostname, port, parts.netloc, parts.path.rstrip("/"))

    def connection(
        self, timeout: float, context: ssl.SSLContext | None = None
    ) -> http.client.HTTPConnection:
        """A connection to the upstream; over TLS with ``context`` (``None``: the system's
        CA certificates, as ``ssl.create_default_context`` gives them)."""
        if self.scheme == "https":
            return http.client.HTTPSConnection(
                self.host,
                self.port,
                timeout=timeout,
                context=context or ssl.create_default_context(),
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)


@dataclass(frozen=True)
class Observed:
    """One exchange as it passed through: what the client sent and what it got back."""

    method: str
    path: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    status: int
    reply_headers: tuple[tuple[str, str], ...]
    reply_body: bytes
    #: seconds from the request's arrival to the answer's last byte written
    elapsed: float


def _dropped(headers: list[tuple[str, str]]) -> set[str]:
    """The hop-by-hop header names among ``headers`` (lower case), those ``Connection`` names
    included."""
    names = set(HOP_BY_HOP)
    for name, value in headers:
        if name.lower() == "connection":
            names |= {token.strip().lower() for token in value.split(",") if token.strip()}
    return names


class ProxyHandler(BaseHTTPRequestHandler):
    """One client connection: each request forwarded, each answer sent back, then judged."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: ProxyServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.idle_timeout)
        self.upstream: http.client.HTTPConnection | None = None

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if self.upstream is not None:
                self.upstream.close()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the proxy's output is the violations (a log would hold paths and tokens)."""

    def __getattr__(self, name: str) -> Any:
        # http.server looks up do_<METHOD>: every method is forwarded alike
        if name.startswith("do_"):
            return self.forward
        raise AttributeError(name)

    def forward(self) -> None:
        """Forward one request and its answer; then hand the exchange to the judge."""
        started = time.perf_counter()
        received = list(self.headers.items())
        body = self._body(received)
        if body is None:
            return
        upstream = self.server.upstream
        dropped = _dropped(received)
        headers = [(n, v) for n, v in received if n.lower() not in dropped]
        headers = [(n, upstream.netloc if n.lower() == "host" else v) for n, v in headers]
        if not any(n.lower() == "host" for n, _ in headers):
            headers.insert(0, ("Host", upstream.netloc))
        if body and not any(n.lower() == "content-length" for n, _ in headers):
            headers.append(("Content-Length", str(len(body))))  # the body came chunked
        try:
            status, reason, answer_headers, answer = self._exchange(headers, body)
        except TimeoutError as error:
            self._refuse(504, f"the upstream {upstream.url} did not answer in time: {error}")
            return
        except (OSError, http.client.HTTPException) as error:
            why = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            self._refuse(502, f"the upstream {upstream.url} cannot be reached: {why}")
            return
        back_dropped = _dropped(answer_headers)
        shown = [(n, v) for n, v in answer_headers if n.lower() not in back_dropped]
        lines = [f"HTTP/1.1 {status} {reason}"]
        lines += [f"{name}: {value}" for name, value in shown]
        has_length = any(n.lower() == "content-length" for n, _ in shown)
        if not has_length and self.command != "HEAD" and status not in (204, 304):
            lines.append(f"Content-Length: {len(answer)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + answer)  # one send: Nagle and delayed ACKs stall two
        self.wfile.flush()
        elapsed = time.perf_counter() - started
        self.server.observe(
            Observed(
                self.command,
                self.path,
                tuple(received),
                body,
                status,
                tuple(answer_headers),
                answer,
                elapsed,
            )
        )

    def _body(self, received: list[tuple[str, str]]) -> bytes | None:
        """The request's body (``Content-Length`` or chunked); ``None`` where it was refused."""
        encoding = self.headers.get("Transfer-Encoding", "").lower()
        if "chunked" in encoding:
            return self._chunked()
        lengths = {value.strip() for name, value in received if name.lower() == "content-length"}
        if not lengths:
            return b""
        if len(lengths) != 1 or not next(iter(lengths)).isdigit():
            self._refuse(400, "Content-Length must be one decimal number")
            return None
        length = int(lengths.pop())
        if length > self.server.max_body_bytes:
            self._refuse(413, f"the body is {length} bytes; the proxy reads at most "
                              f"{self.server.max_body_bytes}")  # fmt: skip
            return None
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True
            return None
        return body

    def _chunked(self) -> bytes | None:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                self._refuse(400, "a malformed chunk")
                return None
            if size == 0:
                while self.rfile.readline(8192).strip():  # trailers: hop-by-hop, dropped
                    pass
                return b"".join(parts)
            total += size
            if total > self.server.max_body_bytes:
                self._refuse(413, "the chunked body is over the proxy's limit")
                return None
            parts.append(self.rfile.read(size))
            self.rfile.readline(8)

    def _exchange(
        self, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """Send the request upstream on this client's own upstream connection (opened again
        once, where the upstream had closed a kept one before the request reached it)."""
        path = self.server.upstream.prefix + self.path if self.path.startswith("/") else self.path
        for attempt in (0, 1):
            reused = self.upstream is not None
            if self.upstream is None:
                self.upstream = self.server.upstream.connection(
                    self.server.upstream_timeout, self.server.upstream_tls
                )
            connection = self.upstream
            try:
                if connection.sock is None:
                    connection.connect()
                    # each request goes out in one send, and waits on no delayed ACK
                    opened: socket.socket = connection.sock  # type: ignore[assignment]
                    opened.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                connection.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    connection.putheader(name, value)
                connection.endheaders(body or None)
                response = connection.getresponse()
                answer = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                self.upstream = None
                if reused and attempt == 0:
                    continue  # a kept connection the upstream had closed: the request never ran
                raise
            except BaseException:
                connection.close()
                self.upstream = None
                raise
            if response.will_close:
                connection.close()
                self.upstream = None
            return response.status, response.reason, list(response.getheaders()), answer
        raise AssertionError("unreachable")

    def _refuse(self, status: int, message: str) -> None:
        """Answer the client with ``status`` and ``message`` as text; nothing is judged."""
        self.server.report_error(message)
        self.close_connection = True
        body = f"conformance proxy: {message}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class ProxyServer(TrackedHTTPServer):
    """The proxy's listening socket: each connection on a thread of its own; ``observe`` gets
    each exchange forwarded, ``report_error`` each the proxy answered itself."""

    thread_name = "conformance-proxy"

    def __init__(
        self,
        address: tuple[str, int],
        upstream: Upstream,
        observe: Callable[[Observed], None],
        *,
        report_error: Callable[[str], None] = lambda message: None,
        timeout: float = UPSTREAM_TIMEOUT,
        idle_timeout: float = IDLE_TIMEOUT,
        max_body_bytes: int = MAX_BODY_BYTES,
        upstream_tls: ssl.SSLContext | None = None,
    ) -> None:
        self.upstream = upstream
        #: the TLS context of an ``https://`` upstream (``conformance proxy --cacert``, ...)
        self.upstream_tls = upstream_tls
        self.observe = observe
        self.report_error = report_error
        self.upstream_timeout = timeout
        self.idle_timeout = idle_timeout
        self.max_body_bytes = max_body_bytes
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, ProxyHandler)


__all__ = ["HOP_BY_HOP", "Observed", "ProxyHandler", "ProxyServer", "Upstream"]
