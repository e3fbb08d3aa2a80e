"""The create.sites app without HTTP: the error table, case by case, and the ids it echoes."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from helpers.server_requests import (
    AGENT_TOKEN,
    CUSTOMER_TOKEN,
    CUSTOMER_USER_ID,
    assert_valid_reply,
    params,
    request,
)

from conformance.server import Config, CreateSitesApp, SiteStore


def answer(app: CreateSitesApp, body: bytes | dict[str, Any] | list[Any]) -> dict[str, Any]:
    """The reply of ``app`` to ``body``, checked to keep the reply schema."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = app.handle(data)
    assert response.status == 200
    assert response.content_type == "application/json"
    reply: dict[str, Any] = json.loads(response.body)
    assert_valid_reply(reply)
    return reply


def error_of(reply: dict[str, Any]) -> tuple[int, str, str | None]:
    """The code, mnemonic and field of an error reply."""
    assert "result" not in reply, reply
    data = reply["error"]["data"]
    return reply["error"]["code"], data["mnemonic"], data.get("field")


ENVELOPE_CASES = [
    pytest.param(b'{"jsonrpc": "2.0",', None, -32700, "parse_error", id="truncated JSON"),
    pytest.param(b"\xff\xfe{}", None, -32700, "parse_error", id="not UTF-8"),
    pytest.param(b"", None, -32700, "parse_error", id="empty body"),
    pytest.param(b'{"id": NaN}', None, -32700, "parse_error", id="NaN"),
    pytest.param(b"[" * 10_000 + b"]" * 10_000, None, -32700, "parse_error", id="10,000 levels"),
    pytest.param([request()], None, -32099, "batch_operations_not_supported", id="batch"),
    pytest.param([], None, -32099, "batch_operations_not_supported", id="empty batch"),
    pytest.param("create.sites", None, -32600, "invalid_request", id="a string"),
    pytest.param(5, None, -32600, "invalid_request", id="a number"),
    pytest.param(
        request(jsonrpc="2.0") | {"jsonrpc": "1.0"}, 1, -32600, "invalid_request", id="jsonrpc 1.0"
    ),
    pytest.param(request() | {"jsonrpc": 2.0}, 1, -32600, "invalid_request", id="jsonrpc number"),
    pytest.param(
        {k: v for k, v in request().items() if k != "jsonrpc"},
        1,
        -32600,
        "invalid_request",
        id="no jsonrpc",
    ),
    pytest.param(request() | {"method": 5}, 1, -32600, "invalid_request", id="method number"),
    pytest.param(request() | {"extra": 1}, 1, -32600, "invalid_request", id="unknown member"),
    pytest.param(
        {k: v for k, v in request().items() if k != "params"},
        1,
        -32600,
        "invalid_request",
        id="no params",
    ),
    pytest.param(request() | {"params": [1]}, 1, -32600, "invalid_request", id="params array"),
    pytest.param(request() | {"id": 1.5}, None, -32600, "invalid_request", id="id 1.5"),
    pytest.param(request() | {"id": True}, None, -32600, "invalid_request", id="id true"),
    pytest.param(request() | {"id": None}, None, -32600, "invalid_request", id="id null"),
    pytest.param(request() | {"id": [1]}, None, -32600, "invalid_request", id="id array"),
    pytest.param(
        {k: v for k, v in request().items() if k != "id"},
        None,
        -32099,
        "notifications_not_supported",
        id="notification",
    ),
    pytest.param(
        request() | {"method": "get.sites"}, 1, -32601, "method_not_found", id="another method"
    ),
    pytest.param(
        request(access_token="nope"), 1, -32001, "access_token_invalid", id="unknown token"
    ),
]


@pytest.mark.parametrize(("body", "echoed", "code", "mnemonic"), ENVELOPE_CASES)
def test_envelope_errors(
    app: CreateSitesApp, body: Any, echoed: Any, code: int, mnemonic: str
) -> None:
    """Each malformed request gets its code and mnemonic, and the id where it could be read."""
    reply = answer(app, body)
    assert error_of(reply)[:2] == (code, mnemonic)
    assert reply["id"] == echoed and type(reply["id"]) is type(echoed)


