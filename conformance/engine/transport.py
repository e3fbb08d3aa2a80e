"""POST bodies to the target over one keep-alive ``http.client`` connection.

``http.client`` is the fastest client measured here (about 1,400 requests per second on
loopback, against 550-950 for httpx). A dropped connection is reopened and the request sent
again once; a reply that does not come within the timeout (a body trickled byte by byte
included: the timeout bounds the whole body; a status line and headers trickled likewise are
cut off by a watchdog, ``conformance.engine.watchdog``) is an ``Answer`` with ``error`` set,
never a hang of the runner, and a body over ``MAX_REPLY_BYTES`` is read no further
(``truncated``). A connection that cannot be opened at all is marked so (``connect_failed``):
a target that answered before and now refuses connections has stopped.

``headers`` go with every request; ``https://`` targets are verified with the system's CA
certificates, or a CA bundle, or not at all, and may be sent a client certificate
(``tls_context``). A proxy named in the environment (``HTTPS_PROXY``, ``HTTP_PROXY``,
``NO_PROXY``) is used as ``urllib`` uses it: a CONNECT tunnel for ``https://``, the absolute URL
for ``http://``.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from conformance.engine.watchdog import Watchdog
from conformance.errors import ArgumentError

#: The headers a JSON-RPC client sends with every request.
CONTENT_TYPE = "application/json; charset=UTF-8"

#: The largest reply body read; a reply to one create.sites request is a few hundred bytes.
MAX_REPLY_BYTES = 16 * 1024 * 1024

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Answer:
    """What came back for one request: the HTTP reply, or ``error`` (a timeout, a reset)."""

    status: int | None
    headers: Mapping[str, str]
    body: bytes
    elapsed: float
    error: str | None = None
    timed_out: bool = False
    #: the body was longer than the client reads: ``body`` is its beginning only
    truncated: bool = False
    #: no connection could be opened (refused, unreachable) on the last attempt
    connect_failed: bool = False
    #: the request went out (on a connection that then failed, where ``error`` is set)
    sent: bool = True


@dataclass(frozen=True)
class Target:
    """Where requests go: scheme, host, port and path of the target URL."""

    url: str
    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> Target:
        """The target at ``url``, or ``ArgumentError`` saying why it cannot be one."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ArgumentError(
                f"target URL {url!r} is not an http:// or https:// URL with a host; "
                "expected e.g. http://127.0.0.1:8080/"
            )
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as error:
            raise ArgumentError(f"target URL {url!r} has a bad port: {error}") from None
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return cls(url, parts.scheme, parts.hostname, port, path)


def reachable(target: Target, timeout: float) -> str | None:
    """``None`` if a TCP connection to ``target`` (to its proxy, where the environment names
    one) opens within ``timeout``, else why not."""
    proxy = proxy_for(target)
    host, port = proxy if proxy is not None else (target.host, target.port)
    via = " (the proxy named in the environment)" if proxy is not None else ""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except socket.gaierror as error:
        return f"cannot resolve host {host!r}{via}: {error.strerror or error}"
    except TimeoutError:
        return f"no connection to {host}:{port}{via} within {timeout:g} s"
    except OSError as error:
        return f"cannot connect to {host}:{port}{via}: {error.strerror or error}"


def parse_header(text: str, option: str = "--header") -> tuple[str, str]:
    """``Name: value`` as a pair; ``ArgumentError`` for text that names no header."""
    name, colon, value = text.partition(":")
    if not colon or not name.strip() or any(char.isspace() for char in name.strip()):
        raise ArgumentError(f"{option} expects 'Name: value'; got {text!r}")
    return name.strip(), value.strip()


def tls_context(
    cacert: str | None = None,
    insecure: bool = False,
    cert: str | None = None,
    key: str | None = None,
) -> ssl.SSLContext:
    """The TLS context of ``https://`` targets: the system's CA certificates (or the bundle
    ``cacert``), none at all where ``insecure``; the client certificate ``cert`` (its key in
    it, or in ``key``). ``ArgumentError`` for a file that cannot be read."""
    try:
        context = ssl.create_default_context(cafile=cacert)
        if insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if cert is not None:
            context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as error:
        names = ", ".join(name for name in (cacert, cert, key) if name)
        raise ArgumentError(f"cannot read the TLS files {names}: {error}") from None
    return context


def proxy_for(target: Target) -> tuple[str, int] | None:
    """The proxy the environment names for ``target`` (``HTTPS_PROXY``, ``HTTP_PROXY``, with
    ``NO_PROXY``), as host and port; ``None``: connect directly."""
    proxy = urllib.request.getproxies().get(target.scheme)
    if not proxy or urllib.request.proxy_bypass(f"{target.host}:{target.port}"):
        return None
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if not parts.hostname:
        return None
    return parts.hostname, parts.port or 80


