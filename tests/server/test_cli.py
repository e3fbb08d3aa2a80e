"""``conformance serve`` as a process: its first line, its token, its answers, its exit."""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers.server_requests import connect, post, request

from conformance.cli import SUBCOMMANDS, Streams, serve

#: runs the serve subcommand's own configure and run, as `conformance serve` does
LAUNCHER = (
    "import argparse, sys\n"
    "from conformance.cli import Streams, serve\n"
    "parser = argparse.ArgumentParser()\n"
    "serve.configure(parser)\n"
    "sys.exit(serve.run(parser.parse_args(sys.argv[1:]), Streams()))\n"
)


@contextmanager
def serving(*args: str) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """The server running as a process; yields it and its first two stdout lines."""
    process = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(30, process.kill)  # bounds every blocking read below
    watchdog.start()
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(2 if "--token" not in args else 1)]
        yield process, lines
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
        watchdog.cancel()


def test_serve_prints_url_then_token_and_answers(tmp_path: Path) -> None:
    """The first line is the URL, the second the generated token, which creates a site."""
    with serving("--port", "0", "--db", str(tmp_path / "s.db")) as (process, lines):
        url, token_line = (line.rstrip("\n") for line in lines)
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        token = token_line.removeprefix("access_token: ")
        connection = connect(url)
        try:
            status, _, reply = post(connection, request("c", access_token=token))
        finally:
            connection.close()
        assert (status, reply["result"]["success"]) == (200, True)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
        assert process.returncode == 0
        assert token not in stderr


def test_serve_stops_on_sigint_with_a_token_option() -> None:
    """With --token, no token is printed; SIGINT stops the server with exit 0."""
    with serving("--port", "0", "--db", ":memory:", "--token", "tk-1") as (process, lines):
        assert lines[0].startswith("http://127.0.0.1:")
        connection = connect(lines[0].strip())
        try:
            reply = post(connection, request(1, access_token="tk-1"))[2]
        finally:
            connection.close()
        assert reply["result"]["success"] is True
        process.send_signal(signal.SIGINT)
        stdout, _ = process.communicate(timeout=10)
        assert process.returncode == 0 and "tk-1" not in stdout


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_signal_right_after_the_url_stops_cleanly() -> None:
    """A SIGTERM sent as soon as the URL is read still stops the server with exit 0."""
    with serving("--port", "0", "--db", ":memory:", "--token", "t") as (process, lines):
        assert lines[0].startswith("http://")
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
        assert process.returncode == 0, stderr


def run_serve(*args: str) -> tuple[int, str, str]:
    """Run serve in this process (for runs that end by themselves): exit code, stdout, stderr."""
    parser = argparse.ArgumentParser()
    serve.configure(parser)
    stdout, stderr = io.StringIO(), io.StringIO()
    code = serve.run(parser.parse_args(args), Streams(io.BytesIO(), stdout, stderr))
    return code, stdout.getvalue(), stderr.getvalue()


def test_bad_config_exits_2_naming_the_file(tmp_path: Path) -> None:
    """A broken config file stops serve with exit 2 and a message naming the file."""
    path = tmp_path / "bad.toml"
    path.write_text("tokens = 3\n", encoding="utf-8")
    code, stdout, stderr = run_serve("--config", str(path), "--port", "0")
    assert (code, stdout) == (2, "")
    assert str(path) in stderr


def test_port_in_use_exits_2() -> None:
    """A port that cannot be bound stops serve with exit 2 and a message."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code, _, stderr = run_serve("--port", str(taken.getsockname()[1]), "--db", ":memory:")
    assert code == 2 and "cannot listen" in stderr


def test_serve_is_a_subcommand() -> None:
    """``serve`` is listed among the subcommands of ``conformance``."""
    assert "serve" in SUBCOMMANDS


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_conformance_serve_command_line(tmp_path: Path) -> None:
    """``python -m conformance serve --port 0`` prints its URL first and answers."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "conformance",
            "serve",
            "--port",
            "0",
            "--db",
            ":memory:",
            "--token",
            "t",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "0"},
    )
    watchdog = threading.Timer(30, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        connection = connect(url)
        try:
            reply = post(connection, request(access_token="t"))[2]
        finally:
            connection.close()
        assert json.dumps(reply["result"]) == '{"id": 1, "success": true}'
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        watchdog.cancel()


@pytest.mark.parametrize("token", ["\udcff", ""], ids=["not-utf-8", "empty"])
def test_unusable_token_option_exits_2(token: str) -> None:
    """A --token no client could send (not UTF-8: a lone surrogate in argv; empty) exits 2."""
    code, stdout, stderr = run_serve("--token", token, "--port", "0", "--db", ":memory:")
    assert (code, stdout) == (2, "")
    assert "--token must be non-empty UTF-8 text" in stderr


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--read-timeout", "0"),
        ("--read-timeout", "-1"),
        ("--read-timeout", "nan"),
        ("--read-timeout", "inf"),
        ("--max-body-bytes", "0"),
        ("--max-body-bytes", "-5"),
        ("--max-connections", "0"),
        ("--max-connections", "-1"),
    ],
)
def test_limits_must_be_positive(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A read timeout or body limit that is not a finite number above 0 is a usage error."""
    parser = argparse.ArgumentParser()
    serve.configure(parser)
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args([option, value])
    assert exit_info.value.code == 2
    assert "must be a finite number above 0" in capsys.readouterr().err


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_db_that_is_not_sqlite_exits_2_naming_the_file(tmp_path: Path) -> None:
    """--db naming a file that is not a SQLite database: exit 2, naming the file, nothing open."""
    junk = tmp_path / "notes.txt"
    junk.write_bytes(b"not a database\n" * 200)
    code, stdout, stderr = run_serve("--db", str(junk), "--port", "0", "--token", "t")
    gc.collect()  # an unclosed connection would warn here (Python 3.13+); warnings are errors
    assert (code, stdout) == (2, "")
    assert f"cannot open the database {junk}" in stderr
    assert "not a database" in stderr


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_max_connections_option_caps_connections() -> None:
    """--max-connections 1: with one client connected, the next gets HTTP 503."""
    with serving("--port", "0", "--db", ":memory:", "--token", "t", "--max-connections", "1") as (
        process,
        lines,
    ):
        url = lines[0].strip()
        first, second = connect(url), connect(url)
        try:
            assert post(first, request(access_token="t"))[0] == 200
            assert post(second, request(access_token="t"))[0] == 503
        finally:
            first.close()
            second.close()
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
        assert process.returncode == 0