PARAMS_CASES = [
    pytest.param(
        params(access_token=...), "required_parameter_missed", "access_token", ..., id="no token"
    ),
    pytest.param(
        params(access_token=5), "data_type_error", "access_token", "***", id="token not a string"
    ),
    pytest.param(
        params(access_token=""), "invalid_parameter_value", "access_token", "***", id="empty token"
    ),
    pytest.param(
        params(domain_name=...), "required_parameter_missed", "domain_name", ..., id="no domain"
    ),
    pytest.param(
        params(industry_id="5"), "data_type_error", "industry_id", "5", id="industry as string"
    ),
    pytest.param(
        params(industry_id=22), "invalid_parameter_value", "industry_id", 22, id="industry 22"
    ),
    pytest.param(
        params(colour="red"), "unexpected_parameters", "colour", "red", id="unknown parameter"
    ),
    pytest.param(
        params(domain_name="https://example.com"),
        "invalid_parameter_value",
        "domain_name",
        "https://example.com",
        id="domain with scheme",
    ),
    pytest.param(
        params(widget_link={"enabled": True, "text": "x" * 101, "url": "http://a.b"}),
        "invalid_parameter_value",
        "widget_link.text",
        "x" * 101,
        id="nested field",
    ),
    pytest.param(
        params(widget_link={"enabled": True, "url": "http://a.b"}),
        "required_parameter_missed",
        "widget_link.text",
        ...,
        id="nested missing",
    ),
    pytest.param(
        params(industry_id=1e400),
        "data_type_error",
        "industry_id",
        ...,
        id="infinite number, not echoed",
    ),
    pytest.param(
        params(domain_name="ex\ud800.com"),
        "invalid_parameter_value",
        "domain_name",
        ...,
        id="lone surrogate",
    ),
    pytest.param(
        params(default_scenario_id=9),
        "entity_not_found",
        "default_scenario_id",
        9,
        id="no such scenario",
    ),
    pytest.param(
        params(access_token=AGENT_TOKEN),
        "required_parameter_missed",
        "user_id",
        ...,
        id="agent without user_id",
    ),
    pytest.param(
        params(access_token=AGENT_TOKEN, user_id=102),
        "entity_not_found",
        "user_id",
        102,
        id="agent's user_id not a customer",
    ),
]


@pytest.mark.parametrize(("sent", "mnemonic", "field", "value"), PARAMS_CASES)
def test_params_errors(
    app: CreateSitesApp, sent: dict[str, Any], mnemonic: str, field: str, value: Any
) -> None:
    """Each params error names its mnemonic and field, and the value where one was sent."""
    body = {"jsonrpc": "2.0", "id": "r1", "method": "create.sites", "params": sent}
    # 1e400 reads as inf, which json.dumps writes as Infinity: send the number as a client would
    reply = answer(app, json.dumps(body).replace("Infinity", "1e400").encode())
    assert error_of(reply) == (-32602, mnemonic, field)
    data = reply["error"]["data"]
    if value is ...:
        assert "value" not in data
    else:
        assert data["value"] == value
    assert reply["id"] == "r1"


def test_unknown_token_comes_before_other_params_errors(app: CreateSitesApp) -> None:
    """An unknown token is access_token_invalid even when the other params are broken too."""
    reply = answer(app, request(access_token="nope", industry_id="x", colour=1))
    assert error_of(reply)[:2] == (-32001, "access_token_invalid")


def test_one_error_per_reply_by_stable_order(app: CreateSitesApp) -> None:
    """With several violations, the reply names the first by the contract's order, every time."""
    broken = request(industry_id=99, domain_name=..., colour=1)
    fields = {error_of(answer(app, broken))[1:] for _ in range(3)}
    assert fields == {("required_parameter_missed", "domain_name")}


