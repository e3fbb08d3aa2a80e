"""An order service written with the Python ``openrpc`` framework (PyPI ``openrpc``), as a team
that picked that stack would write it: pydantic signatures, the framework's own validation and
its own generated ``rpc.discover`` document, a small Starlette adapter, served by uvicorn.

Four methods of different shapes:

- ``order.create`` (by-name): a string, an array of nested objects, an enum with a default;
  the result an object that forbids other members;
- ``order.find`` (by-name): an integer id; a nullable result (``null`` for an unknown order);
- ``geometry.scale`` (by-position): a nested object and a number with an exclusive bound;
- ``stats.summary`` (by-position): an array of bounded integers and an optional nullable string.

``build_app(defect)`` builds the same service with one defect (``openrpc_framework_mutants``):
its code drifts from the document while ``rpc.discover`` still serves the honest one, as a
document generated once for a release and pinned would.
"""

# no `from __future__ import annotations`: the framework reads the signatures with
# typing.get_type_hints, which cannot see the factory's local types in string annotations
import inspect
import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from openrpc import Example, ExamplePairing, Info, OpenRPCError, ParamStructure, RPCApp
from pydantic import BaseModel, ConfigDict, Field
from realistic.asgi_serving import serve_asgi
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# Strict fields: pydantic's lax mode would take "2" or true for an integer and "1.5" for a
# number, which the generated schema ("type": "integer") refuses; a team that publishes the
# document wants the server to hold to it.
Sku = Annotated[str, Field(pattern=r"^[A-Z]{3}-[0-9]{4}$", strict=True)]
Quantity = Annotated[int, Field(ge=1, le=100, strict=True)]
Coordinate = Annotated[float, Field(ge=-1e6, le=1e6, strict=True)]
Customer = Annotated[str, Field(min_length=1, max_length=40, strict=True)]
Priority = Literal["low", "normal", "high"]


