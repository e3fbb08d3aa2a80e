"""A server of the simple-math example document (addition and subtraction), written apart
from the kit, as a target for OpenRPC runs over a method that is not create.sites."""

from __future__ import annotations

import json
from typing import Any

from document_server import strict_loads

from conformance.server import Response


def _notification(request: Any) -> bool:
    return isinstance(request, dict) and request.get("jsonrpc") == "2.0" and "id" not in request


class SimpleMath:
    """A JSON-RPC 2.0 server of simple-math's addition and subtraction (integers), written
    apart from the kit, that takes params by position or by name; ``wrong_result`` answers
    subtraction with a string; ``positional_only`` refuses params by name (-32602), as
    ganache does."""

    def __init__(self, wrong_result: bool = False, positional_only: bool = False) -> None:
        self.wrong_result = wrong_result
        self.positional_only = positional_only

    def handle(self, body: bytes) -> Response:
        try:
            request = strict_loads(body)
        except ValueError:
            return self._reply(None, error=(-32700, "Parse error"))
        if isinstance(request, list):
            if not request:
                return self._reply(None, error=(-32600, "Invalid Request"))
            answers = [json.loads(self.answer(r)) for r in request if not _notification(r)]
            return Response(json.dumps(answers).encode()) if answers else Response(b"", 204)
        if _notification(request):
            return Response(b"", 204)  # JSON-RPC 2.0: a notification gets no reply
        return Response(self.answer(request))

    def answer(self, request: Any) -> bytes:
        ok_id = isinstance(request, dict) and (
            isinstance(request.get("id"), str)
            or (isinstance(request.get("id"), int) and not isinstance(request.get("id"), bool))
        )
        rid = request["id"] if ok_id else None
        if (
            not isinstance(request, dict)
            or request.get("jsonrpc") != "2.0"
            or not isinstance(request.get("method"), str)
            or ("id" in request and not ok_id)
            or ("params" in request and not isinstance(request["params"], list | dict))
        ):
            return self._body(rid, error=(-32600, "Invalid Request"))
        if request["method"] not in ("addition", "subtraction"):
            return self._body(rid, error=(-32601, "Method not found"))
        params = request.get("params", [])
        if self.positional_only and isinstance(params, dict):
            return self._body(rid, error=(-32602, "Invalid params: expected an array"))
        values = list(params.values()) if isinstance(params, dict) else params
        names_ok = not isinstance(params, dict) or set(params) <= {"a", "b"}
        if (
            not names_ok
            or len(values) > 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in values)
        ):
            return self._body(rid, error=(-32602, "Invalid params"))
        if isinstance(params, dict):
            a, b = params.get("a", 0), params.get("b", 0)
        else:
            a, b = [*values, 0, 0][:2]
        value: Any = a + b if request["method"] == "addition" else a - b
        if self.wrong_result and request["method"] == "subtraction":
            value = str(value)
        return self._body(rid, result=value)

    def _body(self, rid: Any, result: Any = None, error: Any = None) -> bytes:
        reply: dict[str, Any] = {"jsonrpc": "2.0", "id": rid}
        if error is None:
            reply["result"] = result
        else:
            reply["error"] = {"code": error[0], "message": error[1]}
        return json.dumps(reply).encode()

    def _reply(self, rid: Any, error: Any) -> Response:
        return Response(self._body(rid, error=error))
