"""ganache 7.9.2 (npm, pinned in tools/ganache), an Ethereum JSON-RPC server, on 127.0.0.1 and a
free port, started with node through ``tools/ganache/ganache-loopback.js``."""

from __future__ import annotations

import queue
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    node = shutil.which("node")
    assert node, "node is required to run ganache"
    argv = [node, str(LAUNCHER), str(_free_port())] + (["--guard-null"] if guard_null else [])
    process = subprocess.Popen(
        argv, cwd=TOOLS, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:  # drained to the end: a full pipe would stall ganache
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
        reader.join(timeout=10)
        assert process.stdout is not None
        process.stdout.close()
