"""The mock answers with small arrays: at most two items where the result schema allows
(more where its ``minItems`` asks), every answer still one the schema accepts. A pool of long
arrays of nested objects took 18 s to draw for one method of the Ethereum document; a
property that happens to be named ``items`` is data of the schema, not an array's items."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from conformance.mock.app import MockApp
from conformance.openrpc.document import parse

BLOCK = {
    "type": "object",
    "required": ["items", "tags"],
    "properties": {
        # a property named "items", whose own schema is no array
        "items": {"type": "object", "properties": {"count": {"type": "integer"}}},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}

RESULTS: dict[str, Any] = {
    "blocks": {"type": "array", "items": BLOCK},
    "at_least_three": {"type": "array", "items": {"type": "integer"}, "minItems": 3},
    "at_most_one": {"type": "array", "items": {"type": "integer"}, "maxItems": 1},
}


def _document() -> dict[str, Any]:
    return {
        "openrpc": "1.3.2",
        "info": {"title": "small results", "version": "1"},
        "methods": [
            {
                "name": name,
                "params": [{"name": "n", "schema": {"type": "integer"}}],
                "result": {"name": "r", "schema": schema},
            }
            for name, schema in RESULTS.items()
        ],
    }


def _answers(method: str, seeds: range) -> list[Any]:
    found = []
    for seed in seeds:
        app = MockApp(parse(_document(), "small.json"), seed)
        for request_id in range(6):
            body = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": [request_id]}
            reply = json.loads(app.handle(json.dumps(body).encode()).body)
            found.append(reply["result"])
    return found


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_arrays_are_small_and_keep_their_schema() -> None:
    blocks = _answers("blocks", range(3))
    assert all(len(value) <= 2 for value in blocks), blocks
    assert any(len(value) == 2 for value in blocks), "never two items: the cap is not reached"
    for value in blocks:
        jsonschema.validate(value, RESULTS["blocks"])
        for block in value:  # "items" kept as the object the schema says, not cut as an array
            assert isinstance(block["items"], dict) and len(block["tags"]) <= 2
    assert all(len(value) == 3 for value in _answers("at_least_three", range(3)))
    assert all(len(value) <= 1 for value in _answers("at_most_one", range(3)))
