"""Helpers for the runner's tests: the reference server's configuration and a served instance."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from conformance.server import CreateSitesApp, SiteStore, serve_in_thread
from conformance.server.config import Config, parse

CUSTOMER_TOKEN = "runner-customer-token-51c2"
AGENT_TOKEN = "runner-agent-token-0b7e"
CUSTOMER_USER_ID = 100
AGENT_CUSTOMERS = [100, 101]
SCENARIO_IDS = [7, 8]


def config_document() -> dict[str, object]:
    """A customer (user 100), an agent of users 100 and 101, and scenarios 7 and 8."""
    return {
        "scenario_ids": SCENARIO_IDS,
        "tokens": [
            {"token": CUSTOMER_TOKEN, "role": "customer", "user_id": CUSTOMER_USER_ID},
            {"token": AGENT_TOKEN, "role": "agent", "customer_user_ids": AGENT_CUSTOMERS},
        ],
    }


@contextmanager
def served(
    app_class: type[CreateSitesApp] = CreateSitesApp, revision: str = "seed"
) -> Iterator[str]:
    """``app_class`` (the reference app or a mutant of it) served on a free loopback port, in
    the contract's ``revision``."""
    with SiteStore(":memory:") as store:
        app = app_class(parse(config_document()), store, revision=revision)
        with serve_in_thread(app, read_timeout=2.0) as url:
            yield url


@contextmanager
def served_with_token(app_class: type[CreateSitesApp], token: str) -> Iterator[str]:
    """``app_class`` served with ``token`` as a customer's own (and scenario 1): for a test
    whose token is of its choosing (quotes, escapes, a word of the reply)."""
    config = Config(scenario_ids=frozenset({1})).with_customer_tokens([token])
    with (
        SiteStore(":memory:") as store,
        serve_in_thread(app_class(config, store), read_timeout=2.0) as url,
    ):
        yield url
