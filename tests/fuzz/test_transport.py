"""The transport against servers that are slow or send too much: it returns, in time."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from helpers.targets import CUSTOMER_TOKEN

from conformance import create_sites
from conformance.create_sites import plan
from conformance.engine.settings import Settings
from conformance.engine.transport import Client, Target

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"


@contextmanager
def raw_server(length: int, send: int, pause: float) -> Iterator[str]:
    """A server that promises ``length`` body bytes and sends them ``send`` at a time,
    ``pause`` seconds apart, on every connection."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve(connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)
                connection.sendall(HEAD % length)
                for start in range(0, length, send):
                    if stop.wait(pause):
                        return
                    connection.sendall(b" " * min(send, length - start))
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        stop.set()
        listener.close()


def test_a_trickled_body_times_out_within_the_timeout() -> None:
    """A body sent a byte at a time, each well within the timeout, still ends at the timeout."""
    with raw_server(length=1000, send=1, pause=0.05) as url:
        started = time.perf_counter()
        answer = Client(Target.parse(url), timeout=0.5).post(b"{}")
    assert time.perf_counter() - started < 1.5
    assert answer.timed_out
    assert answer.error == "no answer within 0.5 s"


def test_a_body_over_the_limit_is_read_no_further() -> None:
    """A body longer than max_reply_bytes is cut there and marked truncated."""
    with raw_server(length=10_000, send=10_000, pause=0) as url:
        answer = Client(Target.parse(url), timeout=2, max_reply_bytes=1000).post(b"{}")
    assert answer.status == 200
    assert answer.truncated
    assert len(answer.body) == 1000


def test_a_body_over_the_limit_fails_body_parses_and_says_why() -> None:
    """The runner reports a cut body under body-parses, with the limit it read up to."""
    with raw_server(length=5000, send=5000, pause=0) as url:
        settings = Settings(token=CUSTOMER_TOKEN, max_examples=0)
        session = create_sites.session(url, settings)
        session.client.max_reply_bytes = 1000
        # as if a first exchange had shown a JSON-RPC server: this one is about the cut body
        session.proof.target = True
        case = plan(settings)[0]
        failures = session.evaluate(session.exchange(case))
        session.client.close()
    assert [(f.rule, f.message) for f in failures if f.rule == "body-parses"] == [
        (
            "body-parses",
            "the body is not JSON: the body is longer than 1000 bytes; the runner read no further",
        )
    ]


@contextmanager
def trickling_head_server(pause: float) -> Iterator[str]:
    """A server that sends its status line and then an endless header a byte at a time,
    ``pause`` seconds apart: every read gets a byte well within any timeout."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve(connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 600:
                    if stop.wait(pause):
                        return
                    connection.sendall(bytes([byte]))
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        stop.set()
        listener.close()


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_trickled_status_line_and_headers_time_out_within_the_timeout() -> None:
    """The head sent a byte every 20 ms (each read well within the timeout) still ends at the
    timeout: the watchdog bounds the whole answer, not each read. Without it this takes the
    12 s the server trickles for."""
    with trickling_head_server(pause=0.02) as url:
        client = Client(Target.parse(url), timeout=0.5)
        started = time.perf_counter()
        answer = client.post(b"{}")
        took = time.perf_counter() - started
        second = client.post(b"{}")  # the client reconnects and is bounded again
        client.close()
    assert took < 1.5, f"the answer took {took:.1f} s"
    assert (answer.timed_out, answer.error) == (True, "no answer within 0.5 s")
    assert second.timed_out and second.elapsed < 1.5
