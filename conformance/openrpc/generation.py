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

import contextlib
import dataclasses
import functools
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import jsonschema_rs

from conformance.generation import cases as case_module
from conformance.generation.cases import ABSENT, Base, Case
from conformance.generation.patterns import python_pattern, shortest_text
from conformance.generation.schema_tree import Node, node_validator, schema_types
from conformance.openrpc.document import Method
from conformance.validation.formats import FORMATS

#: The JSON Schema keywords that constrain values (drafts 07 to 2020-12); any other keyword
#: (``title``, ``media``, ``x-...``, a misspelling) annotates and constrains nothing.
VALIDATION: Final = frozenset(
    {
        "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
        "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
        "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties",
        "required", "dependentRequired", "properties", "patternProperties",
        "additionalProperties", "propertyNames", "items", "prefixItems", "contains",
        "unevaluatedItems", "unevaluatedProperties", "allOf", "anyOf", "oneOf", "not", "if",
        "then", "else", "dependentSchemas", "format", "$dynamicRef", "$recursiveRef",
    }
)  # fmt: skip

#: Keywords the strategies construct values for (``conformance.generation.strategies``).
CONSTRUCTED: Final = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "patternProperties", "enum",
        "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
        "maxLength", "pattern", "oneOf", "anyOf", "items", "prefixItems", "minItems",
        "maxItems", "uniqueItems", "format",
    }
)  # fmt: skip

#: How many times a recursive schema is drawn inside itself: below that, only its branches
#: and optional members that do not recur are drawn (never a value the schema refuses).
MAX_RECURSION: Final = 2

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
    """``(keyword, where)`` for each keyword below ``node`` drawn only by filtering: drawn
    without it, each value then checked against the whole schema."""
    if not isinstance(node, Mapping):
        return
    for keyword, value in node.items():
        if keyword in VALIDATION and keyword not in CONSTRUCTED:
            if keyword == "multipleOf" and _integer_step(node):
                continue
            yield keyword, where
        elif keyword == "format" and value not in FORMAT_PATTERNS and value not in _OWN_FORMATS:
            yield f"format: {value}", where
        elif keyword == "pattern" and python_pattern(str(value)) is None:
            yield f"pattern: {value} (no Python spelling: any text drawn)", where
    for name, child in (node.get("properties") or {}).items():
        yield from unconstructed(child, f"{where}.{name}")
    for keyword in ("items", "additionalProperties", "not"):
        yield from unconstructed(node.get(keyword), f"{where}[]")
    for keyword in ("oneOf", "anyOf", "allOf", "prefixItems"):
        for branch in node.get(keyword) or ():
            yield from unconstructed(branch, where)
    for child in (node.get("patternProperties") or {}).values():
        yield from unconstructed(child, f"{where}[]")


def _integer_step(node: Mapping[str, Any]) -> bool:
    step = node.get("multipleOf")
    return (
        schema_types(node) == ["integer"]
        and isinstance(step, int)
        and not isinstance(step, bool)
        and step > 0
    )


_OWN_FORMATS: Final = frozenset({"idn-hostname", "iri"})


def drawable(node: Any) -> Any:
    """A copy of ``node`` the strategies draw well from: exclusive bounds as inclusive ones
    (a number's as the nearest double inside), integral float bounds of integers as integers,
    a format as a pattern that is a subset of it, a recursive schema drawn at most
    ``MAX_RECURSION`` times inside itself (below that, the branches and optional members that
    recur are not drawn; ``False`` where no value is left), an ``allOf`` that could not be
    merged drawn from its branches together. Generation only: the real node judges."""
    return _drawable(node, {}, {})


