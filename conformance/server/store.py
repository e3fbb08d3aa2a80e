"""Where created sites are kept: one SQLite database, shared by every request thread.

Ids come from ``AUTOINCREMENT``, so an id is never handed out twice, even after the newest
sites are deleted or the server restarts. A customer's domain names are unique
case-insensitively by a UNIQUE index on ``(owner_user_id, domain_key)``: the database refuses the
second insert, so two concurrent requests cannot both pass a read-then-write check.

Every insert is committed before ``add`` returns, so an acknowledged site survives a restart.
A file database runs in WAL mode with ``synchronous=NORMAL``: a commit survives the process
being killed; after a power loss, the last few commits may be lost (``synchronous=FULL``
would fsync on every request and cost most of the server's speed).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

#: The default database file, in the working directory.
DEFAULT_PATH: Final = "create-sites.sqlite3"
MEMORY: Final = ":memory:"

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS sites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_user_id INTEGER NOT NULL,
    domain_name TEXT NOT NULL,
    domain_key TEXT NOT NULL,
    params TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX IF NOT EXISTS sites_owner_domain ON sites (owner_user_id, domain_key);
"""


class DuplicateSite(Exception):
    """The owner already has a site with this domain name (compared case-insensitively)."""


def domain_key(domain_name: str) -> str:
    """The form in which domain names are compared: lower case (Unicode ``str.lower``).

    Not ``casefold``: IDNA keeps ``ß`` apart from ``ss``, so ``straße.de`` and ``strasse.de``
    are two domains.
    """
    return domain_name.lower()


class SiteStore:
    """The sites table. Thread-safe: one connection, one lock around each statement.

    One connection rather than one per thread, because a ``:memory:`` database exists only in
    the connection that made it, and inserts are serialised by SQLite anyway.
    """

    def __init__(self, path: str | Path = DEFAULT_PATH) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            if self.path != MEMORY:
                self._connection.execute("PRAGMA journal_mode=WAL")
                self._connection.execute("PRAGMA synchronous=NORMAL")
            self._connection.executescript(_SCHEMA)
        except BaseException:
            # e.g. a file that is not a SQLite database: connect succeeds, the first statement
            # fails; the caller gets the error and no open connection
            self._connection.close()
            raise

    def add(self, owner_user_id: int, domain_name: str, params: Mapping[str, Any]) -> int:
        """Store a site and return its new id; ``DuplicateSite`` if the owner has the domain.

        ``params`` is stored as JSON for inspection, without the access token.
        """
        kept = {name: value for name, value in params.items() if name != "access_token"}
        row = (owner_user_id, domain_name, domain_key(domain_name), json.dumps(kept))
        with self._lock:
            try:
                cursor = self._connection.execute(
                    "INSERT INTO sites (owner_user_id, domain_name, domain_key, params) "
                    "VALUES (?, ?, ?, ?)",
                    row,
                )
            except sqlite3.IntegrityError:
                raise DuplicateSite(domain_name) from None
        # autocommit mode (isolation_level=None): the INSERT is committed when it returns
        site_id = cursor.lastrowid
        assert site_id is not None
        return site_id

    def sites(self) -> Iterator[tuple[int, int, str]]:
        """Every stored site as ``(id, owner_user_id, domain_name)``, by id."""
        with self._lock:
            rows = self._connection.execute(
                "SELECT id, owner_user_id, domain_name FROM sites ORDER BY id"
            ).fetchall()
        yield from rows

    def close(self) -> None:
        """Close the database; the store cannot be used afterwards."""
        with self._lock:
            self._connection.close()

    def __enter__(self) -> SiteStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
