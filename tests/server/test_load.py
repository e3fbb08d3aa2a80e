"""Load and durability: concurrent keep-alive clients, then a restart on the same database."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from helpers.server_requests import connect, post, request

from conformance.server import Config, CreateSitesApp, SiteStore, serve_in_thread

CLIENTS = 16
SITES = 2000
#: every tenth request of a client repeats its previous domain in upper case: a duplicate
DUPLICATE_EVERY = 10
#: seconds for all the clients together (a loaded 2-core machine takes a few)
DEADLINE = 60.0


def run_client(url: str, number: int, count: int, results: list[Any]) -> None:
    """Create ``count`` sites over one keep-alive connection; record (request id, reply)."""
    connection = connect(url, timeout=30)
    try:
        connection.connect()
        sock = connection.sock
        for index in range(count):
            domain = f"site-{number}-{index}.example.com"
            if index % DUPLICATE_EVERY == DUPLICATE_EVERY - 1:
                domain = f"SITE-{number}-{index - 1}.example.com"
            request_id = f"{number}-{index}"
            status, _, reply = post(connection, request(request_id, domain_name=domain))
            results.append((request_id, status, reply))
        results.append(("same connection", connection.sock is sock, None))
    finally:
        connection.close()


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_concurrent_clients_then_restart(config: Config, tmp_path: Path) -> None:
    """16 clients create 2,000 sites; all acknowledged ids are stored, distinct, and survive."""
    db = tmp_path / "sites.sqlite3"
    per_client = SITES // CLIENTS
    results: list[list[Any]] = [[] for _ in range(CLIENTS)]
    with SiteStore(db) as store, serve_in_thread(CreateSitesApp(config, store)) as url:
        threads = [
            # daemon: a client still running when the test fails cannot keep pytest alive
            threading.Thread(target=run_client, args=(url, n, per_client, results[n]), daemon=True)
            for n in range(CLIENTS)
        ]
        deadline = time.monotonic() + DEADLINE  # one deadline for all, not one per thread
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        late = [n for n, thread in enumerate(threads) if thread.is_alive()]
        assert not late, f"clients {late} of {CLIENTS} had not finished after {DEADLINE} s"
        acknowledged = []
        for client in results:
            assert client[-1][:2] == ("same connection", True), "keep-alive was not kept"
            assert len(client) == per_client + 1
            for request_id, status, reply in client[:-1]:
                assert status == 200 and reply["id"] == request_id
                index = int(request_id.split("-")[1])
                if index % DUPLICATE_EVERY == DUPLICATE_EVERY - 1:
                    assert reply["error"]["data"]["mnemonic"] == "duplicate_entity", reply
                else:
                    assert reply["result"]["success"] is True, reply
                    acknowledged.append(reply["result"]["id"])
        expected = CLIENTS * (per_client - per_client // DUPLICATE_EVERY)
        assert len(acknowledged) == len(set(acknowledged)) == expected
        assert {site_id for site_id, _, _ in store.sites()} == set(acknowledged)
        connection = connect(url)
        try:  # still answering afterwards
            assert post(connection, request("after", domain_name="after.ru"))[2]["result"]
        finally:
            connection.close()

    with SiteStore(db) as store:
        before = {site_id for site_id, _, _ in store.sites()}
        assert set(acknowledged) < before
        app = CreateSitesApp(config, store)
        with serve_in_thread(app) as url:
            connection = connect(url)
            try:
                reply = post(connection, request("new", domain_name="new.example.com"))[2]
                duplicate = post(connection, request("old", domain_name="site-0-0.example.com"))[2]
            finally:
                connection.close()
        assert reply["result"]["id"] > max(before)
        assert duplicate["error"]["data"]["mnemonic"] == "duplicate_entity"


def test_ids_never_reused_after_the_newest_site_is_deleted(tmp_path: Path) -> None:
    """AUTOINCREMENT: an id once given is not given again, even if its row is gone."""
    import sqlite3

    db = tmp_path / "sites.sqlite3"
    with SiteStore(db) as store:
        first = store.add(1, "a.ru", {})
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM sites WHERE id = ?", (first,))
    connection.close()
    with SiteStore(db) as store:
        assert store.add(1, "b.ru", {}) > first