@dataclass
class Client:
    """One keep-alive connection to ``target``; ``post`` reconnects when it has to."""

    target: Target
    timeout: float = 5.0
    max_reply_bytes: int = MAX_REPLY_BYTES
    _connection: http.client.HTTPConnection | None = field(default=None, repr=False)
    _watchdog: Watchdog = field(default_factory=Watchdog, repr=False)
    #: headers sent with every request, as (name, value) pairs
    headers: Sequence[tuple[str, str]] = ()
    #: the TLS context of an ``https://`` target (``None``: the system's defaults)
    context: ssl.SSLContext | None = field(default=None, repr=False)

    def _connect(self) -> http.client.HTTPConnection:
        target = self.target
        proxy = proxy_for(target)
        host, port = proxy if proxy is not None else (target.host, target.port)
        connection: http.client.HTTPConnection
        if target.scheme == "https":
            connection = http.client.HTTPSConnection(
                host, port, timeout=self.timeout, context=self.context
            )
            if proxy is not None:
                connection.set_tunnel(target.host, target.port)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
        connection.connect()
        # small requests on a kept-alive connection: do not let Nagle hold them back
        if connection.sock is not None:
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def close(self) -> None:
        """Close the connection (the next ``post`` opens a new one)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self._watchdog.close()

    def request_headers(self, headers: Mapping[str, str] | None = None) -> dict[str, str]:
        """The headers ``post`` sends besides those ``http.client`` adds (``Host``,
        ``Content-Length``, ``Accept-Encoding``)."""
        return {"Content-Type": CONTENT_TYPE, **dict(self.headers), **(headers or {})}

    def post(self, body: bytes, headers: Mapping[str, str] | None = None) -> Answer:
        """POST ``body``; retried once on a connection the server had closed."""
        sent_headers = self.request_headers(headers)
        # through a proxy, a plain http:// request names the whole URL
        path = self.target.path
        if self.target.scheme == "http" and proxy_for(self.target) is not None:
            path = f"http://{self.target.host}:{self.target.port}{path}"
        started = time.perf_counter()
        # the whole answer, a retry included, within the timeout: status line and headers too
        deadline = time.monotonic() + self.timeout
        sent = False
        for attempt in (1, 2):
            connecting = False
            try:
                if self._connection is None:
                    connecting = True
                    self._connection = self._connect()
                    connecting = False
                elif self._connection.sock is not None:
                    # the last body's read left the deadline's remainder on the socket
                    self._connection.sock.settimeout(self.timeout)
                self._watchdog.arm(self._connection.sock, deadline)
                sent = True
                self._connection.request("POST", path, body, sent_headers)
                reply = self._connection.getresponse()
                data, truncated = self._read_body(reply, started)
                if self._watchdog.fired:  # the socket was shut down under the read: no answer
                    return self._timed_out(started)
                answer_headers = {name.lower(): value for name, value in reply.getheaders()}
                if reply.will_close or truncated:
                    self.close()
                elapsed = time.perf_counter() - started
                return Answer(reply.status, answer_headers, data, elapsed, truncated=truncated)
            except TimeoutError:
                return self._timed_out(started)
            except (http.client.HTTPException, OSError) as error:
                if self._watchdog.fired:
                    return self._timed_out(started)
                self.close()
                if attempt == 2:
                    elapsed = time.perf_counter() - started
                    said = f"{type(error).__name__}: {error}"
                    return Answer(
                        None, {}, b"", elapsed, said, connect_failed=connecting, sent=sent
                    )
            finally:
                self._watchdog.disarm()
        raise AssertionError("unreachable")  # pragma: no cover

    def _timed_out(self, started: float) -> Answer:
        self.close()
        elapsed = time.perf_counter() - started
        return Answer(
            None, {}, b"", elapsed, f"no answer within {self.timeout:g} s", timed_out=True
        )

    def _read_body(self, reply: http.client.HTTPResponse, started: float) -> tuple[bytes, bool]:
        """The body, read until ``timeout`` after ``started`` (else ``TimeoutError``) and at
        most ``max_reply_bytes`` of it; with whether there was more."""
        chunks: list[bytes] = []
        size = 0
        sock = self._connection.sock if self._connection is not None else None
        while size <= self.max_reply_bytes:
            remaining = self.timeout - (time.perf_counter() - started)
            if remaining <= 0:
                raise TimeoutError
            if sock is not None:
                sock.settimeout(remaining)
            # read1: at most one read from the socket, so that the deadline is checked often
            chunk = reply.read1(_CHUNK)
            if not chunk:
                # read1 takes a connection closed before Content-Length bytes came for the
                # end of the body: a body cut short must not pass for a whole one
                missing = reply.length
                reply.close()  # read1 leaves it open at the end; a new request needs it closed
                if missing:
                    raise http.client.IncompleteRead(b"".join(chunks), missing)
                return b"".join(chunks), False
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)[: self.max_reply_bytes], True
