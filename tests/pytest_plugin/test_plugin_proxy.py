"""``pytest --target-url URL --target-proxy``: a team's own client tests, through the proxy;
the session fails on a violation even where every test passed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.targets import CUSTOMER_TOKEN, served
from mutants.servers import MUTANTS

# Each test runs pytest in a subprocess (seconds each): make test runs them, make check not.
pytestmark = pytest.mark.slow

CLIENT_TESTS = """
import json, urllib.request

def create(url, **changes):
    params = {{"access_token": "{token}", "domain_name": "client.example.com",
              "default_phone_number": "74951819160", "industry_id": 5, **changes}}
    body = json.dumps({{"jsonrpc": "2.0", "id": 1, "method": "create.sites", "params": params}})
    request = urllib.request.Request(url, body.encode(), {{"Content-Type": "application/json"}})
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())

def test_the_client_creates_a_site(conformance_proxy_url):
    assert "result" in create(conformance_proxy_url{changes})
"""


def _session(
    folder: Path, changes: str, *argv: str, tests: str = CLIENT_TESTS
) -> subprocess.CompletedProcess[str]:
    (folder / "test_client.py").write_text(
        tests.format(token=CUSTOMER_TOKEN, changes=changes), encoding="utf-8"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_TARGET_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *argv],
        cwd=folder,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_conforming_traffic_passes_and_a_clients_violation_fails_the_session(
    tmp_path: Path,
) -> None:
    """A server that takes second_communication_period 0 (a mutant with no range check), and a
    client test that sends it and expects a result: the test passes, the session fails, and
    both sides are named."""
    with served(MUTANTS["range-unchecked"].app) as upstream:
        clean = _session(tmp_path, "", "--target-url", upstream, "--target-proxy")
        bad = ", domain_name='b.example.com', second_communication_period=0"
        broken = _session(tmp_path, bad, "--target-url", upstream, "--target-proxy")
    assert clean.returncode == 0, clean.stdout[-2000:]
    assert "1 exchanges judged: client and server kept the contract" in clean.stdout
    assert broken.returncode == 1, broken.stdout[-2000:]
    assert "1 passed" in broken.stdout
    assert "CLIENT broke request-params at params.second_communication_period" in broken.stdout
    assert "SERVER broke expected-outcome" in broken.stdout
    assert CUSTOMER_TOKEN not in broken.stdout


def test_the_fixture_without_the_proxy_is_a_usage_error(tmp_path: Path) -> None:
    done = _session(tmp_path, "")
    assert done.returncode != 0
    assert "needs --target-proxy" in done.stdout + done.stderr


def test_target_profile_jsonrpc_judges_the_document_by_json_rpc_alone(tmp_path: Path) -> None:
    """A server whose errors lack the vendor's mnemonic (the mutant ``mnemonic-missing``) and a
    client test expecting the error an unknown token gets, judged by the exported create.sites
    document: the session fails under its default profile, passes under ``jsonrpc``; the
    profile without a document is a usage error."""
    from conformance.cli import Streams, main

    document = tmp_path.parent / f"{tmp_path.name}.openrpc.json"
    assert main(["export", "openrpc", "--output", str(document)], Streams()) == 0
    expects_error = CLIENT_TESTS.replace('assert "result" in', 'assert "error" in')
    unknown = ", access_token='profile-unknown-5d21'"
    with served(MUTANTS["mnemonic-missing"].app) as upstream:
        argv = ("--target-url", upstream, "--target-proxy", "--target-openrpc", str(document))
        default = _session(tmp_path, unknown, *argv, tests=expects_error)
        jsonrpc = _session(
            tmp_path, unknown, *argv, "--target-profile", "jsonrpc", tests=expects_error
        )
        alone = _session(tmp_path, "", "--target-url", upstream, "--target-proxy",
                         "--target-profile", "jsonrpc")  # fmt: skip
    assert default.returncode == 1, default.stdout[-2000:]
    assert "1 passed" in default.stdout and "SERVER broke reply-shape" in default.stdout
    assert jsonrpc.returncode == 0, jsonrpc.stdout[-2000:]
    assert "kept the contract (profile jsonrpc (JSON-RPC 2.0" in jsonrpc.stdout
    assert alone.returncode == pytest.ExitCode.USAGE_ERROR
    assert "--target-profile names what judges an OpenRPC document" in alone.stderr
