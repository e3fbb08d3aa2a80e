"""The results a mock answers with: for each method, a pool of values its result schema
accepts, drawn once at start from the mock's seed, and one of them picked per call.

The pool is drawn with the kit's own strategies (``drawable`` and ``instances``, its arrays
kept ``small``) under a hypothesis test seeded as the fuzz run seeds its valid family
(``@seed``; the method's name goes into the seed, so methods with one result schema still get
different values): the
same seed and kit give the same pool in every process. ``strategy.example()`` would not (it
draws from hypothesis's own random state). Every value is checked against the method's result
schema by the kit's validator before it is kept, and must be writable as UTF-8 JSON.

A call picks ``pool[h % len(pool)]`` where ``h`` is a SHA-256 of the seed, the method and the
params (canonical JSON, by name): the same request gets the same reply, across processes too.
A call whose params are those of one of the method's ``examples`` pairings gets that
example's result (where the result schema accepts it), as the document says.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from conformance.errors import ArgumentError
from conformance.generation.schema_tree import node_validator
from conformance.generation.strategies import instances
from conformance.openrpc.document import Method
from conformance.openrpc.generation import drawable

#: How many values are drawn for each method's pool (fewer where the schema has fewer).
POOL_SIZE: Final = 8

#: hypothesis's budget for drawing one pool: draws the filter refuses count against it.
DRAW_BUDGET: Final = 2 * POOL_SIZE

#: The most items a drawn array gets (more where its ``minItems`` asks): a mock answers with
#: small results, and an array of blocks of transactions drawn long took 18 s for one method
#: of the Ethereum document (``debug_getBadBlocks``).
SMALL_ARRAY: Final = 2

#: Keywords whose value is one subschema, a name -> subschema map, a list of subschemas.
_ONE: Final = ("items", "additionalProperties", "not", "contains", "propertyNames", "if",
               "then", "else", "unevaluatedItems", "unevaluatedProperties")  # fmt: skip
_MAP: Final = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_LIST: Final = ("prefixItems", "allOf", "anyOf", "oneOf")


class NoResult(ArgumentError):
    """A method no result can be answered for: its result schema gave no value to draw, and
    the document gives no example result that the schema accepts."""


def canonical(value: Any) -> str:
    """``value`` as canonical JSON text: sorted member names, no spaces, ASCII only (a lone
    surrogate or a non-finite number, which a request can carry, still has a text)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def encodable(value: Any) -> bool:
    """Whether ``value`` is written as JSON (no NaN, no infinity) that encodes as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (ValueError, TypeError, UnicodeEncodeError, RecursionError):
        return False
    return True


def _seed_of(seed: int, method: str) -> int:
    digest = hashlib.sha256(f"{seed}\x00{method}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def small(node: Any) -> Any:
    """A copy of the schema ``node`` whose arrays hold at most ``SMALL_ARRAY`` items (or their
    ``minItems``): every value it accepts, the original accepts. Only subschemas are walked,
    never data (``enum``, ``const``, ``examples``), nor a property that happens to be named
    ``items``."""
    if not isinstance(node, Mapping):
        return node
    copy = dict(node)
    for keyword in _ONE:
        if keyword in copy:
            copy[keyword] = small(copy[keyword])
    for keyword in _MAP:
        if isinstance(copy.get(keyword), Mapping):
            copy[keyword] = {name: small(sub) for name, sub in copy[keyword].items()}
    for keyword in _LIST:
        if isinstance(copy.get(keyword), list):
            copy[keyword] = [small(sub) for sub in copy[keyword]]
    if "items" in copy or "prefixItems" in copy or copy.get("type") == "array":
        low = copy.get("minItems", 0)
        most = max(low, SMALL_ARRAY) if isinstance(low, int) else SMALL_ARRAY
        high = copy.get("maxItems")
        copy["maxItems"] = most if not isinstance(high, int) else min(high, most)
    return copy


def draw_pool(schema: Any, seed: int, method: str) -> list[Any]:
    """Up to ``POOL_SIZE`` distinct values ``schema`` accepts, drawn deterministically from
    ``seed`` and ``method``; empty where none could be drawn."""
    from hypothesis import HealthCheck, Phase, given, reporting, settings
    from hypothesis import seed as seed_of
    from hypothesis.errors import HypothesisException

    if schema is True:
        schema = {}
    if not isinstance(schema, Mapping):  # False, or no schema: nothing to draw
        return []
    node: Mapping[str, Any] = schema
    is_valid = node_validator(node)
    drawn: dict[str, Any] = {}

    @settings(
        max_examples=DRAW_BUDGET,
        database=None,
        deadline=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @seed_of(_seed_of(seed, method))
    @given(instances(small(drawable(node))))
    def collect(value: Any) -> None:
        if len(drawn) < POOL_SIZE and is_valid(value) and encodable(value):
            drawn.setdefault(canonical(value), value)

    # Unsatisfiable: the filter kept nothing; ArgumentError: no strategy for the node
    quiet = reporting.with_reporter(lambda _: None)
    with quiet, contextlib.suppress(HypothesisException, ArgumentError):
        collect()
    return list(drawn.values())


def example_results(method: Method) -> dict[str, Any]:
    """The results of the method's ``examples`` pairings that its result schema accepts, by
    the canonical JSON of their params (by name)."""
    if method.result is None:
        return {}
    schema: Any = method.result.schema  # a boolean schema too, whatever the annotation says
    is_valid = node_validator(schema) if isinstance(schema, Mapping) else None
    found: dict[str, Any] = {}
    for pairing in method.examples:
        result = pairing.get("result")
        params = pairing.get("params")
        if not isinstance(result, Mapping) or "value" not in result or not isinstance(params, list):
            continue
        named = {
            p["name"]: p["value"]
            for p in params
            if isinstance(p, Mapping) and isinstance(p.get("name"), str) and "value" in p
        }
        value = result["value"]
        accepted = is_valid(value) if is_valid is not None else schema is not False
        if accepted and encodable(value):
            found.setdefault(canonical(named), value)
    return found


@dataclass(frozen=True)
class Results:
    """What one method answers: its drawn pool and its example results."""

    method: str
    seed: int
    pool: tuple[Any, ...]
    examples: Mapping[str, Any]
    #: the method declares no result: every call is answered with ``null``
    none: bool = False

    def for_params(self, params: Mapping[str, Any]) -> Any:
        """The result of a call with these (valid, by-name) params."""
        if self.none:
            return None
        key = canonical(params)
        if key in self.examples:
            return self.examples[key]
        if not self.pool:  # the document's examples alone: the first, for any other call
            return next(iter(self.examples.values()))
        digest = hashlib.sha256(f"{self.seed}\x00{self.method}\x00{key}".encode()).digest()
        return self.pool[int.from_bytes(digest[:8], "big") % len(self.pool)]


def results_for(method: Method, seed: int) -> Results:
    """The results of ``method``; ``NoResult`` naming it where it has none to answer with."""
    if method.result is None:
        return Results(method.name, seed, (), {}, none=True)
    pool = draw_pool(method.result.schema, seed, method.name)
    examples = example_results(method)
    if not pool and not examples:
        raise NoResult(
            f"method {method.name!r}: no value of its result schema could be drawn, and the "
            "document gives no example result that the schema accepts; a mock cannot answer "
            "a valid call to it (add an example pairing with a result, or leave the method out)"
        )
    return Results(method.name, seed, tuple(pool), examples)


__all__ = [
    "DRAW_BUDGET",
    "POOL_SIZE",
    "NoResult",
    "Results",
    "canonical",
    "draw_pool",
    "encodable",
    "example_results",
    "results_for",
    "small",
]
