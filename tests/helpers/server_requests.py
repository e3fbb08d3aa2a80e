"""Helpers for the reference server's tests: valid requests, a client, a reply check."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from conformance import validator_for

CUSTOMER_TOKEN = "customer-token-3f9a"
AGENT_TOKEN = "agent-token-77c1"
CUSTOMER_USER_ID = 100
AGENT_CUSTOMERS = [100, 101]
SCENARIO_IDS = [7, 8]


def params(**changes: Any) -> dict[str, Any]:
    """Valid customer params, with ``changes`` applied (a value of ``...`` removes a member)."""
    base: dict[str, Any] = {
        "access_token": CUSTOMER_TOKEN,
        "domain_name": "example.com",
        "default_phone_number": "74951819160",
        "industry_id": 5,
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not ...}


def request(request_id: Any = 1, **changes: Any) -> dict[str, Any]:
    """A valid create.sites request with ``params(**changes)``."""
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "create.sites",
        "params": params(**changes),
    }


def assert_valid_reply(reply: Any) -> None:
    """Fail unless ``reply`` keeps the contract's reply schema."""
    violations = list(validator_for("reply").iter_errors(reply))
    assert not violations, violations


def connect(url: str, timeout: float = 10.0) -> http.client.HTTPConnection:
    """A keep-alive connection to the server at ``url``."""
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1"
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)


def post(
    connection: http.client.HTTPConnection, body: bytes | dict[str, Any] | list[Any]
) -> tuple[int, dict[str, str], Any]:
    """POST ``body`` (encoded if not bytes); the status, headers and decoded JSON reply."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    connection.request("POST", "/", data, {"Content-Type": "application/json"})
    response = connection.getresponse()
    payload = response.read()
    headers = {name.lower(): value for name, value in response.getheaders()}
    return response.status, headers, json.loads(payload) if payload else None