class Line(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Sku
    quantity: Quantity


class Order(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int
    customer: str
    lines: list[Line]
    priority: Priority
    total_quantity: int


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")
    x: Coordinate
    y: Coordinate


class Vector(BaseModel):
    model_config = ConfigDict(extra="forbid")
    x: float
    y: float


class Summary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int
    mean: float
    minimum: int
    maximum: int
    label: str | None


class _PinnedDocumentApp(RPCApp):
    """An ``RPCApp`` whose ``rpc.discover`` answers a given document (the framework registers
    ``self.discover`` when it is made, so the override must exist before)."""

    def __init__(self, document: dict[str, Any] | None) -> None:
        self._pinned = document
        super().__init__(Info(title="Orders", version="1.0.0"))

    def discover(self) -> dict[str, Any]:
        return self._pinned if self._pinned is not None else super().discover()


def build_app(defect: str | None = None, document: dict[str, Any] | None = None) -> RPCApp:
    """The order service; with ``defect``, one of the mutants' defects (see
    ``openrpc_framework_mutants.DEFECTS``), serving ``document`` from ``rpc.discover``."""
    app = _PinnedDocumentApp(document)
    orders: dict[int, Order] = {}
    ids = itertools.count(1)

    def has(name: str) -> bool:
        return defect == name

    line_model: type[BaseModel] = Line
    if has("quantity-range-unchecked") or has("line-extra-member-accepted"):
        line_model = _lax_line(range_checked=not has("quantity-range-unchecked"))
    elif has("sku-pattern-unchecked"):

        class LooseSkuLine(BaseModel):
            model_config = ConfigDict(extra="forbid")
            sku: Annotated[str, Field(strict=True)]
            quantity: Quantity

        line_model = LooseSkuLine

    priority_type: Any = Annotated[str, Field(strict=True)] if has("enum-unchecked") else Priority
    lines_min = 0 if has("lines-min-items-unchecked") else 1

    @app.method(name="order.create", param_structure=ParamStructure.BY_NAME)
    def create_order(
        customer: Customer,
        lines: Annotated[list[line_model], Field(min_length=lines_min, max_length=10)],  # type: ignore[valid-type]
        priority: priority_type = "normal",
    ) -> Order:
        """Place an order.

        :param customer: Who orders.
        :param lines: What is ordered, one line per SKU.
        :param priority: How soon it ships.
        :return: The order as stored.
        """
        order_id = next(ids)
        kept = [Line.model_construct(sku=line.sku, quantity=line.quantity) for line in lines]
        order = Order.model_construct(
            id=order_id,
            customer=customer,
            lines=kept,
            priority=priority,
            total_quantity=sum(line.quantity for line in kept),
        )
        orders[order_id] = order
        if has("extra-result-member"):
            return {**order.model_dump(), "warehouse": "north"}  # type: ignore[return-value]
        return order

    if has("customer-optional"):
        # the code gained a default the document does not know of
        signature = inspect.signature(create_order)
        create_order.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[  # keyword-only: a default may then come before a required param
                p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
                if p.name != "customer"
                else p.replace(kind=inspect.Parameter.KEYWORD_ONLY, default="anonymous")
                for p in signature.parameters.values()
            ]
        )
        app.remove("order.create")
        app.method(name="order.create", param_structure=ParamStructure.BY_NAME)(create_order)

    @app.method(name="order.find", param_structure=ParamStructure.BY_NAME)
    def find_order(order_id: Annotated[int, Field(ge=1, strict=True)]) -> Order | None:
        """Look an order up.

        :param order_id: The id ``order.create`` gave.
        :return: The order, or null when there is none.
        """
        found = orders.get(order_id)
        if found is None and has("find-unknown-as-empty-object"):
            return {}  # type: ignore[return-value]
        if found is not None and has("wrong-result-type"):
            return {**found.model_dump(), "id": str(found.id)}  # type: ignore[return-value]
        return found

    factor_type: Any = Annotated[float, Field(gt=0, le=1000, strict=True)]
    if has("exclusive-bound-inclusive"):
        factor_type = Annotated[float, Field(ge=0, le=1000, strict=True)]
    elif has("invalid-params-wrong-code"):
        factor_type = Annotated[float, Field(strict=True)]

    @app.method(name="geometry.scale", param_structure=ParamStructure.BY_POSITION)
    def scale(point: Point, factor: factor_type) -> Vector:
        """Scale a point away from the origin.

        :param point: The point.
        :param factor: How much, above zero.
        :return: The scaled point.
        """
        if has("invalid-params-wrong-code") and not 0 < factor <= 1000:
            # checked by hand with the application's own code instead of -32602
            raise OpenRPCError(-32000, "factor out of range")
        return Vector(x=point.x * factor, y=point.y * factor)

    values_item: Any = Annotated[int, Field(ge=-1000, le=1000, strict=True)]
    values_min = 0 if has("empty-values-crash") else 1

    # the framework's example generator (lorem-pysum 1.4) fails on a list of constrained
    # integers (TypeError in issubclass), so this method's example is written out
    example = ExamplePairing(
        name="three values",
        params=[Example(name="values", value=[1, 2, 6]), Example(name="label", value="week")],
        result=Example(
            name="their summary",
            value={"count": 3, "mean": 3.0, "minimum": 1, "maximum": 6, "label": "week"},
        ),
    )

    @app.method(
        name="stats.summary", param_structure=ParamStructure.BY_POSITION, examples=[example]
    )
    def summary(
        values: Annotated[list[values_item], Field(min_length=values_min, max_length=50)],  # type: ignore[valid-type]
        label: Annotated[str | None, Field(max_length=20, strict=True)] = None,
    ) -> Summary:
        """Count, mean and extremes of some integers.

        :param values: The integers.
        :param label: A name carried into the result.
        :return: The summary.
        """
        mean = sum(values) / len(values)  # an empty list raises: the framework says -32000
        if has("result-member-missing"):
            return {"count": len(values), "mean": mean, "label": label}  # type: ignore[return-value]
        return Summary(
            count=len(values), mean=mean, minimum=min(values), maximum=max(values), label=label
        )

    return app


def _lax_line(*, range_checked: bool) -> type[BaseModel]:
    class LaxLine(BaseModel):
        model_config = ConfigDict(extra="forbid" if not range_checked else "ignore")
        sku: Sku
        quantity: Quantity if range_checked else Annotated[int, Field(ge=1, strict=True)]  # type: ignore[valid-type]

    return LaxLine


def honest_document() -> dict[str, Any]:
    """The document the honest service's ``rpc.discover`` answers (generated by the framework)."""
    # as JSON: ``discover`` gives Python objects (enums) that the framework encodes on the way out
    document: dict[str, Any] = json.loads(
        build_app().openrpc().model_dump_json(by_alias=True, exclude_unset=True)
    )
    return document


def _error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


def _envelope_refusal(rpc: RPCApp, request: Any) -> dict[str, Any] | None:
    """The error the framework should give ``request`` and does not (``FRAMEWORK_DEVIATIONS``),
    or ``None`` to hand the request over."""
    if not isinstance(request, dict):
        return None
    request_id = request.get("id")
    if "id" in request and not (
        request_id is None
        or isinstance(request_id, str)
        or (isinstance(request_id, int) and not isinstance(request_id, bool))
    ):
        return _error(None, -32600, "Invalid Request: id must be a string, an integer or null")
    if request.get("jsonrpc") != "2.0":
        return _error(request_id, -32600, 'Invalid Request: jsonrpc must be "2.0"')
    method = rpc.methods_metadata.get(request.get("method"))  # type: ignore[arg-type]
    params = request.get("params")
    if method is not None and not params and isinstance(params, list | dict | type(None)):
        required = [n for n, f in method.params_model.model_fields.items() if f.is_required()]
        if required:
            return _error(request_id, -32602, f"Invalid params: {', '.join(required)} required")
    return None


class NotJson(ValueError):
    """A bare NaN, Infinity or -Infinity: Python's json.loads reads them, RFC 8259 has none."""


def _not_json(literal: str) -> Any:
    raise NotJson(f"{literal} is not JSON")


async def guarded_process(rpc: RPCApp, text: str) -> str | None:
    """``rpc.process`` behind the team's guard of what the framework lets through: each request
    (of a batch too) with a bad ``jsonrpc``, a bad ``id`` or no params where some are required,
    and an empty batch, are answered here; the rest is the framework's."""
    try:
        parsed = json.loads(text, parse_constant=_not_json)
    except NotJson as error:  # the framework's json.loads reads them as numbers
        return json.dumps(_error(None, -32700, f"Parse error: {error}"))
    except ValueError:
        return await rpc.process(text)
    if parsed == []:
        return json.dumps(_error(None, -32600, "Invalid Request: an empty batch"))
    if isinstance(parsed, list):
        replies = [await _answer_one(rpc, request) for request in parsed]
        kept = [reply for reply in replies if reply is not None]
        return f"[{','.join(kept)}]" if kept else None
    return await _answer_one(rpc, parsed)


async def _answer_one(rpc: RPCApp, request: Any) -> str | None:
    refusal = _envelope_refusal(rpc, request)
    if refusal is not None:
        return json.dumps(refusal)
    return await rpc.process(json.dumps(request))


def asgi_app(rpc: RPCApp, *, guarded: bool = True, answer_notifications: bool = False) -> Starlette:
    """A Starlette app that hands each POST body to ``rpc.process`` (behind the guard unless
    ``guarded`` is false): the framework is transport agnostic and leaves this to the team."""

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            # the framework's json.loads raises on bytes that are not UTF-8 (-32603)
            error = _error(None, -32700, "Parse error: the body is not UTF-8")
            return Response(json.dumps(error), media_type="application/json")
        reply = await (guarded_process(rpc, text) if guarded else rpc.process(text))
        if reply is None:
            if not answer_notifications:
                return Response(status_code=204)
            reply = json.dumps({"jsonrpc": "2.0", "id": None, "result": None})
        return Response(reply, media_type="application/json")

    return Starlette(routes=[Route("/", endpoint, methods=["POST"])])


@contextmanager
def serve_orders(defect: str | None = None, *, guarded: bool = True) -> Iterator[str]:
    """The service (or the mutant ``defect``, serving the honest document) on 127.0.0.1."""
    document = honest_document() if defect is not None else None
    rpc = build_app(defect, document)
    answer = defect == "notification-answered"
    with serve_asgi(asgi_app(rpc, guarded=guarded, answer_notifications=answer)) as url:
        yield url