def test_created_site_gets_id_and_success(app: CreateSitesApp, store: SiteStore) -> None:
    """A valid request creates a site and answers its id with success true."""
    reply = answer(app, request(7, domain_name="shop.example.com"))
    assert reply == {
        "jsonrpc": "2.0",
        "id": 7,
        "result": {"id": reply["result"]["id"], "success": True},
    }
    assert list(store.sites()) == [(reply["result"]["id"], CUSTOMER_USER_ID, "shop.example.com")]


def test_every_optional_parameter_is_accepted(app: CreateSitesApp) -> None:
    """A request with every optional parameter, an existing scenario included, is created."""
    full = params(
        default_scenario_id=7,
        user_id=12345,
        target_call_min_duration=0,
        track_subdomains_enabled=False,
        cookie_lifetime=1,
        campaign_lifetime=365,
        sales_enabled=True,
        second_communication_period=365,
        services_enabled=False,
        replacement_dynamical_block_enabled=True,
        widget_link={"enabled": True, "text": "Call us", "url": "https://example.com/c"},
        show_visitor_id={
            "enabled": True,
            "element_id_value": "vid",
            "message": "Your id",
            "length_visitor_id": 20,
        },
    )
    reply = answer(app, {"jsonrpc": "2.0", "id": 1, "method": "create.sites", "params": full})
    assert reply["result"]["success"] is True


def test_duplicate_domain_is_case_insensitive_per_customer(app: CreateSitesApp) -> None:
    """The same domain in another case is a duplicate for the same customer, not for another."""
    assert "result" in answer(app, request(domain_name="Пример.рф"))
    reply = answer(app, request(2, domain_name="пример.РФ"))
    assert error_of(reply) == (-32602, "duplicate_entity", "domain_name")
    assert reply["error"]["data"]["value"] == "пример.РФ"
    other = answer(app, request(3, access_token=AGENT_TOKEN, user_id=101, domain_name="ПРИМЕР.рф"))
    assert "result" in other


def test_domain_names_are_compared_by_lower_not_casefold(app: CreateSitesApp) -> None:
    """As documented: str.lower(), so straße.de and strasse.de are two sites (casefold would
    make them one), while STRASSE.de is strasse.de again."""
    assert "result" in answer(app, request(1, domain_name="straße.de"))
    assert "result" in answer(app, request(2, domain_name="strasse.de"))
    reply = answer(app, request(3, domain_name="STRASSE.de"))
    assert error_of(reply) == (-32602, "duplicate_entity", "domain_name")
    reply = answer(app, request(4, domain_name="STRAßE.DE"))
    assert error_of(reply) == (-32602, "duplicate_entity", "domain_name")


def test_agent_creates_for_its_customer(app: CreateSitesApp, store: SiteStore) -> None:
    """An agent's site belongs to the customer named by user_id."""
    reply = answer(app, request(access_token=AGENT_TOKEN, user_id=101))
    assert [(site_id, owner) for site_id, owner, _ in store.sites()] == [
        (reply["result"]["id"], 101)
    ]


def test_customer_user_id_is_ignored(app: CreateSitesApp, store: SiteStore) -> None:
    """A customer's user_id is accepted and ignored: the site is the token's customer's."""
    answer(app, request(user_id=999))
    assert [owner for _, owner, _ in store.sites()] == [CUSTOMER_USER_ID]


@pytest.mark.parametrize(
    "request_id",
    ["", "abc", "x" * 1000, "ü\u20ac", 0, -1, 2**31, 2**63, 10**50, -(10**40), 5.0],
)
def test_id_is_echoed_with_its_type(app: CreateSitesApp, request_id: Any) -> None:
    """The reply's id is the request's, same JSON type and value, big integers included."""
    body = json.dumps(request(request_id)).encode()
    reply = json.loads(app.handle(body).body)
    assert reply["id"] == request_id and type(reply["id"]) is type(request_id)
    assert_valid_reply(reply)


def test_ids_of_errors_after_the_id_was_read_are_echoed(app: CreateSitesApp) -> None:
    """An error found after reading the id (method, params, rules) echoes it."""
    assert answer(app, request("s", industry_id=0))["id"] == "s"
    assert answer(app, request(10**30) | {"method": "x"})["id"] == 10**30


