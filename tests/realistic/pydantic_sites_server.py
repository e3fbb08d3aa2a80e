"""A create.sites server as a team writes it with pydantic v2 on starlette, served by uvicorn.

The envelope and the params are pydantic models in strict mode with ``extra="forbid"``;
``widget_link.url`` is an ``HttpUrl``; ``domain_name`` is checked by the ``idna`` package
(IDNA 2008 with UTS #46 mapping) in a validator. Each pydantic error is mapped to the vendor's
mnemonic, with ``data.field`` dotted. One customer token; scenarios 1, 2, 3.

Choices of this team where the page is silent (each one conforming):
- ``X | None = None`` for members without a default (pydantic's idiom): ``null`` passes for
  ``default_scenario_id``, ``user_id``, ``widget_link``, ``show_visitor_id`` and ``message``;
  members with a default refuse ``null`` (``data_type_error``);
- strict types: ``5.0`` is no integer here;
- numbers fit the database's INTEGER columns (at most 2**31 - 1).

``serve(token, revision="current")`` is the same team's server for the vendor's current page:
``name`` (any string, or null), industries 1-19, ``result.data.id`` with ``metadata`` beside
it, and ``metadata`` in every ``error.data``.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

import idna
from asgi_serving import serve_asgi
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError, field_validator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

INT32_MAX = 2**31 - 1
SCENARIO_IDS = frozenset({1, 2, 3})

Int32 = Annotated[int, Field(ge=1, le=INT32_MAX)]


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class WidgetLink(Strict):
    enabled: bool
    text: Annotated[str, Field(min_length=1, max_length=100)]
    url: HttpUrl


class ShowVisitorId(Strict):
    enabled: bool
    # HTML: an id is at least one character and holds no ASCII white space
    element_id_value: Annotated[str, Field(min_length=1, pattern=r"^[^\t\n\f\r ]+$")]
    message: str | None = None
    length_visitor_id: Annotated[int, Field(ge=1, le=20)] = 6


class CreateSitesParams(Strict):
    access_token: Annotated[str, Field(min_length=1)]
    domain_name: str
    default_phone_number: Annotated[str, Field(pattern=r"^[1-9][0-9]{1,14}$")]
    default_scenario_id: Int32 | None = None
    user_id: Int32 | None = None
    industry_id: Annotated[int, Field(ge=1, le=21)]
    target_call_min_duration: Annotated[int, Field(ge=0, le=INT32_MAX)] = 30
    track_subdomains_enabled: bool = True
    cookie_lifetime: Int32 = 90
    campaign_lifetime: Int32 = 90
    sales_enabled: bool = False
    second_communication_period: Annotated[int, Field(ge=1, le=365)] = 1
    services_enabled: bool = True
    replacement_dynamical_block_enabled: bool = False
    widget_link: WidgetLink | None = None
    show_visitor_id: ShowVisitorId | None = None

    @field_validator("domain_name")
    @classmethod
    def host_name(cls, value: str) -> str:
        try:
            ascii_name = idna.encode(value, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as error:
            raise ValueError(f"not a host name: {error}") from None
        if "." not in ascii_name:
            raise ValueError("a site's domain name has two labels at least")
        return value


class CurrentParams(CreateSitesParams):
    """The vendor's current page: a ``name`` for the site and 19 industries."""

    name: str | None = None
    industry_id: Annotated[int, Field(ge=1, le=19)]


#: What the current revision's replies carry beside the result or in ``error.data``: this team
#: reports its per-minute limit, as the vendor's general page shows it.
METADATA = {"limits": {"minute_limit": 1000, "minute_remaining": 999, "minute_reset": 60}}


class Envelope(Strict):
    jsonrpc: Literal["2.0"]
    id: str | int
    method: str
    params: dict[str, Any]


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


class RpcError(Exception):
    def __init__(self, mnemonic: str, **data: Any) -> None:
        super().__init__(mnemonic)
        self.mnemonic, self.data = mnemonic, data


