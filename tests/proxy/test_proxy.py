"""The proxy in front of the reference server: conforming traffic breaks nothing, a client
mutant is reported against the client, server mutants against the server."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from helpers.targets import CUSTOMER_TOKEN, SCENARIO_IDS, served
from jsonrpcclient import Ok, parse, request
from mutants.servers import MUTANTS

from conformance.generation import cases
from conformance.proxy import Recorder, proxy_for
from conformance.server import CreateSitesApp


@contextmanager
def proxied(app: type[CreateSitesApp] = CreateSitesApp) -> Iterator[tuple[str, Recorder]]:
    """The reference server (or a mutant of it), and the proxy in front of it."""
    with served(app) as upstream, proxy_for(upstream, stream=io.StringIO()) as (url, recorder):
        yield url, recorder


def _params(**changes: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "access_token": CUSTOMER_TOKEN,
        "domain_name": "example.com",
        "default_phone_number": "74951819160",
        "industry_id": 5,
    }
    params.update(changes)
    return params


def _post(url: str, payload: Any) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    answer = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=10)
    return answer.json() if answer.content else None


def _create(url: str, request_id: Any = 1, **changes: Any) -> Any:
    payload = {"jsonrpc": "2.0", "id": request_id, "method": "create.sites"}
    return _post(url, {**payload, "params": _params(**changes)})


def _unique(payload: Any, number: int) -> Any:
    """``payload`` with its domain name made unique (a second site for one is refused)."""
    params = payload["params"]
    domain = params.get("domain_name")
    if not isinstance(domain, str) or len(domain) > 200 or "." not in domain:
        return payload
    return {**payload, "params": {**params, "domain_name": f"u{number}.{domain}"}}


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_the_kits_valid_requests_and_a_library_client_break_nothing() -> None:
    """The bundled contract's boundary family (every value at a bound the schemas accept) and
    a client written with jsonrpcclient, through the proxy to the reference server: not one
    violation, on either side."""
    base = cases.base(
        fixed={"access_token": CUSTOMER_TOKEN, "default_scenario_id": SCENARIO_IDS[0]}
    )
    accepted = [c for c in cases.boundary_cases(base) if c.expect.outcome == "success"]
    assert len(accepted) > 40
    with proxied() as (url, recorder):
        replies = [_post(url, _unique(case.payload, n)) for n, case in enumerate(accepted)]
        # (a domain name too long to be made unique may get duplicate_entity: not a fault)
        assert sum("result" in reply for reply in replies) > len(accepted) - 5
        for number in range(5):
            message = request("create.sites", params=_params(domain_name=f"lib{number}.example"))
            answer = requests.post(url, json=message, timeout=10)
            assert isinstance(parse(answer.json()), Ok)
        # a site the server has already: an application error, not the server's fault
        _create(url, domain_name="lib0.example")
    tally = recorder.tally
    assert tally.judged == len(accepted) + 6
    assert [v.text() for v in tally.violations] == []


def test_a_client_sending_a_101_character_link_text_is_reported_against_the_client() -> None:
    link = {"enabled": True, "text": "x" * 101, "url": "https://example.com/"}
    with proxied() as (url, recorder):
        reply = _create(url, widget_link=link)
    assert reply["error"]["code"] == -32602  # the server refused it, as it must
    [violation] = recorder.tally.violations
    found = violation.finding
    assert (found.side, found.rule) == ("client", "request-params")
    assert (found.field, found.keyword) == ("params.widget_link.text", "maxLength")
    assert "101" in violation.message
    assert CUSTOMER_TOKEN not in violation.text() + json.dumps(violation.as_dict())


def _link(text: str) -> dict[str, Any]:
    return {"enabled": True, "text": text, "url": "https://example.com/"}


#: Server mutants, the params of a request that shows each defect, and the rule that catches it.
SERVER_MUTANTS = [
    ("string-result-id", {}, "reply-schema"),
    ("constant-id", {}, "reply-id"),
    ("wrong-jsonrpc-in-reply", {}, "jsonrpc-version"),
    ("text-max-off-by-one", {"widget_link": _link("x" * 100)}, None),
    ("internal-error-on-astral", {"widget_link": _link("\U0001f600")}, None),
]


@pytest.mark.parametrize(("name", "changes", "rule"), SERVER_MUTANTS)
def test_a_server_mutant_is_reported_against_the_server(
    name: str, changes: dict[str, Any], rule: str | None
) -> None:
    """A conforming request to a mutant: the mutant's rule broken, by the server alone."""
    mutant = MUTANTS[name]
    with proxied(mutant.app) as (url, recorder):
        _create(url, request_id="a-1", **changes)
    found = {(v.finding.side, v.finding.rule) for v in recorder.tally.violations}
    assert ("server", rule or mutant.rule) in found
    assert {side for side, _ in found} == {"server"}, found


def test_a_valid_request_answered_with_a_protocol_error_is_the_servers_fault() -> None:
    with proxied(MUTANTS["params-error-as-invalid-request"].app) as (url, recorder):
        _create(url, default_phone_number="x")  # invalid: the client's fault, and -32600 fine
        _create(url, 2, domain_name="ok.example.com")
    rules = [(v.exchange, v.finding.side, v.finding.rule) for v in recorder.tally.violations]
    assert (1, "client", "request-params") in rules
    assert all(side == "client" for exchange, side, _ in rules if exchange == 1)


def test_a_batch_is_paired_by_id_and_each_reply_judged_by_its_request() -> None:
    """An OpenRPC-style server that takes batches is judged reply by reply; a reply missing
    from the array is the server's finding."""
    from conformance.engine.checks import RunState
    from conformance.traffic.contracts import BundledTraffic
    from conformance.traffic.judging import judge

    contract = BundledTraffic("seed")
    state = RunState(hints=False)
    one = {"jsonrpc": "2.0", "id": 1, "method": "create.sites", "params": _params()}
    two = {**one, "id": "b"}
    body = json.dumps([one, two]).encode()
    reply = [{"jsonrpc": "2.0", "id": "b", "result": {"id": 7, "success": True}}]
    headers = {"content-type": "application/json"}
    judged = judge(contract, state, body, 200, headers, json.dumps(reply).encode())
    found = {(f.side, f.rule) for f in judged.findings}
    assert found == {("client", "request-batch"), ("server", "batch-replies")}
    reply.append({"jsonrpc": "2.0", "id": 1, "result": {"id": "7", "success": True}})
    judged = judge(contract, state, body, 200, headers, json.dumps(reply).encode())
    found = {(f.side, f.rule) for f in judged.findings}
    assert found == {("client", "request-batch"), ("server", "reply-schema")}
