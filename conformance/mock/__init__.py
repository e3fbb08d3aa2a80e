"""``conformance mock``: a stateless JSON-RPC 2.0 server for any OpenRPC document.

``app.MockApp`` answers request bodies as a conforming server would (the JSON-RPC 2.0 errors,
the failing param named in -32602's ``error.data``), and valid calls with results its result
schema accepts, drawn deterministically from a seed (``results``); ``mock_for`` serves it on
the reference server's HTTP layer (``conformance.server.httpd``) for a ``with`` block.
Without a document, ``conformance mock`` serves create.sites with the reference server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from conformance.mock.app import MockApp, ParamsFault
from conformance.mock.results import NoResult, Results
from conformance.openrpc.document import Document


@contextmanager
def mock_for(
    document: Document, seed: int = 0, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve a mock of ``document`` on a background thread; yield its URL; stop on exit.
    ``NoResult`` where a method has no result to answer with."""
    from conformance.server.httpd import serve_in_thread

    with serve_in_thread(MockApp(document, seed), host, port) as url:
        yield url


__all__ = ["MockApp", "NoResult", "ParamsFault", "Results", "mock_for"]