def _drawable(node: Any, scope: dict[str, Any], depth: dict[str, int]) -> Any:
    if node is True:
        return {}
    if not isinstance(node, Mapping):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        # the place a recursive schema recurs (conformance.openrpc.document): drawn again
        # while the bound allows, else nothing (the caller leaves the member or branch out)
        target = scope.get(ref)
        if target is None or depth.get(ref, 0) >= MAX_RECURSION:
            return False
        return _drawable(target, scope, {**depth, ref: depth.get(ref, 0) + 1})
    result = dict(node)
    if isinstance(result.get("$id"), str):
        scope = {**scope, result.pop("$id"): node}
    if isinstance(result.get("allOf"), list):
        # branches that could not be merged: drawn from their keywords together (the first
        # branch's where they differ), each value checked against the whole node
        branches = result.pop("allOf")
        for branch in branches:
            if branch is False:
                return False
            if isinstance(branch, Mapping):
                for key, value in branch.items():
                    result.setdefault(key, value)
        if isinstance(result.get("$ref"), str) or isinstance(result.get("$id"), str):
            return _drawable(result, scope, depth)
    if "type" not in result and not any(k in result for k in ("oneOf", "anyOf", "enum", "const")):
        # an object's or an array's keywords with no type: drawn as that type (any other
        # value passes such a schema too, but says nothing of it)
        if "properties" in result or "required" in result:
            result["type"] = "object"
        elif "items" in result or "prefixItems" in result:
            result["type"] = "array"
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
    if isinstance(result.get("pattern"), str) and schema_types(result) == ["string"]:
        # a short match read from the pattern, for the base values (``sample`` takes the first
        # example that the node accepts): searching for one costs 30 ms a pattern
        translated = python_pattern(result["pattern"])
        short = shortest_text(translated) if translated is not None else None
        if short is not None and node_validator(result)(short):
            result["examples"] = [*result.get("examples", ()), short]
    if not _drawable_arrays(result, scope, depth):
        return False
    if schema_types(result) == ["array"] and "examples" not in result:
        _array_example(result)
    if isinstance(result.get("properties"), Mapping):
        required = result.get("required") or ()
        properties = {}
        for name, child in result["properties"].items():
            drawn = _drawable(child, scope, depth)
            if drawn is not False:
                properties[name] = drawn
            elif name in required:
                return False  # a member that must be sent has no value at this depth
            # (a false schema can have no value: such an optional member is never drawn)
        result["properties"] = properties
    if result.get("additionalProperties") is True:
        result.pop("additionalProperties")  # (additionalProperties: false stays: the
    elif isinstance(result.get("additionalProperties"), Mapping):  # families read it)
        result["additionalProperties"] = _drawable(result["additionalProperties"], scope, depth)
    if isinstance(result.get("patternProperties"), Mapping):
        result["patternProperties"] = {
            pattern: _drawable(child, scope, depth)
            for pattern, child in result["patternProperties"].items()
        }
    for keyword in ("oneOf", "anyOf"):
        if isinstance(result.get(keyword), list):
            # a branch is drawn with the node's own members (the strategies lay a branch over
            # the node, and a branch's properties would hide the node's)
            shared = {k: result[k] for k in ("properties", "required", "type") if k in result}
            branches = [
                _drawable(_with_shared(branch, shared), scope, depth) for branch in result[keyword]
            ]
            branches = [branch for branch in branches if branch is not False]
            if not branches:
                return False
            result[keyword] = branches
    return result


def _with_shared(branch: Any, shared: Mapping[str, Any]) -> Any:
    """``branch`` with the members, required names and type of the node it is a branch of."""
    if not isinstance(branch, Mapping) or not shared or branch.get("$ref") is not None:
        return branch
    result = dict(branch)
    own = branch.get("properties")
    if isinstance(own, Mapping) and isinstance(shared.get("properties"), Mapping):
        properties = dict(shared["properties"])
        for name, child in own.items():
            kept = properties.get(name)
            properties[name] = child if kept is None or kept == child else {"allOf": [kept, child]}
        result["properties"] = properties
    if "required" in shared or "required" in branch:
        names = [*shared.get("required", ()), *branch.get("required", ())]
        result["required"] = list(dict.fromkeys(names))
    if "type" in shared and "type" not in branch:
        result["type"] = shared["type"]
    return result


def _array_example(result: dict[str, Any]) -> None:
    """An example for the base values (``sample`` would search for one): an array of the
    fewest items, at least one, each read from its schema; none where the node refuses it."""
    low, high = result.get("minItems", 0), result.get("maxItems")
    count = max(low, 1) if high is None else min(max(low, 1), high)
    prefix = result.get("prefixItems") or []
    items = result.get("items", {})
    try:
        made = [
            case_module.sample(prefix[i] if i < len(prefix) else items, complete=True)
            for i in range(count)
            if isinstance(prefix[i] if i < len(prefix) else items, Mapping)
        ]
    except Exception:  # an item the sampler cannot read: the search stays
        return
    if node_validator(result)(made):
        result["examples"] = [made]


