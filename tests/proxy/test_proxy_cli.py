"""``conformance proxy`` as a user runs it: started, sent traffic, stopped by a signal; the
violations printed as they happen, the reports written, the exit code."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
from helpers.proxy_process import start_proxy, stop_proxy
from helpers.targets import CUSTOMER_TOKEN, served


def _create(url: str, **changes: Any) -> None:
    params = {
        "access_token": CUSTOMER_TOKEN,
        "domain_name": "cli.example.com",
        "default_phone_number": "74951819160",
        "industry_id": 5,
        **changes,
    }
    payload = {"jsonrpc": "2.0", "id": 1, "method": "create.sites", "params": params}
    headers = {"Authorization": "Bearer header-secret-4411"}
    requests.post(url, json=payload, headers=headers, timeout=10)


@pytest.mark.slow
def test_a_clean_session_exits_0_and_a_client_violation_exits_1(tmp_path: Path) -> None:
    with served() as upstream:
        process, url = start_proxy("--upstream", upstream)
        _create(url)
        code, out, _ = stop_proxy(process, signal.SIGTERM)
        assert code == 0, out
        assert "1 exchanges judged: client and server kept the contract" in out

        junit, report = tmp_path / "proxy.xml", tmp_path / "proxy.json"
        page = tmp_path / "proxy.html"
        process, url = start_proxy(
            "--upstream", upstream, "--junitxml", str(junit), "--json", str(report),
            "--report-html", str(page),
        )  # fmt: skip
        _create(url, domain_name="two.example.com", widget_link={"text": "x" * 101})
        code, out, _ = stop_proxy(process)
    assert code == 1
    assert "exchange 1: CLIENT broke request-params at params.widget_link.text (maxLength)" in out
    assert CUSTOMER_TOKEN not in out
    document = json.loads(report.read_text())
    assert document["violations_by_side"] == {"client": 3, "server": 0}  # text; no enabled, no url
    assert CUSTOMER_TOKEN not in report.read_text()
    suite = ElementTree.parse(junit).getroot()
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failed == ["request-params"]
    # the HTML report at exit, as a fuzz run writes one
    html = page.read_text(encoding="utf-8")
    assert "exchange 1: the client broke request-params at params.widget_link.text" in html
    assert 'class="verdict fail"' in html and CUSTOMER_TOKEN not in html


@pytest.mark.slow
def test_jsonl_output_is_one_object_a_line_masked() -> None:
    """A server that echoes the caller's header secret in its error: masked in the line."""
    with served() as upstream:
        process, url = start_proxy("--upstream", upstream, "--output", "jsonl")
        _create(url, domain_name="header-secret-4411")
        code, out, _ = stop_proxy(process)
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert lines[0]["side"] == "client" and lines[0]["field"] == "params.domain_name"
    assert lines[-1]["conforms"] is False
    assert "header-secret-4411" not in out
    assert CUSTOMER_TOKEN not in out


def test_a_bad_upstream_is_a_usage_error() -> None:
    import io

    from conformance.cli import Streams, main

    err = io.StringIO()
    code = main(["proxy", "--upstream", "ftp://x/"], Streams(stdout=io.StringIO(), stderr=err))
    assert code == 2
    assert "--upstream must be an http:// or https:// URL" in err.getvalue()
