"""Fixtures for the reference server's tests: a configuration, an app, a served app, a client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from helpers.server_requests import (
    AGENT_CUSTOMERS,
    AGENT_TOKEN,
    CUSTOMER_TOKEN,
    CUSTOMER_USER_ID,
    SCENARIO_IDS,
    connect,
    post,
)

from conformance.server import Config, CreateSitesApp, SiteStore, serve_in_thread
from conformance.server.config import parse


@pytest.fixture
def config() -> Config:
    """A customer (user 100), an agent of users 100 and 101, and scenarios 7 and 8."""
    return parse(
        {
            "scenario_ids": SCENARIO_IDS,
            "tokens": [
                {"token": CUSTOMER_TOKEN, "role": "customer", "user_id": CUSTOMER_USER_ID},
                {"token": AGENT_TOKEN, "role": "agent", "customer_user_ids": AGENT_CUSTOMERS},
            ],
        }
    )


@pytest.fixture
def store() -> Iterator[SiteStore]:
    """An in-memory site store."""
    with SiteStore(":memory:") as store:
        yield store


@pytest.fixture
def app(config: Config, store: SiteStore) -> CreateSitesApp:
    """The reference app over the test configuration and an in-memory store."""
    return CreateSitesApp(config, store)


@pytest.fixture
def url(app: CreateSitesApp) -> Iterator[str]:
    """The base URL of the app served on loopback, with a short read timeout."""
    with serve_in_thread(app, read_timeout=1.0) as base:
        yield base


@pytest.fixture
def call(url: str) -> Iterator[Callable[[bytes | dict[str, Any] | list[Any]], Any]]:
    """POST one body over a shared keep-alive connection; the reply, checked to be HTTP 200."""
    connection = connect(url)

    def send(body: bytes | dict[str, Any] | list[Any]) -> Any:
        status, headers, reply = post(connection, body)
        assert status == 200
        assert headers["content-type"] == "application/json"
        return reply

    yield send
    connection.close()
