"""A proxy started in a program: the recorder and the server together, stopped cleanly."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from conformance.contract import DEFAULT_REVISION
from conformance.engine.checks import RunState
from conformance.proxy.reports import Recorder
from conformance.proxy.server import ProxyServer, Upstream
from conformance.traffic.contracts import BundledTraffic, TrafficContract


@contextmanager
def proxy_for(
    upstream: str,
    *,
    contract: TrafficContract | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    stream: IO[str] | None = None,
    output: str = "text",
    token: str | None = None,
    strict: bool = False,
    timeout: float = 30.0,
) -> Iterator[tuple[str, Recorder]]:
    """A proxy in front of ``upstream`` judging by ``contract`` (create.sites by default):
    yields its URL and the recorder; on exit, every exchange under way is judged whole."""
    chosen = contract if contract is not None else BundledTraffic(DEFAULT_REVISION)
    revision = getattr(chosen, "revision", DEFAULT_REVISION)
    state = RunState(revision=revision, role=getattr(chosen, "role", "customer"), hints=False,
                     strict=strict)  # fmt: skip
    out = stream if stream is not None else sys.stderr
    recorder = Recorder(chosen, state, out, output=output, token=token)

    def report_error(message: str) -> None:
        out.write(f"conformance proxy: {message}\n")
        out.flush()

    server = ProxyServer(
        (host, port),
        Upstream.parse(upstream),
        recorder.observe,
        report_error=report_error,
        timeout=timeout,
    )
    try:
        with server.running():
            yield server.url, recorder
    finally:
        recorder.close()


__all__ = ["proxy_for"]
