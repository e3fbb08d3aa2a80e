"""ganache 7.9.2 (npm, pinned in tools/ganache), an Ethereum JSON-RPC server, on 127.0.0.1 and a
free port, started with node through ``tools/ganache/ganache-loopback.js``."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers.node_servers import served_by_node

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "ganache"
LAUNCHER = TOOLS / "ganache-loopback.js"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve_ganache(*, guard_null: bool, start_timeout: float = 60.0) -> Iterator[str]:
    """ganache until the block ends; yields its URL. ``guard_null``: the launcher answers a
    ``null`` body itself, which kills stock ganache (see the launcher)."""
    assert (TOOLS / "node_modules" / "ganache").is_dir(), (
        "tools/ganache lacks ganache: run `make ganache`"
    )
    arguments = [str(_free_port())] + (["--guard-null"] if guard_null else [])
    with served_by_node(LAUNCHER, arguments, cwd=TOOLS, start_timeout=start_timeout) as url:
        yield url
