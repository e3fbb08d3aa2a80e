"""The mock's application: a stateless JSON-RPC 2.0 server of one OpenRPC document.

Each request body is answered as JSON-RPC 2.0 has a conforming server answer it, in this order:

- a body that is no UTF-8 JSON text (a bare ``NaN`` or ``Infinity`` included, RFC 8259
  section 6): -32700 Parse error, id null;
- a batch (an array): each element answered on its own; an empty array gets one -32600 error
  (not an array), a batch of notifications no body at all (section 6);
- anything that is no Request object (not an object; ``jsonrpc`` not ``"2.0"``; ``method`` not a
  string; ``params`` neither an object nor an array; an id neither a string, a number nor
  null): -32600 Invalid Request, with the request's id where it could be read, else null;
- a notification (a Request object without ``id``): no reply, whatever it calls (section 4.1);
- ``rpc.discover``, where the document defines no method of that name: the document itself;
- a method the document does not describe: -32601 Method not found;
- params the method's schemas refuse, by name or by position (``paramStructure`` honoured:
  by-name refuses an array, by-position a non-empty object; more positions than params is
  refused): -32602 Invalid params, ``error.data`` naming the failing param, the schema keyword
  and where (``{"param": "limit", "keyword": "maximum", "path": "/limit"}``; a JSON Pointer
  into params as sent);
- else the method's result (``conformance.mock.results``): the same call, the same result.

A number past any double as an id (``1e400``) cannot be echoed in JSON: it is answered as an
unreadable id, -32600 with id null. Nothing raises out of ``handle``: the HTTP layer's -32603
(``conformance.server.httpd``) is never reached, which ``tests/mock`` shows on every request the
fuzz run sends.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import jsonschema_rs

from conformance.errors import ArgumentError, PayloadError
from conformance.mock.results import Results, results_for
from conformance.openrpc.discovery import DISCOVER
from conformance.openrpc.document import Document, Method
from conformance.server.rpc import Response
from conformance.validation.formats import FORMATS
from conformance.validation.payloads import loads
from conformance.validation.validator import ENGINE_INPUT_ERRORS, has_lone_surrogate

PARSE_ERROR: Final = (-32700, "Parse error")
INVALID_REQUEST: Final = (-32600, "Invalid Request")
METHOD_NOT_FOUND: Final = (-32601, "Method not found")
INVALID_PARAMS: Final = (-32602, "Invalid params")

_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")

#: The reply to a batch of notifications, or to one: no body (HTTP 204).
NO_REPLY: Final = Response(b"", status=204)


def _is_id(value: Any) -> bool:
    """A Request object's id: a string, a number or null (JSON-RPC 2.0 section 4)."""
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


