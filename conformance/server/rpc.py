"""JSON-RPC 2.0 as the vendor speaks it: the error table, error replies and the HTTP response.

Shared by the application (``app.py``), which answers requests, and the HTTP layer
(``http.py``), which answers what never became a request (no Content-Length, a body over the
limit, a method other than POST).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from conformance.contract.errors import ERRORS
from conformance.validation.masking import MASK, is_secret_name
from conformance.validation.violations import MISSING

#: a request id: what a reply echoes (``None`` where it could not be read)
RequestId = str | int | float | None


class RpcError(Exception):
    """An error to answer with: its ``mnemonic`` picks the code and message from ``ERRORS``.

    ``field`` names the offending parameter (dotted); ``value`` is what was sent there
    (``MISSING`` for none); ``helper`` says in words what is wrong (``data.extended_helper``).
    """

    def __init__(
        self,
        mnemonic: str,
        helper: str | None = None,
        *,
        field: str | None = None,
        value: Any = MISSING,
    ) -> None:
        super().__init__(helper or mnemonic)
        self.mnemonic = mnemonic
        self.code, self.message = ERRORS[mnemonic]
        self.helper = helper
        self.field = field
        self.value = value


@dataclass(frozen=True)
class Response:
    """What the HTTP layer sends: one body with a status and a content type.

    ``close`` asks for the connection to be closed after it.
    """

    body: bytes
    status: int = 200
    content_type: str = "application/json"
    close: bool = False


def error_reply(request_id: RequestId, error: RpcError) -> dict[str, Any]:
    """The reply object for ``error``; a secret ``value`` is masked, an unwritable one left out."""
    data: dict[str, Any] = {"mnemonic": error.mnemonic}
    if error.field is not None:
        data["field"] = error.field
        if error.value is not MISSING and writable(error.value):
            secret = is_secret_name(error.field.rpartition(".")[2])
            data["value"] = MASK if secret else error.value
    if error.helper:
        data["extended_helper"] = error.helper
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "error": {"code": error.code, "message": error.message, "data": data},
    }


def writable(value: Any) -> bool:
    """Whether ``value`` can be written as JSON text that reads back as Unicode.

    Not so for NaN and infinities (``1e400`` reads as ``inf``) or a lone surrogate.
    """
    try:
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (ValueError, TypeError, RecursionError):  # UnicodeEncodeError is a ValueError
        return False
    return True


def encode(reply: dict[str, Any]) -> bytes:
    """``reply`` as compact ASCII JSON (so any string, even a lone surrogate, can be sent)."""
    return json.dumps(reply, separators=(",", ":"), allow_nan=False).encode("ascii")


def transport_error(status: int, helper: str, mnemonic: str = "invalid_request") -> Response:
    """A refusal before any request was read: an HTTP status with a JSON-RPC error body.

    The connection is closed after it, as the body's end may not be known.
    """
    body = encode(error_reply(None, RpcError(mnemonic, helper)))
    return Response(body, status=status, close=True)
