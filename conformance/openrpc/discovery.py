"""The document a target describes itself with: its answer to ``rpc.discover``, the method
OpenRPC reserves for that (``conformance fuzz URL --discover``, ``pytest --target-openrpc
rpc.discover``)."""

from __future__ import annotations

import json
import ssl
from collections.abc import Sequence
from typing import Final

from conformance.engine.transport import Client, Target
from conformance.errors import PayloadError
from conformance.openrpc.document import Document, OpenRpcError, parse
from conformance.validation.payloads import loads

#: The method a target answers with its own OpenRPC document; as ``--target-openrpc``'s value,
#: "ask the target".
DISCOVER: Final = "rpc.discover"


def discover(
    url: str,
    timeout: float,
    context: ssl.SSLContext | None = None,
    headers: Sequence[tuple[str, str]] = (),
) -> Document:
    """The document the target at ``url`` answers ``rpc.discover`` with (over TLS with
    ``context``, where given; with the run's ``headers``, which a gateway may ask of every
    request); ``OpenRpcError`` saying what came back where it is none."""
    request = {"jsonrpc": "2.0", "id": 1, "method": DISCOVER, "params": []}
    client = Client(Target.parse(url), timeout, headers=headers, context=context)
    try:
        answer = client.post(json.dumps(request).encode())
    finally:
        client.close()
    if answer.status is None:
        raise OpenRpcError(f"{url} gave no answer to {DISCOVER}: {answer.error}")
    try:
        reply = loads(answer.body)
    except PayloadError as error:
        raise OpenRpcError(f"the answer to {DISCOVER} is not JSON: {error}") from None
    if not isinstance(reply, dict) or not isinstance(reply.get("result"), dict):
        shown = json.dumps(reply, ensure_ascii=False)[:200]
        raise OpenRpcError(f"{DISCOVER} gave no document: {shown}")
    return parse(reply["result"], f"{url} {DISCOVER}")


__all__ = ["DISCOVER", "discover"]
