"""Serve an ASGI application with uvicorn on a thread, on a free loopback port (for tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


@contextmanager
def serve_asgi(app: Any, path: str = "/") -> Iterator[str]:
    """``app`` served by uvicorn until the block ends; yields the URL of ``path``."""
    # uvicorn binds the port itself: asyncio sets TCP_NODELAY only on sockets whose protocol
    # is IPPROTO_TCP, and a socket made here with socket.socket() has protocol 0, which costs
    # a 40 ms delayed-ACK stall on every keep-alive request (headers and body are two writes)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, loop="asyncio", lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