def _drawable_arrays(result: dict[str, Any], scope: dict[str, Any], depth: dict[str, int]) -> bool:
    """``result``'s ``prefixItems`` and ``items`` made drawable in place, an array shortened
    to the positions that have values; ``False`` where no array is left."""
    low = result.get("minItems", 0)
    high = result.get("maxItems")
    prefix = result.get("prefixItems")
    if isinstance(prefix, list):
        drawn = [_drawable(p, scope, depth) for p in prefix]
        if False in drawn:
            high = drawn.index(False) if high is None else min(high, drawn.index(False))
            drawn = drawn[: drawn.index(False)]
            result.pop("items", None)
        result["prefixItems"] = drawn
    items = result.get("items")
    if items is True:
        result.pop("items")
    elif isinstance(items, Mapping):
        items = result["items"] = _drawable(items, scope, depth)
    if items is False:
        result.pop("items")
        fixed = len(result.get("prefixItems") or ())
        high = fixed if high is None else min(high, fixed)
    if high is not None:
        if not isinstance(low, int) or low > high:
            return False
        result["maxItems"] = high
    return True


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
    return _violations(_engine(json.dumps(schema, sort_keys=True)), params)


def _violations(engine: Any, params: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    try:
        errors = list(engine.iter_errors(params))
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
        return self._is_valid(params)

    def violations(self, params: Any) -> list[tuple[str, str]]:
        return _violations(self._compiled, params)

    # compiled once a base: the families judge thousands of candidates by one schema, and
    # finding its compiled form by its JSON text cost more than the judging
    @functools.cached_property
    def _is_valid(self) -> Callable[[Any], bool]:
        return node_validator(self.schema)

    @functools.cached_property
    def _compiled(self) -> Any:
        return _engine(json.dumps(self.schema, sort_keys=True))


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
    if params_tree is False:
        return None, (
            "no valid params could be made: a required param recurs deeper than the "
            f"generator draws ({MAX_RECURSION} levels) in every branch"
        )
    try:
        with _quiet():
            complete = _completed(params_tree, case_module.sample(params_tree, complete=True))
            minimal = case_module.sample(params_tree, complete=False)
    except Exception as error:  # hypothesis's Unsatisfiable / NoSuchExample
        first = str(error).splitlines()[0] if str(error) else ""
        return None, f"no valid params could be made ({type(error).__name__}: {first[:160]})"
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


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """hypothesis's reports (``You can reproduce this failure by adding @seed(...)``) kept off
    the run's output while the base values are searched for."""
    from hypothesis import reporting

    with reporting.with_reporter(lambda _: None):
        yield


def _completed(node: Any, value: Any) -> Any:
    """``value`` with every member ``node`` declares, at every depth, where the value read for
    it (an ``example``, a ``oneOf`` branch) left one out: the families walk every declared
    member of the complete base and change it in place. A member is added only where its
    object stays valid by ``node``."""
    if not isinstance(node, Mapping) or not isinstance(node.get("properties"), Mapping):
        return value
    if not isinstance(value, dict):
        try:
            candidate = case_module.sample(node, complete=True)
        except Exception:  # a member whose values the sampler cannot find: left as it was
            return value
        if not isinstance(candidate, dict) or not node_validator(node)(candidate):
            return value
        value = candidate
    is_valid = node_validator(node)
    result = dict(value)
    for name, child in node["properties"].items():
        if name in result:
            completed = _completed(child, result[name])
        else:
            try:
                completed = _completed(child, case_module.sample(child, complete=True))
            except Exception:  # a member whose values the sampler cannot find: left out
                continue
        trial = {**result, name: completed}
        if is_valid(trial):
            result = trial
    return result


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


def as_positional(method: Method, case: Case, name: str | None = None) -> Case | None:
    """``case`` with its params sent by position (named ``name`` where given), or ``None``
    where that cannot be written; ``case`` itself where it has no params object."""
    payload = case.payload
    if not isinstance(payload, dict) or not isinstance(payload.get("params"), dict):
        return case
    array = positional(method, payload["params"])
    if array is None:
        return None
    return dataclasses.replace(
        case, payload={**payload, "params": array}, name=case.name if name is None else name
    )


__all__ = [
    "CONSTRUCTED",
    "FORMAT_PATTERNS",
    "MAX_RECURSION",
    "VALIDATION",
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
