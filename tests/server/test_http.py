"""The HTTP layer: keep-alive, status codes, limits and hostile input over real sockets."""

from __future__ import annotations

import json
import logging
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import pytest
from helpers.server_requests import assert_valid_reply, connect, post, request

from conformance.server import CreateSitesApp, serve_in_thread

Call = Callable[[Any], Any]


def raw_exchange(url: str, data: bytes, timeout: float = 5.0) -> bytes:
    """Send ``data`` on a fresh socket and read until the server closes (at most ``timeout``)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def split_response(raw: bytes) -> tuple[int, dict[str, str], Any]:
    """The status, headers and JSON body of one raw HTTP response."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    pairs = (line.split(": ", 1) for line in lines[1:])
    headers = {name.lower(): value for name, value in pairs}
    length = int(headers["content-length"])
    return int(lines[0].split()[1]), headers, json.loads(body[:length])


def assert_transport_refusal(raw: bytes, status: int) -> None:
    """``raw`` is one refusal with ``status``, a JSON-RPC invalid_request body, and a close."""
    code, headers, reply = split_response(raw)
    assert code == status
    assert headers["content-type"] == "application/json"
    assert headers["connection"].lower() == "close"
    assert reply["error"]["data"]["mnemonic"] == "invalid_request"
    assert_valid_reply(reply)


def test_success_is_http_200_json(call: Call) -> None:
    """A created site comes back with HTTP 200, JSON, and the contract's success reply."""
    reply = call(request("a"))
    assert reply["result"]["success"] is True
    assert_valid_reply(reply)


def test_errors_are_http_200_json(call: Call) -> None:
    """JSON-RPC errors, parse errors included, come back with HTTP 200 and JSON."""
    assert call(b"{")["error"]["code"] == -32700
    assert call(request(industry_id=0))["error"]["code"] == -32602


def test_keep_alive_serves_many_requests_on_one_connection(url: str) -> None:
    """One connection carries a hundred requests without being closed."""
    connection = connect(url)
    try:
        post(connection, request(0, domain_name="k0.example.com"))
        sock = connection.sock
        for number in range(1, 100):
            status, headers, reply = post(connection, request(number, domain_name=f"k{number}.ru"))
            assert (status, reply["id"]) == (200, number)
            assert "connection" not in headers
        assert connection.sock is sock
    finally:
        connection.close()


def test_hostile_bodies_never_break_the_server(call: Call) -> None:
    """Invalid UTF-8, 10,000 levels of nesting and odd numbers each get an error reply."""
    assert call(b'{"jsonrpc": "2.0", "id": 1, "\xc3\x28": 1}')["error"]["code"] == -32700
    assert call(b"{" * 10_000)["error"]["code"] == -32700
    assert call(b'{"a":' * 10_000 + b"1" + b"}" * 10_000)["error"]["code"] == -32700
    assert call(b"9" * 5000)["error"]["code"] == -32700
    assert call(request("after"))["id"] == "after"


def test_a_long_string_under_the_limit_is_answered_with_its_value(call: Call) -> None:
    """A 900 kB domain name is refused as a value, echoed, and the server goes on."""
    reply = call(request(domain_name="a" * 900_000))
    assert reply["error"]["data"]["field"] == "domain_name"
    assert len(reply["error"]["data"]["value"]) == 900_000
    assert "result" in call(request("next"))


@pytest.mark.parametrize("size", [(1 << 20) + 1, 10_000_000])
def test_body_over_the_limit_is_refused_with_413(url: str, size: int) -> None:
    """A body over 1 MiB (a 10 MB string included) is read away and refused with 413."""
    body = b'{"jsonrpc":"2.0","id":1,"method":"create.sites","params":{"x":"'
    body += b"a" * (size - len(body) - 4) + b'"}}\n'
    connection = connect(url)
    try:
        status, headers, reply = post(connection, body)
    finally:
        connection.close()
    assert status == 413 and headers["connection"] == "close"
    assert reply["error"]["data"]["mnemonic"] == "invalid_request"
    assert "1048576" in reply["error"]["data"]["extended_helper"]


