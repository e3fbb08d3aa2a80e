"""The kit's decisions in a run: an invalid case whose keyword the schemas mark as the kit's
decision (``x-decisions``, read by ``conformance.contract.decisions``) is judged by default on
what the sources decide alone: robustness (any well-formed reply but -32603), or refusal with
any of the codes a source leaves open (an empty ``access_token``: -32602 or -32001).
``--strict`` judges the kit's decision too (``Case.strict``). The report lists what was sent and
not judged, from these same annotations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Final

from conformance.contract.decisions import DECISIONS_KEYWORD, Decision, decisions_at
from conformance.generation.cases import Case, Expectation, node_at
from conformance.generation.schema_tree import Node

#: Where a decision leaves only robustness to judge: any well-formed reply but -32603.
UNDECIDED: Final = Expectation("robust", reply_id="echo_or_null")


def decision_of(params_tree: Node, case: Case) -> Decision | None:
    """The decision the schemas mark on an invalid case's keyword, or on its variant alone."""
    member, _, keyword = case.label.rpartition(":")
    if not member:
        return None
    try:
        node = node_at(params_tree, member.split("."))
    except (KeyError, TypeError):  # a case on a member the tree does not name
        return None
    by_key = {decision.key: decision for decision in decisions_at(node)}
    variant = case.name.partition("/")[2]
    return (by_key.get(f"{keyword}/{variant}") if variant else None) or by_key.get(keyword)


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
        decision = decision_of(params_tree, case) if case.family == "invalid" else None
        result.append(case if decision is None else split(case, decision.why, decision.codes))
    return result


__all__ = ["DECISIONS_KEYWORD", "UNDECIDED", "decided", "decision_of", "split"]
