"""The HTTP layer: JSON-RPC over HTTP/1.1 on the standard library's ``ThreadingHTTPServer``.

One thread per connection; keep-alive; ``TCP_NODELAY`` and each response written in one send
(headers and body together), because Nagle's algorithm meeting delayed ACKs otherwise stalls
every keep-alive request by 40 ms.

Every path is the endpoint. What reaches the application is the body of a POST; the
application's ``Response`` is sent as it is (the reference server: always 200 and JSON). What
never became a request is refused here, with an HTTP status and a JSON-RPC ``invalid_request``
error body, and the connection is closed:

=====================================================  ======
no Content-Length (also ``Transfer-Encoding: chunked``)  411
Content-Length not one decimal number                   400
body over ``max_body_bytes`` (default 1 MiB)             413
body not complete within ``read_timeout``                408
a method other than POST                                 405
a malformed request line or headers                      400 (or 414/431/505, as http.server says)
=====================================================  ======

A connection past ``max_connections`` (default 256) open at once is answered at once with 503,
the same kind of body and ``Connection: close``, on the accepting thread, then closed (after
``REFUSED_LINGER``, so that a late request does not turn the answer into a reset): it gets no
handler thread, so a flood of connections cannot exhaust threads; open connections go on.

A body over the limit is read and thrown away (up to ``DRAIN_LIMIT``) so that the client,
which sends its whole body before reading, gets the refusal instead of a reset connection.

``read_timeout`` (default 10 s) bounds every wait for bytes, an idle keep-alive connection's
included, the whole of a request's head (request line and headers, from its first byte) and the
whole of a body: a client that sends half a body and stalls, or trickles its headers a byte at a
time, is dropped, while other connections, each on its own thread, go on.

``Expect: 100-continue`` gets the interim ``100 Continue`` only for a body that would be read;
a body that would be refused is refused at once, before the client sends it.

Logs go to the ``conformance.server`` logger: never a body, never a query string, so never an
access token.
"""

from __future__ import annotations

import collections
import contextlib
import io
import logging
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any, Final, Protocol, Self

from conformance.server.rpc import Response, RpcError, encode, error_reply, transport_error

logger = logging.getLogger("conformance.server")

MAX_BODY_BYTES: Final = 1 << 20
MAX_CONNECTIONS: Final = 256
#: seconds a refused connection is kept (answered, half-closed) before it is closed
REFUSED_LINGER: Final = 1.0
#: the most refused connections kept lingering; past it, the oldest is closed at once
REFUSED_KEPT: Final = 256
READ_TIMEOUT: Final = 10.0
#: the largest over-limit body read to its end (past it, the connection is just closed)
DRAIN_LIMIT: Final = 64 << 20
_CHUNK: Final = 1 << 16
_DECIMAL: Final = re.compile(r"[0-9]{1,20}")


class App(Protocol):
    """What the HTTP layer serves: anything with ``handle(body) -> Response``."""

    def handle(self, body: bytes) -> Response: ...


def http_bytes(
    response: Response,
    headers: dict[str, str] | None = None,
    *,
    close: bool = False,
    with_body: bool = True,
) -> bytes:
    """``response`` as HTTP/1.1 bytes: status line, headers and (``with_body``) the body."""
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = "Unknown"
    lines = [
        f"HTTP/1.1 {response.status} {phrase}",
        f"Content-Type: {response.content_type}",
        f"Content-Length: {len(response.body)}",
    ]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if close:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + response.body if with_body else head


class DeadlineReader(io.RawIOBase):
    """A socket's bytes: each wait bounded by ``timeout``, and all of them by ``deadline``.

    The socket's own timeout bounds one wait only, so a client sending a byte a second would
    hold a connection for ever; with ``deadline`` set, a wait past it raises ``TimeoutError``.
    """

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        super().__init__()
        self._sock = sock
        self._timeout = timeout
        #: ``time.monotonic()`` by which the bytes being read must all have arrived, or None
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.deadline is None:
            return self._sock.recv_into(buffer)
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the read deadline has passed")
        if left >= self._timeout:
            return self._sock.recv_into(buffer)
        self._sock.settimeout(left)
        try:
            return self._sock.recv_into(buffer)
        finally:
            self._sock.settimeout(self._timeout)  # writes keep the whole timeout


