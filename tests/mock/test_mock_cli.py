"""``conformance mock`` as a user runs it: the URL on the first line, a stop by SIGINT or SIGTERM
with exit 0, the same reply to the same request within a process and across processes of one
seed, another seed's results, create.sites by the reference server without ``--openrpc``, and a
one-line refusal (exit 2) for what it cannot serve."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from mock_process import RULES, running, start, stop

# Each test starts the mock in a process of its own: make test runs them, make check not.
pytestmark = pytest.mark.slow

#: Calls whose replies are compared byte for byte: each method, by name and by position.
CALLS: list[dict[str, Any]] = [
    {"jsonrpc": "2.0", "id": 1, "method": "sum", "params": [3, 4]},
    {"jsonrpc": "2.0", "id": "a", "method": "greet", "params": {"name": "Ada"}},
    {"jsonrpc": "2.0", "id": 2, "method": "search", "params": {"filter": {"from": "ab"}}},
    {"jsonrpc": "2.0", "id": 3, "method": "search", "params": [{"from": "xy"}, 5]},
    {"jsonrpc": "2.0", "id": 4, "method": "ping"},
    {"jsonrpc": "2.0", "id": 5, "method": "sum", "params": [1, 1000]},
    [{"jsonrpc": "2.0", "id": 6, "method": "greet", "params": {"name": "Bo"}}],
]


def _replies(url: str) -> list[bytes]:
    return [requests.post(url, json=call, timeout=10).content for call in CALLS]


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "conformance", "mock", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_the_url_comes_first_and_a_signal_stops_it_with_exit_0(number: int) -> None:
    process, url = start("--openrpc", str(RULES))
    reply = requests.post(url, json=CALLS[0], timeout=10).json()
    assert reply["id"] == 1 and isinstance(reply["result"], int)
    code, _, err = stop(process, number)
    assert code == 0, err
    assert "Traceback" not in err


def test_the_same_request_gets_the_same_bytes_across_processes_of_one_seed() -> None:
    with running("--openrpc", str(RULES), "--seed", "3") as first:
        once = _replies(first)
        assert _replies(first) == once  # twice in one process
    with running("--openrpc", str(RULES), "--seed", "3") as second:
        assert _replies(second) == once


def test_another_seed_draws_other_results() -> None:
    with running("--openrpc", str(RULES), "--seed", "3") as first:
        three = _replies(first)
    with running("--openrpc", str(RULES), "--seed", "4") as second:
        four = _replies(second)
    # sum, greet and both searches have results with many values: each differs
    assert [a != b for a, b in zip(three[:4], four[:4], strict=True)] == [True] * 4
    assert three[4:6] == four[4:6]  # null, and the error: nothing drawn


def test_without_openrpc_it_serves_create_sites_by_the_reference_server() -> None:
    process, url = start()
    assert process.stdout is not None
    token = process.stdout.readline().removeprefix("access_token: ").strip()
    params = {
        "access_token": token,
        "domain_name": "mock.example.com",
        "default_phone_number": "74951819160",
        "industry_id": 5,
    }
    call = {"jsonrpc": "2.0", "id": 1, "method": "create.sites", "params": params}
    first = requests.post(url, json=call, timeout=10).json()
    again = requests.post(url, json=call, timeout=10).json()  # a store: the domain is taken
    code, _, err = stop(process)
    assert code == 0, err
    assert isinstance(first["result"]["id"], int)
    assert again["error"]["data"]["mnemonic"] == "duplicate_entity"


def _document(tmp_path: Path, result: Any) -> Path:
    path = tmp_path / "doc.json"
    method = {"name": "impossible", "params": [], "result": {"name": "r", "schema": result}}
    document = {"openrpc": "1.3.2", "info": {"title": "t", "version": "1"}, "methods": [method]}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--openrpc", "missing.json"], "missing.json: cannot read"),
        (["--seed", "1"], "--seed draws an OpenRPC document's results"),
        (["--openrpc", str(RULES), "--token", "t"], "do not go with --openrpc"),
        (["--listen", "127.0.0.1:99999"], "must be HOST:PORT"),
    ],
)
def test_what_it_cannot_serve_is_refused_in_one_line_with_exit_2(
    argv: list[str], said: str
) -> None:
    done = _run(*argv)
    assert done.returncode == 2, done.stderr
    assert said in done.stderr and "Traceback" not in done.stderr


def test_a_method_with_no_result_to_answer_is_named_and_the_mock_does_not_start(
    tmp_path: Path,
) -> None:
    """A result schema no value keeps (two types at once), and no example result."""
    path = _document(tmp_path, {"allOf": [{"type": "string"}, {"type": "integer"}]})
    done = _run("--openrpc", str(path), "--listen", "127.0.0.1:0")
    assert done.returncode == 2, done.stderr
    assert "method 'impossible': no value of its result schema" in done.stderr
    assert done.stdout == ""


def test_an_address_in_use_is_refused_with_exit_2() -> None:
    with running("--openrpc", str(RULES)) as url:
        port = url.rstrip("/").rpartition(":")[2]
        done = _run("--openrpc", str(RULES), "--listen", f"127.0.0.1:{port}")
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr


@pytest.mark.parametrize(
    "schema",
    [{"type": 5}, {"type": "string", "pattern": "("}, {"minimum": "x"}],
    ids=["type-5", "pattern-not-regex", "bound-not-number"],
)
def test_a_schema_the_validator_cannot_compile_is_named_with_exit_2(
    tmp_path: Path, schema: Any
) -> None:
    done = _run("--openrpc", str(_document(tmp_path, schema)), "--listen", "127.0.0.1:0")
    assert done.returncode == 2, done.stderr
    assert "method 'impossible': a params or result schema the validator cannot compile" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr
