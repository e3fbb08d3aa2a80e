"""The reference server keeps no access token at rest: a site created over HTTP is in the
SQLite file with its params, and no byte of the database (its WAL included) holds the token."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from pathlib import Path

from conformance.server import CreateSitesApp, SiteStore, serve_in_thread
from conformance.server.config import Config

TOKEN = "at-rest-token-7f3a9c"


def test_a_created_site_is_stored_without_the_token(tmp_path: Path) -> None:
    database = tmp_path / "sites.sqlite3"
    config = Config(scenario_ids=frozenset({1})).with_customer_tokens([TOKEN])
    request = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "create.sites",
        "params": {
            "access_token": TOKEN,
            "domain_name": "kept.example.com",
            "default_phone_number": "74951819160",
            "industry_id": 3,
        },
    }
    with SiteStore(database) as store:
        with serve_in_thread(CreateSitesApp(config, store), read_timeout=2.0) as url:
            sent = urllib.request.Request(
                url, json.dumps(request).encode(), {"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(sent, timeout=10) as answer:
                reply = json.loads(answer.read())
        assert "result" in reply, reply
        files = sorted(tmp_path.iterdir())
        at_rest = b"".join(path.read_bytes() for path in files)
    assert TOKEN.encode() not in at_rest, [p.name for p in files]
    with sqlite3.connect(database) as reader:
        (params,) = reader.execute("SELECT params FROM sites").fetchone()
    assert json.loads(params) == {
        name: value for name, value in request["params"].items() if name != "access_token"
    }


def test_a_reader_of_the_database_file_does_not_stop_the_server(tmp_path: Path) -> None:
    """The store's file runs in WAL mode (its docstring's promise): someone inspecting the
    database (``sqlite3 create-sites.sqlite3``, a read transaction left open) does not block the
    server, which goes on creating sites. In SQLite's default rollback journal the insert would
    wait for the reader, then fail "database is locked", and the user would get -32603."""
    database = tmp_path / "sites.sqlite3"
    config = Config(scenario_ids=frozenset({1})).with_customer_tokens([TOKEN])
    with SiteStore(database) as store:
        with sqlite3.connect(database, isolation_level=None) as reader:
            (mode,) = reader.execute("PRAGMA journal_mode").fetchone()
            reader.execute("BEGIN")
            assert reader.execute("SELECT count(*) FROM sites").fetchone() == (0,)
            with serve_in_thread(CreateSitesApp(config, store), read_timeout=2.0) as url:
                request = {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "create.sites",
                    "params": {
                        "access_token": TOKEN,
                        "domain_name": "while-read.example.com",
                        "default_phone_number": "74951819160",
                        "industry_id": 3,
                    },
                }
                sent = urllib.request.Request(
                    url, json.dumps(request).encode(), {"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(sent, timeout=15) as answer:
                    reply = json.loads(answer.read())
            reader.execute("COMMIT")
        assert "result" in reply, reply
        assert mode == "wal"
        assert [site[2] for site in store.sites()] == ["while-read.example.com"]