class RpcHandler(BaseHTTPRequestHandler):
    """One connection: reads POST bodies, hands them to the app, writes its responses."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: RpcHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.read_timeout)
        self.rfile.close()
        self.reader = DeadlineReader(self.connection, self.server.read_timeout)
        self.rfile = self.buffered = io.BufferedReader(self.reader)
        self.continue_withheld = False

    def handle_one_request(self) -> None:
        """Wait up to ``read_timeout`` for a request, then give its head ``read_timeout``."""
        self.reader.deadline = None
        self.continue_withheld = False
        try:
            started = self.buffered.peek(1)
        except OSError:  # TimeoutError included: an idle keep-alive connection
            started = b""
        if not started:
            self.close_connection = True
            return
        self.reader.deadline = time.monotonic() + self.server.read_timeout
        super().handle_one_request()

    def do_POST(self) -> None:
        """Answer one JSON-RPC request."""
        body = self.read_body()
        if body is None:
            return
        try:
            response = self.server.app.handle(body)
        except Exception:
            logger.exception("the application failed on a request")
            response = Response(encode(error_reply(None, RpcError("internal_error"))))
        self.send(response)

    def refuse_method(self) -> None:
        """Answer any method but POST with 405."""
        response = transport_error(HTTPStatus.METHOD_NOT_ALLOWED, "only POST is served")
        self.send(response, {"Allow": "POST"}, with_body=self.command != "HEAD")

    def __getattr__(self, name: str) -> Any:
        # http.server looks up do_<METHOD> and answers a method it does not find with 501;
        # every method but POST (TRACE, QUERY and made-up ones included) is refused alike
        if name.startswith("do_"):
            return self.refuse_method
        raise AttributeError(name)

    def declared_length(self) -> int | Response:
        """The body's length as ``Content-Length`` gives it, or the refusal of a bad one."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower() or (
            "Content-Length" not in self.headers
        ):
            return transport_error(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length")
        lengths = {value.strip() for value in self.headers.get_all("Content-Length", [])}
        if len(lengths) != 1 or not _DECIMAL.fullmatch(next(iter(lengths))):
            helper = "Content-Length must be one decimal number"
            return transport_error(HTTPStatus.BAD_REQUEST, helper)
        return int(lengths.pop())

    def handle_expect_100(self) -> bool:
        """Send ``100 Continue`` only for a body that will be read; refuse others unsent."""
        length = self.declared_length()
        if isinstance(length, int) and length <= self.server.max_body_bytes:
            return super().handle_expect_100()
        self.continue_withheld = True  # the client waits: nothing to drain
        return True

    def read_body(self) -> bytes | None:
        """The request body; ``None`` if it was refused (the refusal is sent)."""
        length = self.declared_length()
        if isinstance(length, Response):
            self.send(length)
            return None
        limit = self.server.max_body_bytes
        if length > limit:
            helper = f"the body is {length} bytes; the limit is {limit} bytes"
            self.send(transport_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, helper))
            if length <= DRAIN_LIMIT and not self.continue_withheld:
                self.receive(length, keep=False)
            return None
        body = self.receive(length)
        if body is None:
            logger.info("dropped a connection: the body did not arrive in time")
            helper = f"the body did not arrive within {self.server.read_timeout} s"
            self.send(transport_error(HTTPStatus.REQUEST_TIMEOUT, helper))
        return body

    def receive(self, length: int, *, keep: bool = True) -> bytes | None:
        """``length`` bytes of body within ``read_timeout``, else ``None`` (and the connection
        is to be closed); with ``keep=False`` the bytes are read and thrown away."""
        self.reader.deadline = time.monotonic() + self.server.read_timeout
        remaining = length
        body = b""
        try:
            if keep:
                body = self.rfile.read(length)
                remaining -= len(body)
            else:
                while remaining > 0 and (chunk := self.rfile.read1(min(remaining, _CHUNK))):
                    remaining -= len(chunk)
        except OSError:  # TimeoutError included
            pass
        if remaining > 0:
            self.close_connection = True
            return None
        return body

    def send(
        self, response: Response, headers: dict[str, str] | None = None, with_body: bool = True
    ) -> None:
        """Write ``response`` in one send; close afterwards if it or the client asks to."""
        if response.close:
            self.close_connection = True
        data = http_bytes(response, headers, close=self.close_connection, with_body=with_body)
        try:
            self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client went away; nothing more to say to it
        if logger.isEnabledFor(logging.DEBUG):
            # a request refused on its first line has no command or path
            path = getattr(self, "path", "").partition("?")[0]
            logger.debug(
                "%s %r -> %d (%d bytes)",
                self.command or "-",
                path,
                response.status,
                len(response.body),
            )

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer what http.server cannot parse with a JSON body instead of an HTML page.

        ``message`` is not sent: http.server puts the raw request line in it ("Bad request
        syntax ('GET /?access_token=...')"); the helper is in fixed words, by status.
        """
        logger.info("refused a malformed HTTP request: %d", code)
        self.send(transport_error(code, malformed_helper(code)))

    def log_message(self, format: str, *args: Any) -> None:
        # http.server logs request lines (which may carry a query string) to stderr; the
        # few messages that come here are kept to their first word, e.g. "Request timed out"
        logger.debug("http.server: %s", format.partition("%")[0].strip())


#: why http.server refused a request, by status, in words that never quote the request
_MALFORMED: Final = {
    HTTPStatus.BAD_REQUEST: "the request line or a header could not be parsed",
    HTTPStatus.REQUEST_URI_TOO_LONG: "the request line is too long",
    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE: "a header line is too long, or there are too many",
    HTTPStatus.HTTP_VERSION_NOT_SUPPORTED: "the HTTP version is not supported; send HTTP/1.1",
}


def malformed_helper(code: int) -> str:
    """The ``extended_helper`` of a refusal by http.server: the status phrase and a reason."""
    try:
        status = HTTPStatus(code)
    except ValueError:
        return f"HTTP {code}: the request could not be read"
    reason = _MALFORMED.get(status, "the request could not be read")
    return f"{status.phrase}: {reason}"


def _discard(sock: socket.socket) -> None:
    """Close a refused socket, reading away (without waiting) what its client sent."""
    with contextlib.suppress(OSError):
        sock.setblocking(False)  # never wait on the client here
        for _ in range(16):  # at most 1 MiB; a closed socket with unread bytes sends a reset
            if not sock.recv(_CHUNK):
                break
    sock.close()


class TrackedHTTPServer(ThreadingHTTPServer):
    """A ``ThreadingHTTPServer`` that knows its open connections, to end them on stop: each
    connection on a daemon thread, a backlog that takes a burst of clients, no DNS lookup on
    bind. The reference server and the proxy are both one."""

    daemon_threads = True
    # 16 clients connecting at once overflow the default backlog of 5, and a dropped SYN
    # costs a one-second retransmission
    request_queue_size = 128
    #: the name of the thread ``running`` serves on
    thread_name = "http-server"

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._lock = threading.Lock()
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (getfqdn), which can wait on DNS
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    @property
    def url(self) -> str:
        """The base URL the server listens on, e.g. ``http://127.0.0.1:8080/``."""
        host = self.server_name
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.server_port}/"

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve a new connection on a daemon thread, known before it starts.

        ThreadingMixIn's own version starts the thread untracked; tracking it from the
        handler's ``setup`` left a window (accepted, thread not yet in ``setup``) in which a
        stop missed the connection, and its thread went on after ``running`` had returned
        (and after the store behind the app was closed).
        """
        thread = threading.Thread(
            target=self.process_request_thread, args=(request, client_address), daemon=True
        )
        with self._lock:
            self._connections[request] = thread
        try:
            thread.start()
        except BaseException:
            self._untrack(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._untrack(request)

    def _untrack(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.pop(connection, None)

    @contextmanager
    def running(self, poll_interval: float = 0.05) -> Iterator[Self]:
        """Serve on a background thread; on exit, stop, end open connections and close."""
        thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": poll_interval},
            name=self.thread_name,
            daemon=True,
        )
        thread.start()
        try:
            yield self
        finally:
            self.shutdown()
            thread.join()
            self.close_connections()
            self.server_close()

    def close_connections(self, timeout: float = 5.0) -> None:
        """End every open connection and wait (up to ``timeout``) for their threads."""
        with self._lock:
            open_now = list(self._connections.items())
        for connection, _ in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RD)  # the answer being written still goes out
        deadline = time.monotonic() + timeout
        for _, thread in open_now:
            thread.join(max(0.0, deadline - time.monotonic()))


class RpcHTTPServer(TrackedHTTPServer):
    """A ``ThreadingHTTPServer`` serving ``app``, that can close its open connections.

    At most ``max_connections`` connections are served at once, each on its own thread; one
    more is refused with 503 on the accepting thread (see ``refuse``).
    """

    thread_name = "rpc-server"

    def __init__(
        self,
        address: tuple[str, int],
        app: App,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        read_timeout: float = READ_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        if max_connections < 1:
            raise ValueError(f"max_connections must be at least 1; got {max_connections}")
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.read_timeout = read_timeout
        self.max_connections = max_connections
        #: connections admitted and not yet finished (counted on accept, before their thread)
        self._active = 0
        #: refused sockets, already answered, each with the time it is to be closed
        self._refused: collections.deque[tuple[float, socket.socket]] = collections.deque()
        super().__init__(address, RpcHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log what escaped a connection's handler on the server's logger, not on stderr."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):  # the client reset or left: nothing to answer
            logger.info("a connection ended abruptly: %s", type(error).__name__)
        else:
            logger.exception("the HTTP layer failed on a connection")

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve a new connection on a thread of its own, or refuse it if the cap is reached."""
        with self._lock:
            admitted = self._active < self.max_connections
            if admitted:
                self._active += 1
        if not admitted:
            self.refuse(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:  # no thread started (e.g. "can't start new thread")
            self._release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release()

    def _release(self) -> None:
        with self._lock:
            self._active -= 1

    def refuse(self, request: socket.socket) -> None:
        """Answer a connection over the cap with 503 and end it, on the accepting thread.

        Nothing waits on the client: the response (a few hundred bytes, into an empty send
        buffer) is written without blocking and followed by a FIN. The socket is closed only
        ``REFUSED_LINGER`` later (by ``service_actions``), so that a client that writes its
        request after the refusal has arrived still reads the 503 instead of a reset.
        """
        logger.warning("refused a connection: %d connections open, the limit", self.max_connections)
        helper = (
            f"the server is serving its limit of {self.max_connections} connections; "
            "try again later"
        )
        response = transport_error(HTTPStatus.SERVICE_UNAVAILABLE, helper)
        with contextlib.suppress(OSError):
            request.setblocking(False)
            request.send(http_bytes(response, {"Retry-After": "1"}, close=True))
            request.shutdown(socket.SHUT_WR)
        while len(self._refused) >= REFUSED_KEPT:
            _discard(self._refused.popleft()[1])
        self._refused.append((time.monotonic() + REFUSED_LINGER, request))

    def service_actions(self) -> None:
        """Between accepts (every ``poll_interval`` at least): close refused sockets due."""
        super().service_actions()
        now = time.monotonic()
        while self._refused and self._refused[0][0] <= now:
            _discard(self._refused.popleft()[1])

    def server_close(self) -> None:
        super().server_close()
        while self._refused:
            _discard(self._refused.popleft()[1])


@contextmanager
def serve_in_thread(
    app: App,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    read_timeout: float = READ_TIMEOUT,
    max_connections: int = MAX_CONNECTIONS,
) -> Iterator[str]:
    """Serve ``app`` on a background thread; yield the base URL; stop cleanly on exit."""
    server = RpcHTTPServer(
        (host, port),
        app,
        max_body_bytes=max_body_bytes,
        read_timeout=read_timeout,
        max_connections=max_connections,
    )
    with server.running():
        yield server.url
