"""A create.sites server that takes, wherever the method page and JSON-RPC 2.0 leave a choice,
the other way from the kit (issue 18's first proof server). Written from the vendor's pages
alone (the method page and the Data API's errors and envelope), on starlette with ``json`` and
``sqlite3`` (the sites table), host names checked with the ``idna`` package (UTS #46).

What the page and JSON-RPC 2.0 require, it does: the required members and their types, second
communication period 1-365, visitor id length 1-20, link text up to 100 characters, industries
1-21, booleans as booleans; the error object with ``data.mnemonic`` and ``data.field``; -32700
for what is not JSON (``NaN``, bytes that are not UTF-8), -32600 for what is no Request object,
-32601 for an unknown method, -32602 for parameters; notifications and batches -32099 as the
Data API says.

Its choices where the pages are silent or allow it (each one the other way from the kit):
- an ``id`` is "string or number" (the Data API page): ``1.5`` is served and echoed; an id past
  2**53 is echoed as a JavaScript client's parser reads it (``float(id)``, back to an integer);
- members of the envelope besides jsonrpc/id/method/params are ignored;
- an empty ``access_token`` is an invalid token: -32001 ``access_token_invalid``, as a wrong one;
- ``target_call_min_duration``, ``cookie_lifetime``, ``campaign_lifetime``, ``user_id`` and
  ``default_scenario_id`` have no upper bound but the store's: SQLite's INTEGER (2**63 - 1);
  a larger number is -32602 ``invalid_parameter_value``;
- ``default_phone_number`` is E.164: a leading ``+`` is accepted (and dropped when stored);
- ``widget_link.text`` is "up to 100 symbols": an empty text is accepted;
- ``show_visitor_id.element_id_value`` is any non-empty string (white space included): the
  site's page is not ours to parse;
- a success reply is ``{"id": N, "success": "true"}``, the page's reply structure as written.
Other choices of this team: a number with no fractional part (``5.0``) passes for an integer;
``null`` is not a value of any member (``data_type_error``); a customer's ``user_id`` is stored,
not checked; scenarios 1, 2 and 3 exist, another is ``entity_not_found``.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import idna
from asgi_serving import serve_asgi
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

STORE_MAX = 2**63 - 1  # SQLite's INTEGER
JS_SAFE = 2**53
SCENARIOS = (1, 2, 3)

ERRORS = {
    "parse_error": (-32700, "Invalid JSON was received by the server"),
    "invalid_request": (-32600, "The JSON sent is not a valid Request object"),
    "method_not_found": (-32601, "The method does not exist / is not available"),
    "access_token_invalid": (-32001, "Access token is invalid"),
    "batch_operations_not_supported": (-32099, "Batch operations not supported"),
    "notifications_not_supported": (-32099, "Notifications not supported"),
    "required_parameter_missed": (-32602, "The required parameter has been missed"),
    "unexpected_parameters": (-32602, "Unexpected method parameter(s)"),
    "data_type_error": (-32602, "Data supplied is of wrong type"),
    "invalid_parameter_value": (-32602, "Invalid parameter value"),
    "entity_not_found": (-32602, "Entity not found"),
    "duplicate_entity": (-32602, "Entity already exists"),
}


class Refused(Exception):
    """An error reply: the mnemonic, and ``data`` beside it."""

    def __init__(self, mnemonic: str, field: str | None = None, **data: Any) -> None:
        super().__init__(mnemonic)
        self.mnemonic = mnemonic
        self.data = {"field": field, **data} if field else data


# --- reading the request ----------------------------------------------------------------------


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def parse(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")  # strict: the Data API takes UTF-8 bodies
        return json.loads(text, parse_constant=_not_json)
    except (ValueError, RecursionError):
        raise Refused("parse_error") from None


def echoed_id(request_id: Any) -> Any:
    """The id as the reply carries it, or ``None`` where it is no string or number."""
    if isinstance(request_id, bool) or request_id is None:
        return None
    if isinstance(request_id, str):
        return request_id
    if isinstance(request_id, int):
        # as JSON.parse reads it: a JavaScript number
        return request_id if abs(request_id) <= JS_SAFE else _js_rounded(request_id)
    if isinstance(request_id, float) and math.isfinite(request_id):
        return request_id
    return None


def _js_rounded(number: int) -> int | None:
    try:
        return int(float(number))
    except OverflowError:  # past a double's range: JavaScript reads Infinity, no id
        return None


# --- the parameters ---------------------------------------------------------------------------

PHONE = re.compile(r"\+?[1-9][0-9]{6,14}")
INTEGERS = {
    # name: (least, greatest, default)
    "default_scenario_id": (1, STORE_MAX, None),
    "user_id": (1, STORE_MAX, None),
    "target_call_min_duration": (0, STORE_MAX, 30),
    "cookie_lifetime": (1, STORE_MAX, 90),
    "campaign_lifetime": (1, STORE_MAX, 90),
    "second_communication_period": (1, 365, 1),
}
BOOLEANS = {
    "track_subdomains_enabled": True,
    "sales_enabled": False,
    "services_enabled": True,
    "replacement_dynamical_block_enabled": False,
}
KNOWN = {
    "access_token",
    "domain_name",
    "default_phone_number",
    "industry_id",
    "widget_link",
    "show_visitor_id",
    *INTEGERS,
    *BOOLEANS,
}


def text(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise Refused("data_type_error", field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800"): no text
        raise Refused("invalid_parameter_value", field) from None
    return value


def integer(field: str, value: Any, least: int, greatest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused("data_type_error", field)
    if isinstance(value, float) and not value.is_integer():  # 1.5, and 1e400 (inf): no echo
        raise Refused("invalid_parameter_value", field)
    if not least <= value <= greatest:
        raise Refused("invalid_parameter_value", field, value=value)
    return int(value)


def boolean(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise Refused("data_type_error", field)
    return value


def members(field: str, value: Any, required: set[str], optional: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Refused("data_type_error", field)
    for name in value:
        if name not in required | optional:
            raise Refused("unexpected_parameters", f"{field}.{name}")
    for name in sorted(required):
        if name not in value:
            raise Refused("required_parameter_missed", f"{field}.{name}")
    return value


def domain_name(value: str) -> str:
    """The name's A-label form; a website's address has two labels at least."""
    if value.endswith("."):
        value = value[:-1]
    if "." not in value or any(char.isspace() for char in value):
        raise Refused("invalid_parameter_value", "domain_name", value=value)
    try:
        ascii_name = idna.encode(value, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        raise Refused("invalid_parameter_value", "domain_name", value=value) from None
    if ascii_name.rsplit(".", 1)[-1].isdigit():  # an IPv4 address is no domain name
        raise Refused("invalid_parameter_value", "domain_name", value=value)
    return ascii_name.lower()


def link_url(value: str) -> str:
    refused = Refused("invalid_parameter_value", "widget_link.url", value=value)
    if any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        raise refused
    try:
        parts = urllib.parse.urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError:
        raise refused from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise refused
    host = parts.hostname
    if host.startswith("[") or ":" in host:
        return value  # urlsplit checked the IPv6 literal
    try:
        idna.encode(host, uts46=True)
    except (idna.IDNAError, UnicodeError, ValueError):
        raise refused from None
    return value


def check(params: dict[str, Any]) -> dict[str, Any]:
    """The site to store, or Refused for the first wrong parameter."""
    for name in params:
        if name not in KNOWN:
            raise Refused("unexpected_parameters", name)
    for name in ("domain_name", "default_phone_number", "industry_id"):
        if name not in params:
            raise Refused("required_parameter_missed", name)
    site: dict[str, Any] = {"domain_name": text("domain_name", params["domain_name"])}
    site["ascii_name"] = domain_name(site["domain_name"])
    phone = text("default_phone_number", params["default_phone_number"])
    if not PHONE.fullmatch(phone):
        raise Refused("invalid_parameter_value", "default_phone_number", value=phone)
    site["default_phone_number"] = phone.removeprefix("+")
    site["industry_id"] = integer("industry_id", params["industry_id"], 1, 21)
    for name, (least, greatest, default) in INTEGERS.items():
        site[name] = integer(name, params[name], least, greatest) if name in params else default
    for name, default in BOOLEANS.items():
        site[name] = boolean(name, params[name]) if name in params else default
    if "widget_link" in params:
        link = members("widget_link", params["widget_link"], {"enabled", "text", "url"}, set())
        boolean("widget_link.enabled", link["enabled"])
        if len(text("widget_link.text", link["text"])) > 100:
            raise Refused("invalid_parameter_value", "widget_link.text")
        link_url(text("widget_link.url", link["url"]))
        site["widget_link"] = json.dumps(link)
    if "show_visitor_id" in params:
        show = members(
            "show_visitor_id",
            params["show_visitor_id"],
            {"enabled", "element_id_value"},
            {"message", "length_visitor_id"},
        )
        boolean("show_visitor_id.enabled", show["enabled"])
        if not text("show_visitor_id.element_id_value", show["element_id_value"]):
            raise Refused("invalid_parameter_value", "show_visitor_id.element_id_value")
        if "message" in show:
            text("show_visitor_id.message", show["message"])
        if "length_visitor_id" in show:
            integer("show_visitor_id.length_visitor_id", show["length_visitor_id"], 1, 20)
        site["show_visitor_id"] = json.dumps(show)
    return site


# --- the store and the method -----------------------------------------------------------------


class Sites:
    def __init__(self, token: str) -> None:
        self.token = token
        self.lock = threading.Lock()
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.executescript(
            """
            CREATE TABLE scenarios (id INTEGER PRIMARY KEY);
            CREATE TABLE sites (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                ascii_name TEXT NOT NULL UNIQUE,
                domain_name TEXT NOT NULL,
                default_phone_number TEXT NOT NULL,
                industry_id INTEGER NOT NULL,
                default_scenario_id INTEGER REFERENCES scenarios (id),
                user_id INTEGER,
                target_call_min_duration INTEGER NOT NULL,
                cookie_lifetime INTEGER NOT NULL,
                campaign_lifetime INTEGER NOT NULL,
                second_communication_period INTEGER NOT NULL,
                track_subdomains_enabled INTEGER NOT NULL,
                sales_enabled INTEGER NOT NULL,
                services_enabled INTEGER NOT NULL,
                replacement_dynamical_block_enabled INTEGER NOT NULL,
                widget_link TEXT,
                show_visitor_id TEXT
            );
            """
        )
        self.db.executemany("INSERT INTO scenarios VALUES (?)", [(n,) for n in SCENARIOS])

    def handle(self, body: bytes) -> dict[str, Any]:
        request_id = None
        try:
            request = parse(body)
            if isinstance(request, list):
                raise Refused("batch_operations_not_supported" if request else "invalid_request")
            if not isinstance(request, dict):
                raise Refused("invalid_request")
            request_id = echoed_id(request.get("id"))
            return self.call(request, request_id)
        except Refused as refused:
            code, message = ERRORS[refused.mnemonic]
            data = {"mnemonic": refused.mnemonic, **refused.data}
            error = {"code": code, "message": message, "data": data}
            return {"jsonrpc": "2.0", "id": request_id, "error": error}

    def call(self, request: dict[str, Any], request_id: Any) -> dict[str, Any]:
        # members beside jsonrpc, id, method and params are not read
        if request.get("jsonrpc") != "2.0" or not isinstance(request.get("method"), str):
            raise Refused("invalid_request")
        if "id" not in request:
            raise Refused("notifications_not_supported")
        if request_id is None:
            raise Refused("invalid_request")
        if request["method"] != "create.sites":
            raise Refused("method_not_found")
        params = request.get("params", {})
        if not isinstance(params, dict):
            raise Refused("invalid_request" if not isinstance(params, list) else "data_type_error")
        if "access_token" not in params:
            raise Refused("required_parameter_missed", "access_token")
        if text("access_token", params["access_token"]) != self.token or not self.token:
            raise Refused("access_token_invalid")
        site = check(params)
        return {"jsonrpc": "2.0", "id": request_id, "result": self.store(site)}

    def store(self, site: dict[str, Any]) -> dict[str, Any]:
        columns = ", ".join(site)
        marks = ", ".join("?" for _ in site)
        with self.lock:
            scenario = site["default_scenario_id"]
            if (
                scenario is not None
                and not self.db.execute(
                    "SELECT 1 FROM scenarios WHERE id = ?", (scenario,)
                ).fetchone()
            ):
                raise Refused("entity_not_found", "default_scenario_id", value=scenario)
            try:
                cursor = self.db.execute(
                    f"INSERT INTO sites ({columns}) VALUES ({marks})", list(site.values())
                )
            except sqlite3.IntegrityError:
                raise Refused(
                    "duplicate_entity", "domain_name", value=site["domain_name"]
                ) from None
            # the page's reply structure, as written: "success": "true"
            return {"id": cursor.lastrowid, "success": "true"}


def app(token: str) -> Starlette:
    sites = Sites(token)

    async def endpoint(request: Request) -> Response:
        reply = sites.handle(await request.body())
        # ASCII escapes: an id or a value holding a lone surrogate still makes JSON
        body = json.dumps(reply, allow_nan=False)
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/", endpoint, methods=["POST"])])


@contextmanager
def serve(token: str) -> Iterator[str]:
    """The server on a free loopback port; yields its URL."""
    with serve_asgi(app(token)) as url:
        yield url
