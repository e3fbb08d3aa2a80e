"""Starts ``ajv_sites_server.js`` (the create.sites server that validates with the published
schemas through ajv; see its header) with node on a free loopback port, for the tests and the
measuring script. Its npm packages come from ``tools/ajv`` (``make ajv-tools``)."""

from __future__ import annotations

import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "ajv_sites_server.js"
NODE_MODULES = HERE.parents[1] / "tools" / "ajv" / "node_modules"


@contextmanager
def serve(token: str, start_timeout: float = 20.0) -> Iterator[str]:
    """The server until the block ends; yields its URL. Fails (never skips) without node or
    the npm packages."""
    assert (NODE_MODULES / "ajv").is_dir(), f"{NODE_MODULES} lacks ajv: run `make ajv-tools`"
    node = shutil.which("node")
    assert node, "node is required to run the ajv server"
    process = subprocess.Popen(
        [node, str(SCRIPT), token],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:  # drained to the end: a full pipe would stall the server
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        try:
            line = lines.get(timeout=start_timeout)
        except queue.Empty:
            line = ""
        if not line.startswith("listening "):
            process.kill()
            _, errors = process.communicate(timeout=10)
            raise RuntimeError(f"the ajv server did not start: {line}{errors}")
        yield f"http://127.0.0.1:{int(line.split()[1])}/"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        reader.join(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
