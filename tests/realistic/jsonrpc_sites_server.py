"""A create.sites server as a team writes it with fastapi-jsonrpc (FastAPI), served by uvicorn.

The framework reads the envelope, routes the method and validates ``params`` against a pydantic
model; host names and URLs are checked with the ``validators`` package. The team's additions:

- errors in the vendor's shape: every framework error (parse, invalid request, unknown method,
  invalid params) re-raised as the vendor's error, ``data.mnemonic`` and a dotted ``data.field``;
- where the framework's defaults break JSON-RPC 2.0 itself, a stricter request model and route:
  ``jsonrpc`` is required (the framework defaults it to "2.0"), a boolean is no id (pydantic's lax
  ``int`` takes ``true``), and an error to a request whose id cannot be read has id null (the
  framework echoes whatever was sent);
- where ``validators`` differs from the page: ``validators.url`` takes ftp and other schemes
  (only http and https here), refuses a query without ``=`` by default (``strict_query=False``)
  and non-ASCII letters in a path, query or fragment (encoded first, as an IRI is).

Plain JSON-RPC 2.0 behaviour the framework keeps, which the vendor answers with -32099 instead:
a batch gets an array of replies; a notification is run and gets no body. ``"id": null`` is
served as an id, and ``params`` may be left out (then each required member is missing).
Members with a page default have it here, ``show_visitor_id.enabled`` (default false) included;
the others are ``X | None = None``, so ``null`` passes for them. One customer token;
scenarios 1, 2, 3.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

import fastapi_jsonrpc as jsonrpc
import validators
from asgi_serving import serve_asgi
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    StrictInt,
    StrictStr,
    field_validator,
)

logger = logging.getLogger(__name__)

INT32_MAX = 2**31 - 1
SCENARIO_IDS = frozenset({1, 2, 3})


# --- the vendor's errors ---------------------------------------------------------------------


class VendorError(jsonrpc.BaseError):
    MNEMONIC = "internal_error"

    def __init__(self, field: str | None = None, **data: Any) -> None:
        shown = {"mnemonic": self.MNEMONIC, **({"field": field} if field else {}), **data}
        super().__init__(shown)


def _error(code: int, message: str, mnemonic: str) -> type[VendorError]:
    return type(mnemonic, (VendorError,), {"CODE": code, "MESSAGE": message, "MNEMONIC": mnemonic})


ParseError = _error(-32700, "Invalid JSON was received by the server", "parse_error")
InvalidRequest = _error(-32600, "The JSON sent is not a valid Request object", "invalid_request")
MethodNotFound = _error(-32601, "The method does not exist / is not available", "method_not_found")
InternalError = _error(-32603, "Internal error, contact the support service", "internal_error")
AccessTokenInvalid = _error(-32001, "Access token is invalid", "access_token_invalid")
ParamsErrors = {
    mnemonic: _error(-32602, message, mnemonic)
    for mnemonic, message in (
        ("required_parameter_missed", "The required parameter has been missed"),
        ("unexpected_parameters", "Unexpected method parameter(s)"),
        ("data_type_error", "Data supplied is of wrong type"),
        ("invalid_parameter_value", "Invalid parameter value"),
        ("entity_not_found", "Entity not found"),
        ("duplicate_entity", "Entity already exists"),
    )
}


def params_error(problem: dict[str, Any]) -> VendorError:
    """The vendor's error for the first complaint of pydantic, as fastapi-jsonrpc reports it."""
    kind = problem.get("type", "")
    if kind == "missing":
        mnemonic = "required_parameter_missed"
    elif kind == "extra_forbidden":
        mnemonic = "unexpected_parameters"
    elif kind.endswith("_type"):
        mnemonic = "data_type_error"
    else:
        mnemonic = "invalid_parameter_value"
    field = ".".join(str(part) for part in problem.get("loc", ()))
    return ParamsErrors[mnemonic](field or None, extended_helper=problem.get("msg", ""))


class SitesEntrypoint(jsonrpc.Entrypoint):
    async def handle_exception(self, exc: Exception) -> dict[str, Any]:
        if isinstance(exc, VendorError):
            raise exc
        if isinstance(exc, jsonrpc.InvalidParams):
            problems = exc.raw_data.get("errors") or [{}]
            raise params_error(problems[0])
        for theirs, ours in (
            (jsonrpc.ParseError, ParseError),
            (jsonrpc.InvalidRequest, InvalidRequest),
            (jsonrpc.MethodNotFound, MethodNotFound),
        ):
            if isinstance(exc, theirs):
                raise ours()
        logger.exception("create.sites failed", exc_info=exc)
        raise InternalError()


class StrictJsonRpcRequest(jsonrpc.JsonRpcRequest):
    """JSON-RPC 2.0: ``jsonrpc`` must be there, and an id is a string, a number or null."""

    jsonrpc: Literal["2.0"]
    id: StrictStr | StrictInt | None = None


def _readable_id(request: Any) -> bool:
    if not isinstance(request, dict):
        return False
    request_id = request.get("id")
    return request_id is None or (
        isinstance(request_id, str | int) and not isinstance(request_id, bool)
    )


