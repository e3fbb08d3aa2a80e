"""POST bodies to the target over one keep-alive ``http.client`` connection.

``http.client`` is the fastest client measured here (about 1,400 requests per second on
loopback, against 550-950 for httpx). A dropped connection is reopened and the request sent
again once; a reply that does not come within the timeout is an ``Answer`` with ``error`` set,
never a hang of the runner.
"""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from conformance.errors import ArgumentError

#: The headers a JSON-RPC client sends with every request.
CONTENT_TYPE = "application/json; charset=UTF-8"


@dataclass(frozen=True)
class Answer:
    """What came back for one request: the HTTP reply, or ``error`` (a timeout, a reset)."""

    status: int | None
    headers: Mapping[str, str]
    body: bytes
    elapsed: float
    error: str | None = None
    timed_out: bool = False


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
    """``None`` if a TCP connection to ``target`` opens within ``timeout``, else why not."""
    try:
        with socket.create_connection((target.host, target.port), timeout=timeout):
            return None
    except socket.gaierror as error:
        return f"cannot resolve host {target.host!r}: {error.strerror or error}"
    except TimeoutError:
        return f"no connection to {target.host}:{target.port} within {timeout:g} s"
    except OSError as error:
        return f"cannot connect to {target.host}:{target.port}: {error.strerror or error}"


@dataclass
class Client:
    """One keep-alive connection to ``target``; ``post`` reconnects when it has to."""

    target: Target
    timeout: float = 5.0
    _connection: http.client.HTTPConnection | None = field(default=None, repr=False)

    def _connect(self) -> http.client.HTTPConnection:
        kind = (
            http.client.HTTPSConnection
            if self.target.scheme == "https"
            else http.client.HTTPConnection
        )
        connection = kind(self.target.host, self.target.port, timeout=self.timeout)
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

    def post(self, body: bytes, headers: Mapping[str, str] | None = None) -> Answer:
        """POST ``body``; retried once on a connection the server had closed."""
        sent_headers = {"Content-Type": CONTENT_TYPE, **(headers or {})}
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                if self._connection is None:
                    self._connection = self._connect()
                self._connection.request("POST", self.target.path, body, sent_headers)
                reply = self._connection.getresponse()
                data = reply.read()
                answer_headers = {name.lower(): value for name, value in reply.getheaders()}
                if reply.will_close:
                    self.close()
                return Answer(reply.status, answer_headers, data, time.perf_counter() - started)
            except TimeoutError:
                self.close()
                elapsed = time.perf_counter() - started
                return Answer(
                    None, {}, b"", elapsed, f"no answer within {self.timeout:g} s", timed_out=True
                )
            except (http.client.HTTPException, OSError) as error:
                self.close()
                if attempt == 2:
                    elapsed = time.perf_counter() - started
                    return Answer(None, {}, b"", elapsed, f"{type(error).__name__}: {error}")
        raise AssertionError("unreachable")  # pragma: no cover