def test_missing_content_length_is_411(url: str) -> None:
    """A POST without Content-Length is refused with 411 and the connection closed."""
    raw = raw_exchange(url, b"POST / HTTP/1.1\r\nHost: t\r\n\r\n{}")
    assert_transport_refusal(raw, 411)


def test_chunked_body_is_411(url: str) -> None:
    """A chunked body is refused with 411: the server asks for a Content-Length."""
    raw = raw_exchange(
        url, b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    )
    assert_transport_refusal(raw, 411)


@pytest.mark.parametrize("length", [b"abc", b"-5", b"1e3", b"5, 6", b"\xc2\xb2"])
def test_invalid_content_length_is_400(url: str, length: bytes) -> None:
    """A Content-Length that is not one decimal number is refused with 400."""
    raw = raw_exchange(
        url, b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: " + length + b"\r\n\r\n{}"
    )
    assert_transport_refusal(raw, 400)


def test_conflicting_content_lengths_are_400(url: str) -> None:
    """Two different Content-Length headers are refused with 400."""
    head = b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"
    assert_transport_refusal(raw_exchange(url, head), 400)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_short_content_length_gives_a_parse_error(url: str) -> None:
    """A Content-Length shorter than the body cuts it: the reply is a parse error, id null."""
    body = json.dumps(request()).encode()
    head = f"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: {len(body) - 3}\r\n\r\n".encode()
    status, _, reply = split_response(raw_exchange(url, head + body))
    assert status == 200
    assert (reply["id"], reply["error"]["code"]) == (None, -32700)


def test_malformed_request_line_gets_json_not_html(url: str) -> None:
    """What http.server cannot parse is refused with a JSON body, not an HTML page."""
    raw = raw_exchange(url, b"GARBAGE\r\n\r\n")
    assert_transport_refusal(raw, 400)


