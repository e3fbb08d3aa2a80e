"""Traffic judged against an OpenRPC document: params by name and by position, the result
schema, batches paired by id, notifications (plain JSON-RPC 2.0 takes them)."""

from __future__ import annotations

import json
from typing import Any

from conformance.engine.checks import RunState
from conformance.openrpc.document import parse
from conformance.proxy import DocumentTraffic, judge

DOCUMENT = {
    "openrpc": "1.3.2",
    "info": {"title": "adder", "version": "1"},
    "methods": [
        {
            "name": "add",
            "params": [
                {"name": "a", "required": True, "schema": {"type": "integer"}},
                {"name": "b", "required": True, "schema": {"type": "integer"}},
            ],
            "result": {"name": "sum", "schema": {"type": "integer"}},
        }
    ],
}
JSON = {"content-type": "application/json"}


def _found(request: Any, reply: Any) -> set[tuple[str, str]]:
    contract = DocumentTraffic(parse(DOCUMENT, "adder.json"))
    body = request if isinstance(request, bytes) else json.dumps(request).encode()
    judged = judge(contract, RunState(hints=False), body, 200, JSON, json.dumps(reply).encode())
    return {(finding.side, finding.rule) for finding in judged.findings}


def _add(request_id: Any, params: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": "add", "params": params}


def test_conforming_exchanges_by_name_by_position_and_in_a_batch() -> None:
    assert _found(_add(1, {"a": 1, "b": 2}), {"jsonrpc": "2.0", "id": 1, "result": 3}) == set()
    assert _found(_add("x", [1, 2]), {"jsonrpc": "2.0", "id": "x", "result": 3}) == set()
    batch = [
        _add(1, [1, 2]),
        _add(2, [2, 2]),
        {"jsonrpc": "2.0", "method": "add", "params": [0, 0]},
    ]
    replies = [{"jsonrpc": "2.0", "id": 2, "result": 4}, {"jsonrpc": "2.0", "id": 1, "result": 3}]
    assert _found(batch, replies) == set()


def test_each_side_is_blamed_for_its_own_fault() -> None:
    error = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "b is missing"}}
    assert _found(_add(1, {"a": 1}), error) == {("client", "request-params")}
    assert _found(_add(1, [1, 2]), {"jsonrpc": "2.0", "id": 1, "result": "3"}) == {
        ("server", "result-schema")
    }
    internal = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32603, "message": "boom"}}
    assert _found(_add(1, [1, 2]), internal) == {("server", "expected-outcome")}
    unknown = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "no such method"}}
    assert _found({**_add(1, []), "method": "sub"}, unknown) == {("client", "request-method")}
    batch = [_add(1, [1, 2]), _add(2, [2, "2"])]
    replies = [{"jsonrpc": "2.0", "id": 1, "result": 3}]
    assert _found(batch, replies) == {("client", "request-params"), ("server", "batch-replies")}