def test_internal_error_is_answered_and_logged(
    config: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected exception is internal_error with the id; the traceback goes to the log only."""

    class BrokenStore(SiteStore):
        def add(self, owner_user_id: int, domain_name: str, params: Any) -> int:
            raise RuntimeError("disk on fire")

    with BrokenStore(":memory:") as store, caplog.at_level(logging.ERROR):
        reply = answer(CreateSitesApp(config, store), request("q"))
        assert answer(CreateSitesApp(config, store), request("q2"))["id"] == "q2"
    assert error_of(reply)[:2] == (-32603, "internal_error")
    assert reply["id"] == "q"
    assert "disk on fire" not in json.dumps(reply)
    assert "disk on fire" in caplog.text and "Traceback" in caplog.text


def test_token_never_reaches_the_log_or_an_error(
    app: CreateSitesApp, caplog: pytest.LogCaptureFixture
) -> None:
    """Tokens, known or not, are in no log record and no error reply (values are masked)."""
    with caplog.at_level(logging.DEBUG):
        replies = [
            answer(app, request(access_token=CUSTOMER_TOKEN, colour=1)),
            answer(app, request(access_token="secret-unknown-token")),
            answer(app, request(access_token=[CUSTOMER_TOKEN])),
        ]
    for secret in (CUSTOMER_TOKEN, "secret-unknown-token"):
        assert secret not in caplog.text
        assert all(secret not in json.dumps(reply) for reply in replies)


def test_token_is_compared_with_compare_digest(app: CreateSitesApp, monkeypatch: Any) -> None:
    """Tokens are compared by hmac.compare_digest, once for each known token."""
    import hmac

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    answer(app, request(access_token=CUSTOMER_TOKEN))
    assert len(calls) == 2
    assert (CUSTOMER_TOKEN.encode(), CUSTOMER_TOKEN.encode()) in calls


def test_a_configured_token_with_a_lone_surrogate_is_encoded_as_a_presented_one() -> None:
    """Configured and presented tokens are encoded alike: a lone surrogate in a configured
    token (possible from Python, not from TOML or the command line) neither breaks the app nor
    matches a different token; the same token is recognised, then refused by the schema."""
    with SiteStore(":memory:") as store:
        app = CreateSitesApp(Config().with_customer_tokens(["t\udc80"]), store)
        other = (
            b'{"jsonrpc":"2.0","id":1,"method":"create.sites","params":{"access_token":"t\\udc81"}}'
        )
        assert error_of(answer(app, other))[1] == "access_token_invalid"
        same = other.replace(b"udc81", b"udc80")
        assert error_of(answer(app, same))[1:] == ("invalid_parameter_value", "access_token")


def test_the_current_revision_answers_in_its_shape(config: Config, store: SiteStore) -> None:
    """Served in the current revision: a success reply is result.data.id (valid by that
    revision's reply schema, invalid by the seed's); industry 20 is refused, name taken."""
    import conformance

    app = CreateSitesApp(config, store, revision="current")
    reply = app.process(json.dumps(request(name="My shop")).encode())
    assert reply is not None and set(reply["result"]) == {"data", "metadata"}
    assert conformance.is_valid(reply, "reply", revision="current")
    assert not conformance.is_valid(reply, "reply")
    refused = app.process(json.dumps(request(industry_id=20)).encode())
    assert refused is not None
    assert (refused["error"]["code"], refused["error"]["data"]["field"]) == (-32602, "industry_id")
    assert "19 E-commerce and retail" in refused["error"]["data"]["extended_helper"]


def test_an_unknown_revision_is_refused(config: Config, store: SiteStore) -> None:
    """revision='2019' is an ArgumentError naming the known revisions."""
    import conformance

    with pytest.raises(conformance.ArgumentError, match="expected one of 'seed', 'current'"):
        CreateSitesApp(config, store, revision="2019")