@pytest.mark.parametrize(
    "method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "QUERY", "BREW"]
)
def test_other_methods_are_405(url: str, method: str) -> None:
    """Any method but POST is refused with 405 and Allow: POST."""
    raw = raw_exchange(url, f"{method} / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n".encode())
    assert_transport_refusal(raw, 405)
    assert split_response(raw)[1]["allow"] == "POST"


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_stalled_body_times_out_without_holding_others(url: str) -> None:
    """Half a body then silence: others are served meanwhile; the staller gets 408 and a close."""
    parts = urlsplit(url)
    body = json.dumps(request()).encode()
    head = f"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as staller:
        staller.sendall(head + body[: len(body) // 2])
        started = time.monotonic()
        connection = connect(url)
        try:
            for number in range(5):
                status, _, reply = post(connection, request(number, domain_name=f"s{number}.ru"))
                assert (status, reply["id"]) == (200, number)
        finally:
            connection.close()
        assert time.monotonic() - started < 1.0  # the read timeout of the url fixture
        raw = b""
        while chunk := staller.recv(65536):  # bounded by the socket's 10 s timeout
            raw += chunk
    assert time.monotonic() - started < 5.0
    assert_transport_refusal(raw, 408)


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_idle_keep_alive_connection_is_closed_after_the_timeout(url: str) -> None:
    """A connection that sends nothing is closed after the read timeout."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as idle:
        started = time.monotonic()
        assert idle.recv(1) == b""
    assert 0.5 < time.monotonic() - started < 5.0


def test_stop_closes_open_connections(app: CreateSitesApp) -> None:
    """Leaving serve_in_thread ends keep-alive connections still open, promptly."""
    started = time.monotonic()
    with serve_in_thread(app, read_timeout=30.0) as url:
        connection = connect(url)
        try:
            assert post(connection, request())[0] == 200
        finally:
            stop_started = time.monotonic()
    connection.close()
    assert time.monotonic() - stop_started < 5.0
    assert time.monotonic() - started < 10.0


def test_stop_waits_for_a_connection_accepted_but_not_yet_set_up(
    app: CreateSitesApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection accepted just before the stop, whose thread has not reached the handler's
    ``setup`` yet, is still waited for: no request thread outlives serve_in_thread (it used to
    go on, and reach a closed store, when tracking began in ``setup``)."""
    from conformance.server.httpd import RpcHandler

    threads: list[threading.Thread] = []
    setup = RpcHandler.setup

    def slow_setup(handler: RpcHandler) -> None:
        threads.append(threading.current_thread())
        time.sleep(0.5)
        setup(handler)

    monkeypatch.setattr(RpcHandler, "setup", slow_setup)
    with serve_in_thread(app) as url:
        parts = urlsplit(url)
        with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
            body = json.dumps(request()).encode()
            sock.sendall(
                b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            deadline = time.monotonic() + 5
            while not threads and time.monotonic() < deadline:
                time.sleep(0.01)
            assert threads, "the connection was never accepted"
    assert not threads[0].is_alive()


def test_serves_any_app_with_handle(config: Any) -> None:
    """serve_in_thread takes any object with handle(body) -> Response, as mutants are."""
    from conformance.server import Response

    class Html:
        def handle(self, body: bytes) -> Response:
            return Response(b"<h1>no</h1>", status=500, content_type="text/html")

    with serve_in_thread(Html()) as url:
        connection = connect(url)
        try:
            connection.request("POST", "/", b"{}")
            response = connection.getresponse()
            assert (response.status, response.read()) == (500, b"<h1>no</h1>")
            assert response.getheader("Content-Type") == "text/html"
        finally:
            connection.close()


@pytest.mark.parametrize(
    "head",
    [
        b"GARBAGE\r\n\r\n",
        b"POST /\r\n\r\n",
        b"POST / HTTP/9.9\r\n\r\n",
        b"POST /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",
    ],
    ids=["one-word", "http-0.9", "version-9.9", "line-too-long"],
)
def test_malformed_request_line_is_refused_without_a_traceback(
    url: str, head: bytes, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A request line http.server rejects gets its JSON refusal, and nothing is logged as failed."""
    caplog.set_level(logging.DEBUG, logger="conformance.server")
    raw = raw_exchange(url, head)
    assert split_response(raw)[0] in {400, 414, 505}
    assert_valid_reply(split_response(raw)[2])
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_header_trickle_is_dropped_after_the_read_timeout(url: str) -> None:
    """Headers sent a byte at a time are cut off once the head has taken the read timeout."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as slow:
        slow.sendall(b"POST / HTTP/1.1\r\n")
        started = time.monotonic()
        closed = False
        while not closed and time.monotonic() - started < 5.0:  # the url fixture's timeout: 1 s
            time.sleep(0.1)
            try:
                slow.sendall(b"X")
                readable, _, _ = select.select([slow], [], [], 0)
                closed = bool(readable) and slow.recv(1) == b""
            except OSError:  # reset: the server closed while bytes were in flight
                closed = True
    assert closed
    assert 0.5 < time.monotonic() - started < 4.0


def test_connection_reset_mid_head_is_logged_quietly(
    url: str, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A client that resets in the middle of its headers costs one info line, no traceback."""
    caplog.set_level(logging.INFO, logger="conformance.server")
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as rude:
        rude.sendall(b"POST / HTTP/1.1\r\nHost: t\r\nConte")
        time.sleep(0.05)
        rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    deadline = time.monotonic() + 5.0
    while "ended abruptly" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "a connection ended abruptly" in caplog.text
    assert "Traceback" not in capfd.readouterr().err


def test_expect_continue_invites_a_body_within_the_limit(url: str) -> None:
    """Expect: 100-continue gets 100 Continue, then the body gets its reply."""
    parts = urlsplit(url)
    body = json.dumps(request("continued")).encode()
    head = (
        f"POST / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as client:
        client.sendall(head)
        assert client.recv(25) == b"HTTP/1.1 100 Continue\r\n\r\n"
        raw = b""
        client.sendall(body)
        while chunk := client.recv(65536):  # bounded by the socket's timeout
            raw += chunk
    status, _, reply = split_response(raw)
    assert (status, reply["id"], reply["result"]["success"]) == (200, "continued", True)


def test_expect_continue_over_the_limit_is_refused_before_the_body(url: str) -> None:
    """A body over the limit announced with Expect: 100-continue is refused, not invited."""
    head = b"POST / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2000000\r\n\r\n"
    raw = raw_exchange(url, head)
    assert not raw.startswith(b"HTTP/1.1 100")
    assert_transport_refusal(raw, 413)


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"GET /?access_token=SECRET HTTP/1.1 extra\r\n\r\n", 400),
        (b"POST /?access_token=SECRET SECRET/1.1\r\n\r\n", 400),
        (b"POST /?access_token=SECRET HTTP/1.SECRET\r\n\r\n", 400),
        (b"POST /?access_token=SECRET HTTP/3.0\r\n\r\n", 505),
        (b"POST /?access_token=SECRET\r\n\r\n", 400),
    ],
    ids=["four-words", "bad-version", "bad-minor", "version-3", "http-0.9"],
)
def test_refusal_of_a_malformed_request_line_never_echoes_it(
    url: str, head: bytes, status: int
) -> None:
    """A request line http.server rejects is not quoted back: a query-string token stays out."""
    raw = raw_exchange(url, head)
    assert b"SECRET" not in raw
    code, _, reply = split_response(raw)
    assert code == status
    helper = reply["error"]["data"]["extended_helper"]
    assert helper.startswith(HTTPStatus(status).phrase + ": ")


def test_connection_over_the_cap_gets_503_without_a_thread(app: CreateSitesApp) -> None:
    """Past max_connections, a new connection gets 503 at once and is closed, on no thread of
    its own; the open connections go on being served, and a freed slot admits a new one."""
    with serve_in_thread(app, read_timeout=5.0, max_connections=2) as url:
        first, second = connect(url), connect(url)
        try:
            for number, connection in enumerate((first, second)):
                assert post(connection, request(number, domain_name=f"cap{number}.ru"))[0] == 200
            threads = threading.active_count()
            raw = raw_exchange(url, b"", timeout=3.0)  # the refusal comes unasked
            assert threading.active_count() == threads
            assert_transport_refusal(raw, 503)
            _, headers, reply = split_response(raw)
            assert headers["retry-after"] == "1"
            assert "limit of 2 connections" in reply["error"]["data"]["extended_helper"]
            late = connect(url)  # a client that sends its request at once reads the 503 too
            try:
                status, headers, reply = post(late, request("over"))
            finally:
                late.close()
            assert (status, headers["connection"]) == (503, "close")
            assert reply["error"]["data"]["mnemonic"] == "invalid_request"
            for number, connection in enumerate((first, second), 2):
                status, _, reply = post(connection, request(number, domain_name=f"cap{number}.ru"))
                assert (status, reply["id"]) == (200, number)
        finally:
            first.close()
        try:
            assert admitted_within(url, 5.0), "the slot of a closed connection was not freed"
        finally:
            second.close()


def admitted_within(url: str, seconds: float) -> bool:
    """Whether a new connection gets a request answered with 200 within ``seconds``."""
    body = json.dumps(request("late", domain_name="late.ru")).encode()
    head = f"POST / HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: {len(body)}\r\n\r\n"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            raw = raw_exchange(url, head.encode() + body, timeout=2.0)
        except OSError:  # reset while refused: the slot is not free yet
            raw = b""
        if raw.startswith(b"HTTP/1.1 200 "):
            return True
        time.sleep(0.05)
    return False
