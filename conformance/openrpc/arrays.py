"""Cases the built-in families do not make because create.sites has no arrays and no exclusive
bounds, and OpenRPC documents have both: an array's length at and past ``minItems`` and
``maxItems``, its first item broken in each way the families break a member (and at each of its
bounds), and a number on its excluded bound.

The built-in families (``conformance.generation.cases``) walk objects only; rather than teach that
walk about list indices, each array's item is put alone in a one-member object schema
(``{"item": <items>}``), the built-in families run over that, and each case's item is put back
at index 0 of the array in the method's own base request. A case is kept only where the method's
own schema judges it as the families meant: valid for a boundary case, broken at that array for
an invalid one. Labels name the item by its index: ``lines.0.quantity:maximum``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from conformance.generation import cases as case_module
from conformance.generation.cases import ABSENT, SUCCESS, Case, Expectation, members
from conformance.generation.schema_tree import schema_types
from conformance.openrpc.generation import MethodBase

#: The wrapper's one member: an array's item stands alone in an object under this name.
_ITEM: Final = "item"
_INVALID: Final = Expectation("error", (-32602,))


def _arrays(base: MethodBase) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any], list[Any]]]:
    """Each array member of the base request with its node (of ``params_tree``) and value."""
    for path, node in members(base.params_tree):
        value = case_module._get(base.complete, path)
        if "array" in schema_types(node) and isinstance(value, list):
            yield path, node, value


def _dotted(path: Sequence[str]) -> str:
    return ".".join(path)


def _item_base(base: MethodBase, items: Mapping[str, Any], first: Any) -> MethodBase:
    tree = {"type": "object", "properties": {_ITEM: dict(items)}, "required": [_ITEM]}
    return MethodBase(
        base.role,
        tree,
        {_ITEM: first},
        {_ITEM: first},
        {},
        (),
        method=base.method,
        schema={"type": "object", "properties": {_ITEM: dict(items)}},
    )


def _put_back(
    base: MethodBase, path: tuple[str, ...], array: list[Any], case: Case
) -> dict[str, Any] | None:
    params = case.payload.get("params") if isinstance(case.payload, dict) else None
    if not isinstance(params, dict) or params.get(_ITEM, ABSENT) is ABSENT:
        return None
    return case_module._with(base.complete, path, [params[_ITEM], *array[1:]])


def _relabel(label: str, dotted: str) -> str:
    """``item.quantity:maximum`` as ``lines.0.quantity:maximum``."""
    return f"{dotted}.0{label[len(_ITEM) :]}" if label.startswith(_ITEM) else f"{dotted}.0:{label}"


def array_cases(base: MethodBase) -> tuple[list[Case], list[Case]]:
    """``(boundary, invalid)`` cases of every array of the base request."""
    boundary: list[Case] = []
    invalid: list[Case] = []
    seen: set[str] = set()

    def keep(family: str, label: str, variant: str, params: dict[str, Any], at: str) -> None:
        name = f"{label}/{variant}"
        if name in seen:
            return
        if family == "boundary":
            if not base.params_valid(params):
                return
            boundary.append(Case("boundary", label, name, SUCCESS, base.request(params)))
        else:
            found = base.violations(params)
            if not found or any(not (f == at or f.startswith(at + ".")) for f, _ in found):
                return  # valid, or broken somewhere else too
            invalid.append(Case("invalid", label, name, _INVALID, base.request(params)))
        seen.add(name)

    for path, node, array in _arrays(base):
        dotted = _dotted(path)

        def put(items: list[Any], at: tuple[str, ...] = path) -> dict[str, Any]:
            return case_module._with(base.complete, at, items)

        items = node.get("items")
        filler = array[0] if array else None
        if filler is None and isinstance(items, Mapping):
            try:
                filler = case_module.sample(items, complete=True)
            except Exception:  # an item schema the sampler cannot read: lengths only from array
                filler = None
        low, high = node.get("minItems"), node.get("maxItems")
        if isinstance(low, int) and filler is not None:
            keep("boundary", f"{dotted}:minItems", f"at={low}", put([filler] * low), dotted)
            if low > 0:
                short = put(array[: low - 1])
                keep("invalid", f"{dotted}:minItems", f"{low - 1}", short, dotted)
        if isinstance(high, int) and filler is not None:
            keep("boundary", f"{dotted}:maxItems", f"at={high}", put([filler] * high), dotted)
            keep("invalid", f"{dotted}:maxItems", f"{high + 1}", put([filler] * (high + 1)), dotted)
        if not isinstance(items, Mapping) or not array:
            continue
        item_base = _item_base(base, items, array[0])
        at_item = f"{dotted}.0"
        for family, made in (
            ("boundary", case_module.boundary_cases(item_base)),
            ("invalid", case_module.invalid_cases(item_base)),
        ):
            for case in made:
                if case.label.startswith(("params:", f"{_ITEM}:optional")):
                    continue  # the wrapper's own object, not the item
                params = _put_back(base, path, array, case)
                if params is not None:
                    label = _relabel(case.label, dotted)
                    variant = case.name[len(case.label) + 1 :] or "item"
                    keep(family, label, variant, params, at_item)
    return boundary, invalid


def excluded_bound_cases(base: MethodBase) -> list[Case]:
    """A number on its own excluded bound (``exclusiveMinimum: 0`` sent 0): the value a server
    that checks ``>=`` for ``>`` takes; the built-in family sends one unit past it."""
    cases: list[Case] = []
    for path, node in members(base.schema):
        current = case_module._get(base.complete, path)
        if current is ABSENT:
            continue
        for keyword in ("exclusiveMinimum", "exclusiveMaximum"):
            bound = node.get(keyword)
            if not isinstance(bound, int | float) or isinstance(bound, bool):
                continue
            params = case_module._with(base.complete, path, bound)
            dotted = _dotted(path)
            found = base.violations(params)
            if found and all(f == dotted for f, _ in found):
                label = f"{dotted}:{keyword}"
                payload = base.request(params)
                cases.append(Case("invalid", label, f"{label}/at={bound}", _INVALID, payload))
    return cases


def with_arrays(base: MethodBase, family: str, cases: list[Case]) -> list[Case]:
    """``cases`` of ``family`` and, after them, this module's cases of that family."""
    boundary, invalid = array_cases(base)
    if family == "boundary":
        return [*cases, *boundary]
    if family == "invalid":
        return [*cases, *invalid, *excluded_bound_cases(base)]
    return cases


__all__ = ["array_cases", "excluded_bound_cases", "with_arrays"]
