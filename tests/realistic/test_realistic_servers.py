"""Issue 8's proof: three conforming create.sites servers, built as teams build them on real
stacks, pass the runner's default run with zero failures on each of five seeds; and the
pydantic one, built for the vendor's current page, passes it in the current revision.

A failure here is a false alarm of the kit (each server keeps the contract; where the page is
silent, each chose as its stack leads, see each module's docstring), unless the server itself is
shown wrong: then fix the server, never the expectation.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import jsonrpc_sites_server
import pydantic_sites_server
import pytest
import stdlib_sites_server

from conformance.create_sites import run
from conformance.engine.results import Report
from conformance.engine.settings import Settings

TOKEN = "realistic-customer-token-7f3a"

SERVERS: dict[str, Callable[[str], AbstractContextManager[str]]] = {
    "stdlib-http.server": stdlib_sites_server.serve,
    "pydantic-starlette": pydantic_sites_server.serve,
    "fastapi-jsonrpc": jsonrpc_sites_server.serve,
}

SEEDS = range(5)


@pytest.fixture(scope="module", params=list(SERVERS))
def server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with SERVERS[request.param](TOKEN) as url:
        yield url


def _failures(report: Report) -> str:
    """Each failure's rule, case and message; for a drawn (valid) request, the params too."""
    lines = []
    for failure in report.failures:
        lines.append(f"- {failure.rule} {failure.family} {failure.case}: {failure.message}")
        if failure.family == "valid" and isinstance(failure.request, dict):
            shown = json.dumps(failure.request.get("params"), ensure_ascii=False)
            lines.append(f"    params: {shown[:600]}")
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_a_conforming_server_passes_the_default_run(server_url: str, seed: int) -> None:
    report = run(server_url, settings=Settings(token=TOKEN, seed=seed))
    assert report.conforms, (
        f"{len(report.failures)} failures against a conforming server (seed {seed}):\n"
        + _failures(report)
    )


@pytest.fixture(scope="module")
def current_url() -> Iterator[str]:
    with pydantic_sites_server.serve(TOKEN, revision="current") as url:
        yield url


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_a_conforming_current_revision_server_passes_the_default_run(
    current_url: str, seed: int
) -> None:
    """The vendor's current page on the same stack (pydantic on starlette): no false alarm in
    the current revision either (its ``name``, its 19 industries, ``metadata`` everywhere)."""
    report = run(current_url, settings=Settings(token=TOKEN, seed=seed, revision="current"))
    assert report.conforms, (
        f"{len(report.failures)} failures against a conforming current-revision server "
        f"(seed {seed}):\n" + _failures(report)
    )
    assert report.families.get("valid", 0) > 0


def test_the_current_revision_server_answers_in_the_current_shape(current_url: str) -> None:
    params = {**_typical("current-sanity.example.com"), "name": "Магазин", "industry_id": 19}
    reply = _call(current_url, params)
    assert isinstance(reply["result"]["data"]["id"], int) and "success" not in reply["result"]
    error = _call(current_url, {**params, "industry_id": 20})["error"]
    assert (error["data"]["field"], "metadata" in error["data"]) == ("industry_id", True)


# --- sanity: each server does what the page says on plain requests ---------------------------


def _call(url: str, params: dict[str, Any], request_id: Any = "sanity-1") -> dict[str, Any]:
    payload = {"jsonrpc": "2.0", "id": request_id, "method": "create.sites", "params": params}
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200
        assert answer.headers.get_content_type() == "application/json"
        reply: dict[str, Any] = json.loads(answer.read())
    assert reply["jsonrpc"] == "2.0"
    assert reply["id"] == request_id
    return reply


def _typical(domain: str) -> dict[str, Any]:
    return {
        "access_token": TOKEN,
        "domain_name": domain,
        "default_phone_number": "74951819160",
        "industry_id": 4,
        "default_scenario_id": 2,
        "second_communication_period": 7,
        "widget_link": {"enabled": True, "text": "Связаться", "url": "https://example.com/contact"},
        "show_visitor_id": {"enabled": True, "element_id_value": "visitor-id", "message": "ID:"},
    }


@pytest.mark.parametrize("domain", ["sanity-shop.example.com", "санити-магазин.рф"])
def test_a_typical_request_creates_a_site_once(server_url: str, domain: str) -> None:
    reply = _call(server_url, _typical(domain))
    assert reply["result"]["success"] is True
    assert isinstance(reply["result"]["id"], int) and reply["result"]["id"] >= 1
    again = _call(server_url, _typical(domain))["error"]
    assert (again["code"], again["data"]["mnemonic"]) == (-32602, "duplicate_entity")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"second_communication_period": 366}, "second_communication_period"),
        ({"domain_name": "https://invalid-sanity.example.com"}, "domain_name"),
        ({"domain_name": "invalid sanity.example.com"}, "domain_name"),
        ({"industry_id": "4"}, "industry_id"),
        ({"widget_link": {"enabled": True, "text": "", "url": "https://example.com/"}},
         "widget_link.text"),
        ({"widget_link": {"enabled": True, "text": "a", "url": "ftp://example.com/"}},
         "widget_link.url"),
        ({"show_visitor_id": {"enabled": True, "element_id_value": "a b"}},
         "show_visitor_id.element_id_value"),
    ],
)  # fmt: skip
def test_an_invalid_parameter_is_named(server_url: str, change: dict[str, Any], field: str) -> None:
    params = {**_typical("invalid-sanity.example.com"), **change}
    error = _call(server_url, params)["error"]
    assert error["code"] == -32602
    assert error["data"]["field"] == field
    assert error["data"]["mnemonic"] in {"invalid_parameter_value", "data_type_error"}


def test_an_unknown_scenario_and_a_wrong_token_are_refused(server_url: str) -> None:
    error = _call(server_url, {**_typical("scenario-sanity.example.com"), "default_scenario_id": 9})
    assert (error["error"]["data"]["mnemonic"], error["error"]["data"]["field"]) == (
        "entity_not_found",
        "default_scenario_id",
    )
    error = _call(server_url, {**_typical("token-sanity.example.com"), "access_token": "nope"})
    assert (error["error"]["code"], error["error"]["data"]["mnemonic"]) == (
        -32001,
        "access_token_invalid",
    )
