"""The site store on its own: a database file it cannot use leaves nothing open."""

from __future__ import annotations

import gc
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from conformance.server import SiteStore


def test_a_file_that_is_not_a_database_is_refused_and_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """connect succeeds on any file; when the set-up fails after it, the connection is closed."""
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a SQLite database\n" * 200)
    opened: list[sqlite3.Connection] = []
    connect = sqlite3.connect

    def recording_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = connect(*args, **kwargs)
        opened.append(connection)
        return connection

    monkeypatch.setattr(sqlite3, "connect", recording_connect)
    with pytest.raises(sqlite3.DatabaseError):
        SiteStore(junk)
    gc.collect()  # an unclosed connection would warn here (Python 3.13+); warnings are errors
    assert len(opened) == 1
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        opened[0].execute("SELECT 1")
