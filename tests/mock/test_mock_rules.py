"""Each rule the mock enforces, seen over HTTP as a client sees it: the JSON-RPC 2.0 error a
conforming server answers (with the failing param named in -32602's ``error.data``), no reply
to a notification, batches as section 6 says, results the result schema accepts (checked with
python-jsonschema over the document as written), ``rpc.discover``, and no traceback."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from mock_process import RULES

from conformance.mock import mock_for
from conformance.openrpc.document import load

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "openrpc"))
from schema_oracle import Oracle  # the oracle lives beside the OpenRPC tests


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with mock_for(load(RULES), seed=0) as served:
        yield served


def _post(url: str, body: bytes | Any) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(url, data=data, headers={"Content-Type": "application/json"}, timeout=10)


def _reply(url: str, body: bytes | Any) -> Any:
    answer = _post(url, body)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    return answer.json()


def _call(method: str, params: Any = None, request_id: Any = 1) -> dict[str, Any]:
    request: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        request["params"] = params
    return request


def _error(reply: Any) -> tuple[int, Any, Any]:
    assert "result" not in reply, reply
    return reply["error"]["code"], reply["id"], reply["error"].get("data")


@pytest.mark.parametrize(
    "body",
    [
        b'{"jsonrpc": "2.0", "id": NaN, "method": "sum", "params": [1, 2]}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "sum", "params": [Infinity, 2]}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "sum", "params": [-Infinity, 2]}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "greet", "params": {"name": "\xff"}}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "sum", "params": [1, ',
        b"sum please",
        b"",
    ],
    ids=["nan-id", "infinity", "minus-infinity", "not-utf8", "cut", "text", "empty"],
)
def test_what_is_not_json_gets_a_parse_error_with_id_null(url: str, body: bytes) -> None:
    assert _error(_reply(url, body))[:2] == (-32700, None)


@pytest.mark.parametrize(
    ("request_", "request_id"),
    [
        (1, None),
        ("sum", None),
        (None, None),
        (True, None),
        ({"id": 4, "method": "sum", "params": [1, 2]}, 4),
        ({"jsonrpc": "1.0", "id": 4, "method": "sum", "params": [1, 2]}, 4),
        ({"jsonrpc": 2.0, "id": "a", "method": "sum", "params": [1, 2]}, "a"),
        ({"jsonrpc": "2.0", "id": 4, "params": [1, 2]}, 4),
        ({"jsonrpc": "2.0", "id": 4, "method": 7, "params": [1, 2]}, 4),
        ({"jsonrpc": "2.0", "id": 4, "method": "sum", "params": "1, 2"}, 4),
        ({"jsonrpc": "2.0", "id": 4, "method": "sum", "params": None}, 4),
        ({"jsonrpc": "2.0", "id": True, "method": "sum", "params": [1, 2]}, None),
        ({"jsonrpc": "2.0", "id": [4], "method": "sum", "params": [1, 2]}, None),
        ({"jsonrpc": "2.0", "id": {"n": 4}, "method": "sum", "params": [1, 2]}, None),
        # a request without an id that is no Request object is no notification: answered
        ({"jsonrpc": "2.0", "method": 7}, None),
    ],
)
def test_what_is_no_request_object_gets_invalid_request(
    url: str, request_: Any, request_id: Any
) -> None:
    """-32600, with the request's id where it could be read, else null (JSON-RPC 2.0 §5)."""
    assert _error(_reply(url, request_))[:2] == (-32600, request_id)


def test_an_id_past_any_double_is_unreadable(url: str) -> None:
    body = b'{"jsonrpc": "2.0", "id": 1e400, "method": "sum", "params": [1, 2]}'
    assert _error(_reply(url, body))[:2] == (-32600, None)


def test_an_unknown_method_gets_method_not_found_whatever_its_params(url: str) -> None:
    for params in (None, {}, [1, 2], {"b": 1000}):
        assert _error(_reply(url, _call("summ", params, 9)))[:2] == (-32601, 9)


@pytest.mark.parametrize(
    ("method", "params", "data"),
    [
        # by position: the failing param named, its place an index
        ("sum", [1, 101], {"param": "b", "keyword": "maximum", "path": "/1"}),
        ("sum", [1, "2"], {"param": "b", "keyword": "type", "path": "/1"}),
        ("sum", [1], {"param": "b", "keyword": "required", "path": "/1"}),
        ("sum", [1, 2, 3], {"param": None, "keyword": "maxItems", "path": ""}),
        # paramStructure: by-position refuses an object, by-name an array
        ("sum", {"a": 1, "b": 2}, {"param": None, "keyword": "paramStructure", "path": ""}),
        ("greet", ["Ada"], {"param": None, "keyword": "paramStructure", "path": ""}),
        # by name: nested members, a member missing, one more than the schema allows
        ("greet", {"name": ""}, {"param": "name", "keyword": "minLength", "path": "/name"}),
        ("greet", {}, {"param": "name", "keyword": "required", "path": "/name"}),
        (
            "greet",
            {"name": "Ada", "options": {"loud": True, "shout": 1}},
            {"param": "options", "keyword": "additionalProperties", "path": "/options"},
        ),
        (
            "search",
            {"filter": {"from": "12345"}},
            {"param": "filter", "keyword": "maxLength", "path": "/filter/from"},
        ),
        # either: the same params by position, the place an index
        (
            "search",
            [{"from": "12345"}],
            {"param": "filter", "keyword": "maxLength", "path": "/0/from"},
        ),
        ("search", [{"from": "a"}, 0], {"param": "limit", "keyword": "minimum", "path": "/1"}),
    ],
)
def test_params_the_schemas_refuse_get_invalid_params_naming_the_param(
    url: str, method: str, params: Any, data: dict[str, Any]
) -> None:
    assert _error(_reply(url, _call(method, params, "x"))) == (-32602, "x", data)


