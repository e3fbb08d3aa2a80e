"""A JSON-RPC 2.0 server of any OpenRPC document, written apart from the kit's judging: params
are checked with python-jsonschema against the document as written (``schema_oracle``), and a
success answers one result that fits the method's result schema (checked the same way).

A conforming server of the document, whatever its methods do: a run of the kit against it
that fails anything has made a request the document does not allow, or judged by a schema
the document does not say."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from schema_oracle import Oracle

from conformance.server import Response

_NO_RESULT = object()


def _good_id(request: dict[str, Any]) -> bool:
    rid = request.get("id")
    return isinstance(rid, str) or (isinstance(rid, int) and not isinstance(rid, bool))


def _not_json(literal: str) -> Any:
    raise ValueError(f"{literal} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is past any double")
    return number


def strict_loads(body: bytes) -> Any:
    """JSON as RFC 8259 has it: json.loads reads NaN, Infinity and 1e400 (as inf), which the
    replies would then echo as no JSON."""
    return json.loads(body, parse_constant=_not_json, parse_float=_finite)


class DocumentServer:
    """Answers the methods of ``raw`` (read from ``path``): -32601 for any other, -32602
    where python-jsonschema refuses the params, else ``results[method]``."""

    def __init__(self, raw: Any, path: Path | None, results: dict[str, Any]) -> None:
        self.oracle = Oracle(raw, path)
        self.methods: dict[str, Any] = {}
        for method in raw["methods"]:
            descriptors = [self.oracle.descriptor(d) for d in method.get("params") or []]
            self.methods[method["name"]] = (
                [d["name"] for d in descriptors],
                method.get("paramStructure", "either"),
                self.oracle.params_validator(method),
            )
        self.results = results

    def handle(self, body: bytes) -> Response:
        try:
            request = strict_loads(body)
        except ValueError:
            return Response(self._body(None, error=(-32700, "Parse error")))
        if isinstance(request, list):
            if not request:
                return Response(self._body(None, error=(-32600, "Invalid Request")))
            answers = [json.loads(a) for a in (self.answer(r) for r in request) if a is not None]
            return Response(json.dumps(answers).encode()) if answers else Response(b"", 204)
        answer = self.answer(request)
        return Response(b"", 204) if answer is None else Response(answer)

    def answer(self, request: Any) -> bytes | None:
        if not isinstance(request, dict):
            return self._body(None, error=(-32600, "Invalid Request"))
        rid = request.get("id") if _good_id(request) else None
        if (
            request.get("jsonrpc") != "2.0"
            or not isinstance(request.get("method"), str)
            or ("id" in request and not _good_id(request))
            or ("params" in request and not isinstance(request["params"], list | dict))
        ):
            return self._body(rid, error=(-32600, "Invalid Request"))
        if "id" not in request:
            return None  # a notification gets no reply
        if request["method"] not in self.methods:
            return self._body(rid, error=(-32601, "Method not found"))
        names, structure, valid = self.methods[request["method"]]
        params = request.get("params", {})
        if isinstance(params, list):
            if structure == "by-name":
                return self._body(rid, error=(-32602, "Invalid params: by name"))
            params = dict(zip(names, params, strict=False))
        elif structure == "by-position":
            return self._body(rid, error=(-32602, "Invalid params: by position"))
        if not valid.is_valid(params):
            return self._body(rid, error=(-32602, "Invalid params"))
        return self._body(rid, result=self.results[request["method"]])

    @staticmethod
    def _body(rid: Any, result: Any = _NO_RESULT, error: tuple[int, str] | None = None) -> bytes:
        reply: dict[str, Any] = {"jsonrpc": "2.0", "id": rid}
        if error is None:
            reply["result"] = None if result is _NO_RESULT else result
        else:
            reply["error"] = {"code": error[0], "message": error[1]}
        return json.dumps(reply).encode()