def _readable(value: Any) -> Any:
    """``value`` with each lone surrogate read as U+FFFD, as a reader that replaces it does
    (RFC 8259 section 8.2 leaves it open); the validator takes no lone surrogate."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        if not has_lone_surrogate(value):
            return value
        return {_readable(name): _readable(member) for name, member in value.items()}
    if isinstance(value, list):
        return [_readable(item) for item in value]
    return value


def _pointer(parts: list[str]) -> str:
    """A JSON Pointer (RFC 6901) of ``parts``."""
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _error(request_id: Any, code: tuple[int, str], data: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code[0], "message": code[1]}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": request_id, "error": error}


def encode(reply: Any) -> bytes:
    """``reply`` as UTF-8 JSON; a lone surrogate echoed from the request's id is escaped."""
    try:
        return json.dumps(reply, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(reply, separators=(",", ":")).encode("ascii")


@dataclass(frozen=True)
class ParamsFault:
    """Why a method's params are refused: ``error.data`` of the -32602 reply."""

    param: str | None
    keyword: str
    path: str

    def data(self) -> dict[str, Any]:
        return {"param": self.param, "keyword": self.keyword, "path": self.path}


class MethodJudge:
    """One method's params check and its results."""

    def __init__(self, method: Method, seed: int) -> None:
        self.method = method
        self.names = [param.name for param in method.params]
        self.engine = jsonschema_rs.validator_for(
            method.params_schema, formats=FORMATS, validate_formats=True
        )
        self.results: Results = results_for(method, seed)

    def by_name(self, params: Any) -> tuple[dict[str, Any], dict[str, str]] | ParamsFault:
        """The params as an object, with the pointer of each param as sent; or the fault of
        their structure."""
        structure = self.method.param_structure
        if isinstance(params, list):
            if structure == "by-name":
                return ParamsFault(None, "paramStructure", "")
            if len(params) > len(self.names):
                return ParamsFault(None, "maxItems", "")
            named = dict(zip(self.names, params, strict=False))
            return named, {name: f"/{i}" for i, name in enumerate(self.names)}
        if structure == "by-position" and params:
            return ParamsFault(None, "paramStructure", "")
        return dict(params), {name: _pointer([name]) for name in params}

    def fault(self, params: dict[str, Any], places: Mapping[str, str]) -> ParamsFault | None:
        """The first violation of the params schema (in the order of the method's params),
        or ``None``."""
        try:
            errors = list(self.engine.iter_errors(_readable(params)))
        except ENGINE_INPUT_ERRORS:  # a value the validator cannot take (a number past u64)
            return ParamsFault(None, "unreadable", "")
        faults = []
        for error in errors:
            path = [str(part) for part in error.instance_path]
            keyword = error.kind.name
            detail = error.kind.as_dict()
            if not path and keyword == "required":
                path = [str(detail.get("property"))]
            elif not path and keyword == "additionalProperties":
                path = [str(name) for name in detail.get("unexpected", ())[:1]]
            if not path:
                faults.append(ParamsFault(None, keyword, ""))
                continue
            name, rest = path[0], path[1:]
            where = places.get(name, _pointer([name]))
            faults.append(ParamsFault(name, keyword, where + _pointer(rest)))
        if not faults:
            return None

        def order(fault: ParamsFault) -> tuple[int, str, str]:
            index = self.names.index(fault.param) if fault.param in self.names else -1
            return index, fault.path, fault.keyword

        return min(faults, key=order)


def _judge(method: Method, seed: int) -> MethodJudge:
    """``MethodJudge(method, seed)``; a schema the validator cannot compile (``"type": 5``, a
    pattern that is no regular expression) is an ``ArgumentError`` naming the method."""
    try:
        return MethodJudge(method, seed)
    except ArgumentError:
        raise
    except Exception as error:  # jsonschema-rs refuses the schema: said, not a traceback
        first = (str(error).splitlines() or [type(error).__name__])[0]
        raise ArgumentError(
            f"method {method.name!r}: a params or result schema the validator cannot compile "
            f"({first[:160]})"
        ) from None


class MockApp:
    """A stateless server of ``document``, its results drawn from ``seed``.

    Raises ``conformance.mock.results.NoResult`` naming a method no result can be answered for,
    ``ArgumentError`` naming one whose schemas the validator cannot compile.
    """

    def __init__(self, document: Document, seed: int = 0) -> None:
        self.document = document
        self.seed = seed
        self.methods = {method.name: _judge(method, seed) for method in document.methods}

    def handle(self, body: bytes) -> Response:
        """The response to one request body: what the HTTP layer calls."""
        try:
            message = loads(body)
        except PayloadError as error:
            return Response(encode(_error(None, PARSE_ERROR, {"reason": str(error)[:200]})))
        if isinstance(message, list):
            if not message:
                reason = {"reason": "an empty batch"}
                return Response(encode(_error(None, INVALID_REQUEST, reason)))
            replies = [reply for reply in map(self.answer, message) if reply is not None]
            return Response(encode(replies)) if replies else NO_REPLY
        reply = self.answer(message)
        return NO_REPLY if reply is None else Response(encode(reply))

    def answer(self, request: Any) -> dict[str, Any] | None:
        """The reply to one request object (``None`` for a notification)."""
        if not isinstance(request, dict):
            return _error(None, INVALID_REQUEST, {"reason": "the request is not a JSON object"})
        has_id = "id" in request
        request_id = request.get("id")
        if has_id and not _is_id(request_id):
            return _error(None, INVALID_REQUEST, {"reason": "id is not a string, number or null"})
        if isinstance(request_id, float) and not math.isfinite(request_id):
            return _error(None, INVALID_REQUEST, {"reason": "id is a number past any double"})
        reason = self._envelope_fault(request)
        if reason is not None:
            return _error(request_id, INVALID_REQUEST, {"reason": reason})
        if not has_id:
            return None  # a notification: never answered, whatever it calls
        name = request["method"]
        judge = self.methods.get(name)
        if judge is None:
            if name == DISCOVER:
                return {"jsonrpc": "2.0", "id": request_id, "result": self.document.raw}
            return _error(request_id, METHOD_NOT_FOUND, {"method": name})
        made = judge.by_name(request.get("params", {}))
        if isinstance(made, ParamsFault):
            return _error(request_id, INVALID_PARAMS, made.data())
        params, places = made
        fault = judge.fault(params, places)
        if fault is not None:
            return _error(request_id, INVALID_PARAMS, fault.data())
        return {"jsonrpc": "2.0", "id": request_id, "result": judge.results.for_params(params)}

    @staticmethod
    def _envelope_fault(request: dict[str, Any]) -> str | None:
        if request.get("jsonrpc") != "2.0":
            return 'jsonrpc is not "2.0"'
        if not isinstance(request.get("method"), str):
            return "method is missing or not a string"
        if "params" in request and not isinstance(request["params"], dict | list):
            return "params is neither an object nor an array"
        return None


__all__ = [
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "NO_REPLY",
    "PARSE_ERROR",
    "MethodJudge",
    "MockApp",
    "ParamsFault",
    "encode",
]
