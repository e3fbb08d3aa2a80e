"""A hand-written JSON-RPC 2.0 server of one method, for the tests that want a target's own
words in its replies: the envelope is checked as JSON-RPC 2.0 says (-32700, -32600, -32601),
and the method's answer is the subclass's (``answer``)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from conformance.server import Response

__all__ = ["OneMethod"]


class OneMethod:
    """Serves ``method`` alone; ``answer(params)`` gives its outcome, ``{"result": ...}`` or
    ``{"error": {...}}``."""

    method: ClassVar[str]

    def handle(self, body: bytes) -> Response:
        try:
            request = json.loads(body)
        except ValueError:
            return self._reply(None, error={"code": -32700, "message": "Parse error"})
        rid = request.get("id") if isinstance(request, dict) else None
        rid = rid if isinstance(rid, str | int) and not isinstance(rid, bool) else None
        if not isinstance(request, dict) or request.get("jsonrpc") != "2.0" or "id" not in request:
            return self._reply(rid, error={"code": -32600, "message": "Invalid Request"})
        if request.get("method") != self.method:
            return self._reply(rid, error={"code": -32601, "message": "Method not found"})
        return self._reply(rid, **self.answer(request.get("params")))

    def answer(self, params: Any) -> dict[str, Any]:
        raise NotImplementedError

    @staticmethod
    def _reply(rid: Any, **outcome: Any) -> Response:
        return Response(json.dumps({"jsonrpc": "2.0", "id": rid, **outcome}).encode())