def _not_json(literal: str) -> Any:
    raise ValueError(f"{literal} is not JSON")


class SitesEntrypointRoute(jsonrpc.EntrypointRoute):
    async def parse_body(self, http_request: Any) -> Any:
        # strict: Starlette's request.json() is json.loads, which reads NaN and Infinity
        try:
            json.loads(await http_request.body(), parse_constant=_not_json)
        except ValueError:
            raise jsonrpc.ParseError() from None
        return await super().parse_body(http_request)

    async def handle_req_to_resp(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        reply: dict[str, Any] = await super().handle_req_to_resp(*args, **kwargs)
        request = args[3] if len(args) > 3 else kwargs.get("req")
        if reply and "error" in reply and not _readable_id(request):
            reply["id"] = None  # JSON-RPC 2.0: null when the id could not be read
        return reply


SitesEntrypoint.entrypoint_route_class = SitesEntrypointRoute


# --- the params -----------------------------------------------------------------------------


def _iri_to_uri(url: str) -> str:
    """Percent-encode the non-ASCII letters of the path, query and fragment (as browsers send
    them): ``validators.url`` takes only ASCII there. The host stays as it is, for
    ``validators`` checks internationalised host names itself."""
    parts = urllib.parse.urlsplit(url)
    safe = "/?#[]@!$&'()*+,;=:%~"
    return urllib.parse.urlunsplit(
        parts._replace(
            path=urllib.parse.quote(parts.path, safe=safe),
            query=urllib.parse.quote(parts.query, safe=safe),
            fragment=urllib.parse.quote(parts.fragment, safe=safe),
        )
    )


def _http_scheme(scheme: str) -> bool:
    return scheme.lower() in {"http", "https"}


class Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class WidgetLink(Model):
    enabled: bool
    text: str = Field(min_length=1, max_length=100)
    url: str

    @field_validator("url")
    @classmethod
    def http_url(cls, value: str) -> str:
        try:
            ok = validators.url(
                _iri_to_uri(value), strict_query=False, validate_scheme=_http_scheme
            )
        except ValueError:  # urlsplit: a bad IPv6 literal or port
            ok = False
        if not ok:
            raise ValueError("an http or https URL is expected")
        return value


class ShowVisitorId(Model):
    enabled: bool = False
    element_id_value: str = Field(min_length=1, pattern=r"^[^\t\n\f\r ]+$")
    message: str | None = None
    length_visitor_id: int = Field(6, ge=1, le=20)


Days = Annotated[int, Field(ge=1, le=INT32_MAX)]


class CreateSitesParams(Model):
    access_token: str = Field(min_length=1)
    domain_name: str
    default_phone_number: str = Field(pattern=r"^[1-9][0-9]{1,14}$")
    default_scenario_id: PositiveInt | None = None
    user_id: PositiveInt | None = None
    industry_id: int = Field(ge=1, le=21)
    target_call_min_duration: int = Field(30, ge=0, le=INT32_MAX)
    track_subdomains_enabled: bool = True
    cookie_lifetime: Days = 90
    campaign_lifetime: Days = 90
    sales_enabled: bool = False
    second_communication_period: int = Field(1, ge=1, le=365)
    services_enabled: bool = True
    replacement_dynamical_block_enabled: bool = False
    widget_link: WidgetLink | None = None
    show_visitor_id: ShowVisitorId | None = None

    @field_validator("domain_name")
    @classmethod
    def host_name(cls, value: str) -> str:
        if not validators.domain(value):
            raise ValueError("a domain name such as example.com is expected")
        return value


#: the whole ``params`` object is the model (not one argument per member), so that
#: ``extra="forbid"`` refuses unknown members
PARAMS = jsonrpc.Params(...)


class CreatedSite(BaseModel):
    id: int
    success: bool = True


# --- the method -----------------------------------------------------------------------------


def create_app(token: str) -> jsonrpc.API:
    app = jsonrpc.API()
    api = SitesEntrypoint(
        "/v2.0",
        request_class=StrictJsonRpcRequest,
        errors=[ParseError, InvalidRequest, MethodNotFound, InternalError, AccessTokenInvalid],
    )
    lock = threading.Lock()
    ids = itertools.count(1)
    domains: set[bytes] = set()

    @api.method(name="create.sites")
    def create_sites(params: CreateSitesParams = PARAMS) -> CreatedSite:
        if params.access_token != token:
            raise AccessTokenInvalid()
        if params.default_scenario_id not in (None, *SCENARIO_IDS):
            raise ParamsErrors["entity_not_found"]("default_scenario_id")
        key = params.domain_name.encode("idna").lower()
        with lock:
            if key in domains:
                raise ParamsErrors["duplicate_entity"]("domain_name")
            domains.add(key)
            return CreatedSite(id=next(ids))

    app.bind_entrypoint(api)
    return app


@contextmanager
def serve(token: str) -> Iterator[str]:
    """The server on a free loopback port; yields its URL."""
    with serve_asgi(create_app(token), "/v2.0") as url:
        yield url
