"""The kit's decisions, read from the schemas: where the method page, JSON-RPC 2.0 and the
standards the page names leave a point open, the schemas still take a side (a bound, a
``minLength``, a pattern) so that a validator has one answer. Each such keyword carries
``x-decisions`` with the reason, e.g.::

    "cookie_lifetime": {"type": "integer", "minimum": 1, "maximum": 2147483647,
                        "x-decisions": {"maximum": "The method page sets no upper bound: ..."}}

A key is a keyword (every invalid case of it: ``cookie_lifetime:maximum``) or a keyword and
one variant (``pattern/plus``: only ``default_phone_number:pattern/plus``). Its value is the
reason, or ``{"why": ..., "codes": [...]}`` where the page does decide that the request is
refused but not which error it gets (an empty ``access_token``: -32602 or -32001).

A decided case is judged by default on what the sources decide alone: robustness (any
well-formed reply but -32603), or refusal with any of ``codes``. ``--strict`` judges the kit's
decision too (``Case.strict``). The report lists what was sent and not judged, from these same
annotations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from conformance.generation.cases import Case, Expectation
from conformance.generation.schema_tree import Node
from conformance.validation.validator import DECISIONS_KEYWORD

#: Where a decision leaves only robustness to judge: any well-formed reply but -32603.
UNDECIDED: Final = Expectation("robust", reply_id="echo_or_null")


def _node_at(params_tree: Node, path: Sequence[str]) -> Node | None:
    node: Any = params_tree
    for name in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get("properties", {}).get(name)
    return node if isinstance(node, Mapping) else None


def decision_of(params_tree: Node, case: Case) -> tuple[str, Any] | None:
    """``(key, decision)`` of an invalid case the schemas mark as the kit's decision."""
    member, _, keyword = case.label.rpartition(":")
    node = _node_at(params_tree, member.split(".")) if member else None
    decisions = node.get(DECISIONS_KEYWORD) if node is not None else None
    if not isinstance(decisions, Mapping):
        return None
    variant = case.name.partition("/")[2]
    for key in (f"{keyword}/{variant}" if variant else None, keyword):
        if key is not None and key in decisions:
            return key, decisions[key]
    return None


def split(case: Case, why: str, codes: Iterable[int] = ()) -> Case:
    """``case`` judged by what the sources decide, its own expectation kept for ``--strict``."""
    strict = dataclasses.replace(case.expect, basis=f"the kit's decision: {why}")
    codes = tuple(codes)
    lenient = (
        Expectation("error", codes, reply_id=case.expect.reply_id, basis=why)
        if codes
        else dataclasses.replace(UNDECIDED, basis=f"not judged: {why}")
    )
    return dataclasses.replace(case, expect=lenient, strict=strict)


def decided(params_tree: Node, cases: Iterable[Case]) -> list[Case]:
    """``cases`` with each invalid case the schemas mark as a decision split (``split``)."""
    result: list[Case] = []
    for case in cases:
        found = decision_of(params_tree, case) if case.family == "invalid" else None
        if found is None:
            result.append(case)
            continue
        _, decision = found
        if isinstance(decision, Mapping):
            why = str(decision.get("why", ""))
            result.append(split(case, why, [int(c) for c in decision.get("codes", ())]))
        else:
            result.append(split(case, str(decision)))
    return result


__all__ = ["DECISIONS_KEYWORD", "UNDECIDED", "decided", "decision_of", "split"]
