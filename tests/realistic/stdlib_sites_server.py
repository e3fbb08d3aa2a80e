"""A create.sites server as a team writes it with the standard library alone.

``http.server``'s ThreadingHTTPServer, ``json``, hand-written checks of each parameter in the
order of the method page, host names checked with Python's ``idna`` codec plus the plain rules
a team adds (the codec is an encoder: it passes spaces, underscores and schemes), URLs with
``urllib.parse.urlsplit``. Sites are kept in a dict. One customer token; scenarios 1, 2, 3.

Choices of this team where the page is silent (each one conforming):
- ``null`` for an optional member is taken as "not given" (``params.get(name) is None``);
- an integer-valued number (``5.0``) passes for an integer: the page says "number";
- ids (``default_scenario_id``, ``user_id``) are positive integers with no upper bound: an
  unknown scenario is ``entity_not_found``; a customer's ``user_id`` is ignored.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

INT32_MAX = 2**31 - 1  # the sites table stores numbers in INTEGER columns
SCENARIO_IDS = frozenset({1, 2, 3})

MESSAGES = {
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

ENVELOPE = frozenset({"jsonrpc", "id", "method", "params"})


class ParamsError(Exception):
    def __init__(self, mnemonic: str, field: str, value: Any = None) -> None:
        super().__init__(mnemonic, field)
        self.mnemonic, self.field, self.value = mnemonic, field, value


class RpcError(Exception):
    def __init__(self, mnemonic: str, request_id: Any = None) -> None:
        super().__init__(mnemonic)
        self.mnemonic, self.request_id = mnemonic, request_id


# --- the checks -----------------------------------------------------------------------------

_NOT_IN_A_HOST = set(":/?#[]@\\")  # a scheme, port, path, query or userinfo: not a host name
_LDH = re.compile(r"[A-Za-z0-9-]+")


def is_domain_name(name: str) -> bool:
    if not name or any(char.isspace() for char in name) or _NOT_IN_A_HOST & set(name):
        return False
    labels = name.split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        return False
    for label in labels:
        ascii_part = "".join(char for char in label if char.isascii())
        # RFC 1123: letters, digits and inner hyphens (the codec lets "_" and "+" through)
        if ascii_part and not _LDH.fullmatch(ascii_part):
            return False
        if label.startswith("-") or label.endswith("-"):
            return False
    try:
        encoded = name.encode("idna")  # raises for an empty label or one over 63 octets
    except UnicodeError:
        return False
    return len(encoded) <= 253


def is_http_url(url: str) -> bool:
    if any(char.isspace() for char in url):
        return False
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


PHONE = re.compile(r"[1-9][0-9]{1,14}")  # E.164 digits; the vendor's examples have no "+"
HTML_ID_SPACE = set("\t\n\f\r ")  # HTML: an id must not contain ASCII white space


def _string(field: str, value: Any, *, min_length: int = 0, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise ParamsError("data_type_error", field, value)
    if len(value) < min_length or (max_length is not None and len(value) > max_length):
        raise ParamsError("invalid_parameter_value", field, value)
    return value


def _integer(field: str, value: Any, low: int, high: float) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParamsError("data_type_error", field, value)
    if isinstance(value, float) and not value.is_integer():
        raise ParamsError("data_type_error", field, value)
    if not low <= value <= high:
        raise ParamsError("invalid_parameter_value", field, value)
    return int(value)


def _boolean(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ParamsError("data_type_error", field, value)
    return value


def _object(field: str, value: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ParamsError("data_type_error", field, value)
    for name in value:
        if name not in allowed:
            raise ParamsError("unexpected_parameters", f"{field}.{name}")
    return value


def _required(params: dict[str, Any], name: str, prefix: str = "") -> Any:
    if params.get(name) is None:
        raise ParamsError("required_parameter_missed", prefix + name)
    return params[name]


PARAMS = {
    "access_token",
    "domain_name",
    "default_phone_number",
    "default_scenario_id",
    "user_id",
    "industry_id",
    "target_call_min_duration",
    "track_subdomains_enabled",
    "cookie_lifetime",
    "campaign_lifetime",
    "sales_enabled",
    "second_communication_period",
    "services_enabled",
    "replacement_dynamical_block_enabled",
    "widget_link",
    "show_visitor_id",
}

#: optional integers: (low, high, default)
OPTIONAL_INTEGERS = {
    "default_scenario_id": (1, float("inf"), None),
    "user_id": (1, float("inf"), None),
    "target_call_min_duration": (0, INT32_MAX, 30),
    "cookie_lifetime": (1, INT32_MAX, 90),
    "campaign_lifetime": (1, INT32_MAX, 90),
    "second_communication_period": (1, 365, 1),
}
OPTIONAL_BOOLEANS = {
    "track_subdomains_enabled": True,
    "sales_enabled": False,
    "services_enabled": True,
    "replacement_dynamical_block_enabled": False,
}


def check_params(params: dict[str, Any]) -> dict[str, Any]:
    """The site to create, or ParamsError for the first parameter that is wrong."""
    for name in params:
        if name not in PARAMS:
            raise ParamsError("unexpected_parameters", name)
    site: dict[str, Any] = {}
    domain = _string("domain_name", _required(params, "domain_name"))
    if not is_domain_name(domain):
        raise ParamsError("invalid_parameter_value", "domain_name", domain)
    site["domain_name"] = domain
    phone = _string("default_phone_number", _required(params, "default_phone_number"))
    if not PHONE.fullmatch(phone):
        raise ParamsError("invalid_parameter_value", "default_phone_number", phone)
    site["default_phone_number"] = phone
    site["industry_id"] = _integer("industry_id", _required(params, "industry_id"), 1, 21)
    for name, (low, high, default) in OPTIONAL_INTEGERS.items():
        value = params.get(name)
        site[name] = default if value is None else _integer(name, value, low, high)
    for name, flag in OPTIONAL_BOOLEANS.items():
        value = params.get(name)
        site[name] = flag if value is None else _boolean(name, value)
    if params.get("widget_link") is not None:
        link = _object("widget_link", params["widget_link"], {"enabled", "text", "url"})
        _boolean("widget_link.enabled", _required(link, "enabled", "widget_link."))
        text = _required(link, "text", "widget_link.")
        _string("widget_link.text", text, min_length=1, max_length=100)
        url = _string("widget_link.url", _required(link, "url", "widget_link."))
        if not is_http_url(url):
            raise ParamsError("invalid_parameter_value", "widget_link.url", url)
        site["widget_link"] = link
    if params.get("show_visitor_id") is not None:
        show = _object(
            "show_visitor_id",
            params["show_visitor_id"],
            {"enabled", "element_id_value", "message", "length_visitor_id"},
        )
        _boolean("show_visitor_id.enabled", _required(show, "enabled", "show_visitor_id."))
        element = _required(show, "element_id_value", "show_visitor_id.")
        _string("show_visitor_id.element_id_value", element, min_length=1)
        if HTML_ID_SPACE & set(element):
            raise ParamsError("invalid_parameter_value", "show_visitor_id.element_id_value")
        if show.get("message") is not None:
            _string("show_visitor_id.message", show["message"])
        if show.get("length_visitor_id") is not None:
            _integer("show_visitor_id.length_visitor_id", show["length_visitor_id"], 1, 20)
        site["show_visitor_id"] = show
    return site


# --- the method ----------------------------------------------------------------------------


def _not_json(literal: str) -> Any:
    raise ValueError(f"{literal} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400: past any double
        raise ValueError(f"{text} is out of range")
    return number


class SitesApi:
    """JSON-RPC 2.0 over one endpoint: ``handle(body)`` gives the reply object."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.domains: set[bytes] = set()

    def handle(self, body: bytes) -> dict[str, Any]:
        request_id = None
        try:
            try:
                # strict: NaN, Infinity and 1e400 are no JSON numbers (json.loads reads them)
                request = json.loads(body, parse_constant=_not_json, parse_float=_finite)
            except (ValueError, RecursionError):
                raise RpcError("parse_error") from None
            if isinstance(request, list):
                raise RpcError("batch_operations_not_supported")
            request_id = self.read_id(request)
            return self.call(request, request_id)
        except RpcError as error:
            return self.error(error.request_id, error.mnemonic)
        except ParamsError as error:
            data: dict[str, Any] = {"field": error.field}
            if error.value is not None and error.field != "access_token":
                data["value"] = error.value
            return self.error(request_id, error.mnemonic, data)

    @staticmethod
    def read_id(request: Any) -> Any:
        if not isinstance(request, dict):
            raise RpcError("invalid_request")
        request_id = request.get("id")
        if isinstance(request_id, str) or (
            isinstance(request_id, int) and not isinstance(request_id, bool)
        ):
            return request_id
        return None

    def call(self, request: dict[str, Any], request_id: Any) -> dict[str, Any]:
        if set(request) - ENVELOPE or request.get("jsonrpc") != "2.0":
            raise RpcError("invalid_request", request_id)
        if not isinstance(request.get("method"), str):
            raise RpcError("invalid_request", request_id)
        if not isinstance(request.get("params"), dict):
            raise RpcError("invalid_request", request_id)
        if "id" not in request:
            raise RpcError("notifications_not_supported")
        if request_id is None:
            raise RpcError("invalid_request")
        if request["method"] != "create.sites":
            raise RpcError("method_not_found", request_id)
        params = request["params"]
        token = _string("access_token", _required(params, "access_token"), min_length=1)
        if token != self.token:
            raise RpcError("access_token_invalid", request_id)
        site = check_params(params)
        if site["default_scenario_id"] not in (None, *SCENARIO_IDS):
            raise ParamsError("entity_not_found", "default_scenario_id")
        key = site["domain_name"].encode("idna").lower()
        with self.lock:
            if key in self.domains:
                raise ParamsError("duplicate_entity", "domain_name", site["domain_name"])
            self.domains.add(key)
            site_id = next(self.ids)
        return {"jsonrpc": "2.0", "id": request_id, "result": {"id": site_id, "success": True}}

    @staticmethod
    def error(request_id: Any, mnemonic: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        code, message = MESSAGES[mnemonic]
        error = {"code": code, "message": message, "data": {"mnemonic": mnemonic, **(data or {})}}
        return {"jsonrpc": "2.0", "id": request_id, "error": error}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # TCP_NODELAY: headers and body leave at once
    timeout = 10
    api: SitesApi

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            self.send_error(400)
            return
        reply = self.api.handle(self.rfile.read(length))
        body = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet under pytest


@contextmanager
def serve(token: str) -> Iterator[str]:
    """The server on a free loopback port; yields its URL."""
    handler: Callable[..., Handler] = type("BoundHandler", (Handler,), {"api": SitesApi(token)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