@pytest.mark.parametrize(
    "request_",
    [
        {"jsonrpc": "2.0", "method": "sum", "params": [1, 2]},
        {"jsonrpc": "2.0", "method": "sum", "params": [1, 1000]},
        {"jsonrpc": "2.0", "method": "summ"},
    ],
    ids=["valid", "invalid-params", "unknown-method"],
)
def test_a_notification_gets_no_reply_whatever_it_calls(url: str, request_: Any) -> None:
    answer = _post(url, request_)
    assert (answer.status_code, answer.content) == (204, b"")


def test_an_empty_batch_gets_one_invalid_request_error(url: str) -> None:
    reply = _reply(url, [])
    assert isinstance(reply, dict)
    assert _error(reply)[:2] == (-32600, None)


def test_a_batch_of_notifications_gets_no_body(url: str) -> None:
    notifications = [{"jsonrpc": "2.0", "method": "sum", "params": [1, 2]}] * 3
    answer = _post(url, notifications)
    assert (answer.status_code, answer.content) == (204, b"")


def test_a_batch_gets_one_reply_per_call_each_with_its_id(url: str) -> None:
    batch = [
        _call("sum", [1, 2], 1),
        {"jsonrpc": "2.0", "method": "sum", "params": [1, 2]},
        _call("sum", [1, 101], "two"),
        1,
        _call("nope", None, 3),
    ]
    replies = _reply(url, batch)
    assert [(r["id"], r.get("error", {}).get("code")) for r in replies] == [
        (1, None),
        ("two", -32602),
        (None, -32600),
        (3, -32601),
    ]
    assert isinstance(replies[0]["result"], int)


def _oracle_valid(method: str, result: Any) -> list[str]:
    raw = json.loads(RULES.read_text(encoding="utf-8"))
    oracle = Oracle(raw, RULES)
    written = next(m for m in raw["methods"] if m["name"] == method)
    validator = oracle.validator(oracle.descriptor(written["result"])["schema"])
    return [error.message for error in validator.iter_errors(result)]


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("sum", [3, 4]),
        ("greet", {"name": "Ada", "options": {"loud": False}}),
        ("search", {"filter": {"from": "ab"}, "limit": 3}),
        ("search", [{"from": "ab"}]),
    ],
)
def test_a_valid_call_gets_a_result_its_schema_accepts(url: str, method: str, params: Any) -> None:
    """python-jsonschema over the document as written judges, not the kit's validator."""
    seen = []
    for request_id in range(12):
        params_now = params if request_id == 0 else _varied(params, request_id)
        reply = _reply(url, _call(method, params_now, request_id))
        assert reply["id"] == request_id and "error" not in reply, reply
        assert _oracle_valid(method, reply["result"]) == []
        seen.append(json.dumps(reply["result"], sort_keys=True))
    assert len(set(seen)) > 1  # drawn, not one constant


def _varied(params: Any, n: int) -> Any:
    if isinstance(params, list) and isinstance(params[0], int):
        return [n, 4]
    if isinstance(params, dict) and "name" in params:
        return {**params, "name": f"Ada {n}"}
    if isinstance(params, dict):
        return {**params, "limit": 1 + n % 10, "filter": {"from": str(n)}}
    return [{"from": str(n)}]


def test_a_method_without_a_result_answers_null(url: str) -> None:
    assert _reply(url, _call("ping", []))["result"] is None


def test_a_result_no_value_can_be_drawn_for_comes_from_the_document_example(url: str) -> None:
    """``needle``'s result schema (``contains`` a constant) gives the strategies nothing: its
    example pairing's result is answered, for the example's params and any other."""
    assert _reply(url, _call("needle", []))["result"] == ["needle-7f3a"]
    assert _reply(url, _call("needle"))["result"] == ["needle-7f3a"]


def test_rpc_discover_answers_the_document(url: str) -> None:
    reply = _reply(url, _call("rpc.discover", []))
    assert reply["result"] == json.loads(RULES.read_text(encoding="utf-8"))


def test_by_name_and_by_position_are_the_same_call(url: str) -> None:
    by_name = _reply(url, _call("search", {"filter": {"from": "ab"}, "limit": 2}))
    by_position = _reply(url, _call("search", [{"from": "ab"}, 2]))
    assert by_name["result"] == by_position["result"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"jsonrpc": "2.0", "id": "\\ud800", "method": "sum", "params": [1, 2]}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "greet", "params": {"name": "\\ud800"}}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "sum", "params": [1e400, 2]}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "sum", "params": [' + b"9" * 400 + b", 2]}",
        b'{"jsonrpc": "2.0", "id": 1, "method": "sum", "params": [18446744073709551617, 2]}',
        b'{"jsonrpc": "2.0", "jsonrpc": "2.0", "id": 1, "method": "sum", "params": [1, 2]}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "search", "params": {"filter": {"from": "a"},'
        b' "filter": 1}}',
        b"[" * 300 + b"]" * 300,
    ],
    ids=[
        "lone-surrogate-id",
        "lone-surrogate-param",
        "1e400",
        "400-digits",
        "2^64+1",
        "duplicate-key",
        "duplicate-param",
        "deep",
    ],
)
def test_what_parsers_choke_on_gets_a_json_rpc_reply_never_an_internal_error(
    url: str, body: bytes
) -> None:
    reply = _reply(url, body)
    replies = reply if isinstance(reply, list) else [reply]
    for one in replies:
        assert one["jsonrpc"] == "2.0" and ("result" in one) != ("error" in one), one
        assert one.get("error", {}).get("code") != -32603, one
