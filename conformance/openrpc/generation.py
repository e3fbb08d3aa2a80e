"""Cases for any OpenRPC method, made by the kit's own engine over the method's params schema.

The method's content descriptors become one by-name object schema (``Method.params_schema``);
``MethodBase`` is ``conformance.generation.cases.Base`` over that schema, so the boundary, invalid
and references families are the very functions the built-in contract uses
(``boundary_cases``, ``invalid_cases``, ``reference_cases``), and the valid family draws with
``conformance.generation.strategies.instances``. Only the envelope (the method's name), the protocol
family and what the document's extensions say differ.

Keywords the strategies do not construct values for (``not``, ``uniqueItems``,
``patternProperties``, ``prefixItems``, ``if``, ...) are drawn without and the draws filtered by
the real validator; each is named once per place in ``not_generated``, never skipped silently.
A by-position method gets every case as an array, in the descriptors' order (a case that
leaves out a param before one it sends cannot be written so, and is not sent).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import jsonschema_rs

from conformance.generation import cases as case_module
from conformance.generation.cases import ABSENT, Base, Case
from conformance.generation.schema_tree import Node, node_validator
from conformance.openrpc.document import Method
from conformance.validation.formats import FORMATS

#: Keywords the strategies construct values for, and annotations that constrain nothing.
CONSTRUCTED: Final = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "enum", "const", "minimum",
        "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern",
        "oneOf", "anyOf", "items", "minItems", "maxItems", "format", "multipleOf",
        "title", "description", "default", "examples", "example", "deprecated", "readOnly",
        "writeOnly", "contentMediaType", "contentEncoding", "nullable", "discriminator",
    }
)  # fmt: skip

#: Formats drawn from a pattern that is a subset of each (the validator still checks).
FORMAT_PATTERNS: Final = {
    "date-time": r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3])"
    r":[0-5][0-9]:[0-5][0-9](\.[0-9]{1,3})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])$",
    "date": r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$",
    "time": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$",
    "email": r"^[a-z][a-z0-9]{0,9}@[a-z]{1,10}\.(com|org|net)$",
    "uri": r"^https?://[a-z]{1,10}\.(com|org)(/[a-z0-9]{1,8}){0,3}$",
    "uri-reference": r"^/[a-z0-9]{1,8}(/[a-z0-9]{1,8}){0,3}$",
    "hostname": r"^[a-z]{1,10}(\.[a-z]{1,10}){1,3}$",
    "uuid": r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
    "ipv4": r"^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}"
    r"|[1-9]?[0-9])){3}$",
}

#: The protocol family's ids sent on a success path first, as the built-in family sends them.


def unconstructed(node: Any, where: str) -> Iterator[tuple[str, str]]:
    """``(keyword, where)`` for each keyword below ``node`` drawn only by filtering."""
    if not isinstance(node, Mapping):
        return
    for keyword, value in node.items():
        if keyword not in CONSTRUCTED:
            yield keyword, where
        elif keyword == "format" and value not in FORMAT_PATTERNS and value not in _OWN_FORMATS:
            yield f"format: {value}", where
    for name, child in (node.get("properties") or {}).items():
        yield from unconstructed(child, f"{where}.{name}")
    for keyword in ("items", "additionalProperties"):
        yield from unconstructed(node.get(keyword), f"{where}[]")
    for keyword in ("oneOf", "anyOf"):
        for branch in node.get(keyword) or ():
            yield from unconstructed(branch, where)


_OWN_FORMATS: Final = frozenset({"idn-hostname", "iri"})


def drawable(node: Any) -> Any:
    """A copy of ``node`` the strategies draw well from: exclusive bounds as inclusive ones
    (a number's as the nearest double inside), integral float bounds of integers as integers,
    a format as a pattern that is a subset of it. Generation only; the real node judges."""
    if not isinstance(node, Mapping):
        return node
    result = dict(node)
    types = result.get("type")
    integer = types == "integer" or (isinstance(types, list) and types == ["integer"])
    number = types == "number" or (isinstance(types, list) and types == ["number"])
    if integer:
        for bound in ("minimum", "maximum"):
            # generators write integer bounds as floats (pydantic: "minimum": 1.0); a value
            # read from the bound is then 1.0, which a strict server takes for no integer
            value = result.get(bound)
            if isinstance(value, float) and value.is_integer():
                result[bound] = int(value)
        for keyword, bound, step in (
            ("exclusiveMinimum", "minimum", 1),
            ("exclusiveMaximum", "maximum", -1),
        ):
            value = result.pop(keyword, None)
            if isinstance(value, int | float) and not isinstance(value, bool):
                moved = int(value) + step if value == int(value) else int(value) + (step > 0)
                result[bound] = moved if bound not in result else (
                    max(result[bound], moved) if step > 0 else min(result[bound], moved)
                )  # fmt: skip
    if number:
        # an exclusive bound of a number as the nearest double inside it: a value read from
        # the schema (its lower bound, or 0) would otherwise sit on the excluded bound
        for keyword, bound, toward in (
            ("exclusiveMinimum", "minimum", math.inf),
            ("exclusiveMaximum", "maximum", -math.inf),
        ):
            value = result.pop(keyword, None)
            if isinstance(value, int | float) and not isinstance(value, bool):
                inside = math.nextafter(float(value), toward)
                kept = result.get(bound)
                result[bound] = inside if kept is None else (
                    max(kept, inside) if toward > 0 else min(kept, inside)
                )  # fmt: skip
    if result.get("format") in FORMAT_PATTERNS and "pattern" not in result:
        result["pattern"] = FORMAT_PATTERNS[result["format"]]
    if isinstance(result.get("prefixItems"), list):
        # the strategies know one schema for every item: each item drawn from any position's
        # schema, the real validator keeps the arrays in the right order
        prefix = [p for p in result.pop("prefixItems") if isinstance(p, Mapping)]
        rest = result.get("items")
        if rest is False:
            result["maxItems"] = min(result.get("maxItems", len(prefix)), len(prefix))
        branches = [*prefix, *([rest] if isinstance(rest, Mapping) else [])]
        result["items"] = {"anyOf": branches} if branches else {}
    if isinstance(result.get("properties"), Mapping):
        # a false schema can have no value: such a member is never drawn
        result["properties"] = {
            k: drawable(v if v is not True else {})
            for k, v in result["properties"].items()
            if v is not False
        }
    for keyword in ("items", "additionalProperties"):
        if result.get(keyword) is True or (keyword == "items" and result.get(keyword) is False):
            result.pop(keyword)  # (additionalProperties: false stays: the families read it)
        elif isinstance(result.get(keyword), Mapping):
            result[keyword] = drawable(result[keyword])
    for keyword in ("oneOf", "anyOf"):
        if isinstance(result.get(keyword), list):
            result[keyword] = [drawable(branch) for branch in result[keyword]]
    return result


def values(node: Node) -> Any:
    """A hypothesis strategy of values ``node`` accepts: drawn from ``drawable(node)``, kept
    where the real validator of ``node`` says so."""
    from conformance.generation.strategies import instances

    return instances(drawable(node)).filter(node_validator(node))


@functools.cache
def _engine(text: str) -> Any:
    return jsonschema_rs.validator_for(json.loads(text), formats=FORMATS, validate_formats=True)


def violations_of(schema: Node, params: Any) -> list[tuple[str, str]]:
    """``(field, keyword)`` of each violation of ``schema`` by ``params``, located as the kit's
    validator locates them: a missing or unexpected member at its own place."""
    found: list[tuple[str, str]] = []
    try:
        errors = list(_engine(json.dumps(schema, sort_keys=True)).iter_errors(params))
    except (ValueError, TypeError, OverflowError, RecursionError, UnicodeError):
        return [("", "unreadable")]
    for error in errors:
        path = [str(part) for part in error.instance_path]
        keyword = error.kind.name
        detail = error.kind.as_dict()
        if keyword == "required":
            found.append((".".join([*path, detail["property"]]), keyword))
        elif keyword == "additionalProperties":
            found.extend((".".join([*path, name]), keyword) for name in detail["unexpected"])
        else:
            found.append((".".join(path), keyword))
    return found


@dataclass(frozen=True)
class MethodBase(Base):
    """``Base`` over one OpenRPC method's params schema (by name). ``params_tree`` is the tree
    the families walk and draw from (``drawable``); ``schema`` judges (the document's own)."""

    method: str = ""
    schema: Mapping[str, Any] = field(default_factory=dict)

    def request(self, params: Mapping[str, Any], request_id: Any = 1) -> dict[str, Any]:
        return {"jsonrpc": "2.0", "id": request_id, "method": self.method, "params": params}

    def params_valid(self, params: Any) -> bool:
        return node_validator(self.schema)(params)

    def violations(self, params: Any) -> list[tuple[str, str]]:
        return violations_of(self.schema, params)


@dataclass
class MethodPlan:
    """The cases of one method, what the document's extensions made of them, and what the
    generator could not construct."""

    method: Method
    base: MethodBase | None
    families: dict[str, list[Case]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _with(params: Mapping[str, Any], name: str, value: Any) -> dict[str, Any]:
    result = dict(params)
    if value is ABSENT:
        result.pop(name, None)
    else:
        result[name] = value
    return result


def make_base(
    method: Method, fixed: Mapping[str, Any], omitted: Sequence[str]
) -> tuple[MethodBase | None, str | None]:
    """The method's base requests, or why none could be made."""
    schema = method.params_schema
    is_valid = node_validator(schema)
    params_tree = drawable(schema)
    try:
        complete = case_module.sample(params_tree, complete=True)
        minimal = case_module.sample(params_tree, complete=False)
    except Exception as error:  # hypothesis's Unsatisfiable / NoSuchExample, a bad pattern
        return None, f"no valid params could be made ({type(error).__name__}: {error})"
    for name in omitted:
        complete = _with(complete, name, ABSENT)
    for name, value in fixed.items():
        complete = _with(complete, name, value)
        if name in params_tree.get("required", ()):
            minimal = _with(minimal, name, value)
    if not (is_valid(complete) and is_valid(minimal)):
        return None, "the values read from the schema do not keep it; no deterministic cases"
    base = MethodBase(
        "customer",
        params_tree,
        complete,
        minimal,
        dict(fixed),
        tuple(omitted),
        method=method.name,
        schema=schema,
    )
    return base, None


def positional(method: Method, params: Any) -> list[Any] | None:
    """By-name ``params`` as a by-position array in the descriptors' order; ``None`` where a
    param is left out before one that is sent (an array cannot say that)."""
    if not isinstance(params, Mapping):
        return None
    names = [param.name for param in method.params]
    extra = [name for name in params if name not in names]
    present = [name in params for name in names]
    last = max((i for i, sent in enumerate(present) if sent), default=-1)
    if not all(present[: last + 1]):
        return None
    return [params[name] for name in names[: last + 1]] + [params[name] for name in extra]


def as_positional(method: Method, case: Case) -> Case | None:
    """``case`` with its params sent by position, or ``None`` where that cannot be written."""
    payload = case.payload
    if not isinstance(payload, dict) or not isinstance(payload.get("params"), dict):
        return case
    array = positional(method, payload["params"])
    if array is None:
        return None
    return dataclasses.replace(case, payload={**payload, "params": array})


__all__ = [
    "CONSTRUCTED",
    "FORMAT_PATTERNS",
    "MethodBase",
    "MethodPlan",
    "as_positional",
    "drawable",
    "make_base",
    "positional",
    "unconstructed",
    "values",
    "violations_of",
]
