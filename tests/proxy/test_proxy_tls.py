"""``conformance proxy --upstream https://...`` with the TLS options of ``conformance fuzz``:
a self-signed upstream refused by default (the client answered 502, as for an upstream that
cannot be reached) and served with ``--cacert`` or ``--insecure``; an upstream that requires a
client certificate served with ``--cert``/``--key``; TLS files that cannot be read refused
before the proxy listens (exit 2, one line)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from helpers.proxy_process import start_proxy, stop_proxy
from helpers.staging import make_certificate, server_context, target

#: Each starts the proxy as a process a few times (seconds): make test runs them, make check not.
slow = pytest.mark.slow

CALL = {"jsonrpc": "2.0", "id": 7, "method": "create.sites", "params": {}}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


def through_proxy(upstream: str, *options: str) -> tuple[requests.Response, str]:
    """One call through ``conformance proxy --upstream UPSTREAM OPTIONS``: the client's answer
    and what the proxy said on stderr once stopped."""
    process, url = start_proxy("--upstream", upstream, *options)
    try:
        answer = requests.post(url, json=CALL, timeout=10)
    finally:
        stopped = stop_proxy(process, signal.SIGTERM)
    return answer, stopped.err


@slow
def test_a_self_signed_upstream_is_refused_unless_its_ca_is_given_or_not_verified(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    with target(server_context(cert, key)) as (upstream, server):
        refused, said = through_proxy(upstream)
        assert refused.status_code == 502
        assert "cannot be reached" in refused.text and "CERTIFICATE_VERIFY_FAILED" in refused.text
        assert "CERTIFICATE_VERIFY_FAILED" in said and "Traceback" not in said
        assert server.seen == []  # nothing reached it
        for options in (("--cacert", str(cert)), ("--insecure",)):
            served, said = through_proxy(upstream, *options)
            assert served.status_code == 200, (options, served.text, said)
            assert served.json() == {
                "jsonrpc": "2.0",
                "id": 7,
                "result": {"id": 1, "success": True},
            }
            server.seen.clear()  # the echoing upstream answers its first request with a success


@slow
def test_a_client_certificate_the_upstream_requires_is_presented(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    with target(server_context(cert, key, client_ca=cert)) as (upstream, server):
        refused, _ = through_proxy(upstream, "--cacert", str(cert))
        assert refused.status_code == 502 and "cannot be reached" in refused.text
        assert server.seen == []
        served, said = through_proxy(
            upstream, "--cacert", str(cert), "--cert", str(cert), "--key", str(key)
        )
        assert served.status_code == 200, served.text + said
        assert json.loads(served.content)["result"] == {"id": 1, "success": True}


def _proxy(*argv: str) -> tuple[int, str]:
    """``conformance proxy ARGV`` as a process that must stop by itself (a proxy that listens
    instead of refusing would be killed at the timeout, and the test fail)."""
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "proxy", "--listen", "127.0.0.1:0", *argv],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    return done.returncode, done.stderr


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
@pytest.mark.parametrize("option", ["--cacert", "--cert"])
def test_tls_files_that_cannot_be_read_are_refused_before_listening(
    tmp_path: Path, option: str
) -> None:
    """As ``conformance fuzz`` says it: exit 2, one line naming the file, never listening."""
    missing = tmp_path / "missing.pem"
    code, err = _proxy("--upstream", "https://127.0.0.1:9/", option, str(missing))
    assert code == 2, err
    assert err.startswith("conformance proxy: error: cannot read the TLS files")
    assert str(missing) in err and err.count("\n") == 1
    assert "listening" not in err and "Traceback" not in err


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_key_without_its_certificate_is_refused(tmp_path: Path) -> None:
    code, err = _proxy("--upstream", "https://127.0.0.1:9/", "--key", str(tmp_path / "k.pem"))
    assert code == 2 and err == "conformance proxy: error: --key needs --cert\n"
