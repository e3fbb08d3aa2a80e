"""``@open-rpc/mock-server`` (npm, pinned in tools/openrpc) serving one OpenRPC document on
127.0.0.1, started with node through ``tools/openrpc/mock-server-loopback.js``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers.node_servers import served_by_node
from helpers.openrpc_tools import TOOLS, require_tools

LAUNCHER = TOOLS / "mock-server-loopback.js"


@contextmanager
def serve_mock(
    document: Path, start_timeout: float = 20.0, *, ignore_unknown_formats: bool = False
) -> Iterator[str]:
    """The mock server of ``document`` until the block ends; yields its URL.
    ``ignore_unknown_formats``: its ajv 6 skips a format it lacks (see the launcher)."""
    assert (require_tools() / "@open-rpc" / "mock-server").is_dir(), (
        "tools/openrpc lacks @open-rpc/mock-server: run `make openrpc-tools`"
    )
    arguments = [str(document.resolve())]
    arguments += ["--ignore-unknown-formats"] if ignore_unknown_formats else []
    with served_by_node(LAUNCHER, arguments, cwd=TOOLS, start_timeout=start_timeout) as url:
        yield url