def params_error(error: ValidationError) -> RpcError:
    """The vendor's error for pydantic's first complaint."""
    first = error.errors()[0]
    kind = first["type"]
    if kind == "missing":
        mnemonic = "required_parameter_missed"
    elif kind == "extra_forbidden":
        mnemonic = "unexpected_parameters"
    elif kind.endswith("_type"):
        mnemonic = "data_type_error"
    else:
        mnemonic = "invalid_parameter_value"
    field = ".".join(str(part) for part in first["loc"])
    data: dict[str, Any] = {"field": field, "extended_helper": first["msg"]}
    if kind != "missing" and field != "access_token":
        data["value"] = first["input"]
    return RpcError(mnemonic, **data)


class SitesService:
    def __init__(self, token: str) -> None:
        self.token = token
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.domains: set[bytes] = set()

    def create(self, params: CreateSitesParams) -> int:
        if params.access_token != self.token:
            raise RpcError("access_token_invalid")
        if params.default_scenario_id not in (None, *SCENARIO_IDS):
            raise RpcError("entity_not_found", field="default_scenario_id")
        key = idna.encode(params.domain_name, uts46=True).lower()
        with self.lock:
            if key in self.domains:
                raise RpcError("duplicate_entity", field="domain_name")
            self.domains.add(key)
            return next(self.ids)


def _reply_error(request_id: Any, error: RpcError, revision: str) -> JSONResponse:
    code, message = ERRORS[error.mnemonic]
    data = {"mnemonic": error.mnemonic, **error.data}
    if revision == "current":
        data["metadata"] = METADATA
    for echoed in ("value", "extended_helper"):
        # what JSONResponse cannot write (1e400 read as inf, a lone surrogate) is left out
        if not _writable(data):
            data.pop(echoed, None)
    error_object = {"code": code, "message": message, "data": data}
    return JSONResponse({"jsonrpc": "2.0", "id": request_id, "error": error_object})


def _writable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
        return False
    return True


def _not_json(literal: str) -> Any:
    raise ValueError(f"{literal} is not JSON")


def _readable_id(body: Any) -> Any:
    request_id = body.get("id") if isinstance(body, dict) else None
    if isinstance(request_id, bool) or not isinstance(request_id, str | int):
        return None
    return request_id


def create_app(token: str, revision: str = "seed") -> Starlette:
    """The app for the seed's page, or (``revision="current"``) the vendor's current one."""
    service = SitesService(token)
    params_model = CurrentParams if revision == "current" else CreateSitesParams

    def reply_error(request_id: Any, error: RpcError) -> JSONResponse:
        return _reply_error(request_id, error, revision)

    def success(site_id: int) -> dict[str, Any]:
        if revision == "current":
            return {"data": {"id": site_id}, "metadata": METADATA}
        return {"id": site_id, "success": True}

    async def endpoint(request: Request) -> JSONResponse:
        try:
            # strict: NaN and Infinity are no JSON (json.loads reads them)
            body = json.loads(await request.body(), parse_constant=_not_json)
        except (ValueError, RecursionError):
            return reply_error(None, RpcError("parse_error"))
        if isinstance(body, list):
            return reply_error(None, RpcError("batch_operations_not_supported"))
        request_id = _readable_id(body)
        try:
            envelope = Envelope.model_validate(body)
        except ValidationError as error:
            problems = error.errors()
            if [p["loc"] for p in problems] == [("id",)] and problems[0]["type"] == "missing":
                return reply_error(None, RpcError("notifications_not_supported"))
            return reply_error(request_id, RpcError("invalid_request"))
        if envelope.method != "create.sites":
            return reply_error(envelope.id, RpcError("method_not_found"))
        try:
            params = params_model.model_validate(envelope.params)
            site_id = service.create(params)
        except ValidationError as error:
            return reply_error(envelope.id, params_error(error))
        except RpcError as error:
            return reply_error(envelope.id, error)
        return JSONResponse({"jsonrpc": "2.0", "id": envelope.id, "result": success(site_id)})

    return Starlette(routes=[Route("/", endpoint, methods=["POST"])])


@contextmanager
def serve(token: str, revision: str = "seed") -> Iterator[str]:
    """The server on a free loopback port; yields its URL."""
    with serve_asgi(create_app(token, revision)) as url:
        yield url
