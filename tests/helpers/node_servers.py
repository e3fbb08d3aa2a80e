"""A server that node runs (ganache, ``@open-rpc/mock-server``) through a launcher script that
prints ``listening PORT`` once it serves on 127.0.0.1."""

from __future__ import annotations

import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def served_by_node(
    launcher: Path, arguments: Sequence[str], *, cwd: Path, start_timeout: float
) -> Iterator[str]:
    """``node LAUNCHER ARGUMENTS...`` until the block ends; yields the URL it says it serves."""
    node = shutil.which("node")
    assert node, f"node is required to run {launcher.name}"
    process = subprocess.Popen(
        [node, str(launcher), *arguments],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
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
