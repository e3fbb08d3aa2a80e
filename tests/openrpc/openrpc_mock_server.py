"""``@open-rpc/mock-server`` (npm, pinned in tools/openrpc) serving one OpenRPC document on
127.0.0.1, started with node through ``tools/openrpc/mock-server-loopback.js``."""

from __future__ import annotations

import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    node = shutil.which("node")
    assert node, "node is required to run @open-rpc/mock-server"
    process = subprocess.Popen(
        [node, str(LAUNCHER), str(document.resolve())]
        + (["--ignore-unknown-formats"] if ignore_unknown_formats else []),
        cwd=TOOLS,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:  # drained to the end: a full pipe would stall the mock
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while True:
            line = lines.get(timeout=start_timeout)
            if line.startswith("listening "):
                yield f"http://127.0.0.1:{int(line.split()[1])}/"
                break
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        reader.join(timeout=10)  # the pipe ends with the process
        assert process.stdout is not None
        process.stdout.close()
