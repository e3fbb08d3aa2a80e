"""The kit's decisions in a run: an invalid case whose keyword the schemas mark as the kit's
decision (``x-decisions``, read by ``conformance.contract.decisions``) is judged by default on
what the sources decide alone: robustness (any well-formed reply but -32603), or refusal with
any of the codes a source leaves open (an empty ``access_token``: -32602 or -32001).
``--strict`` judges the kit's decision too (``Case.strict``). The report lists what was sent and
not judged, from these same annotations.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from typing import Any, Final

from conformance.contract import load_schemas
from conformance.contract.decisions import (
    DECISIONS_KEYWORD,
    Decision,
    decided_basis,
    decisions_at,
)
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
    found = (by_key.get(f"{keyword}/{variant}") if variant else None) or by_key.get(keyword)
    if found is None and keyword == "format" and variant and DECISIONS_KEYWORD not in node:
        # a member that says nothing itself (a document's): a value of its format that the
        # panel of checkers splits on, or that only the kit's reading refuses, is contested
        return format_decisions().get((str(node.get("format")), variant))
    return found


#: Invalid values of a format that only the kit's reading of it refuses: create.sites's
#: ``widget_link.url`` refuses them by its own ``pattern`` too, a document's ``iri`` may not.
_KIT_READINGS: Final = {
    ("iri", variant): (
        "RFC 3987's IRI takes any scheme (python-jsonschema's iri, by rfc3987, takes "
        f"{example}); only the kit's reading of iri as a web address with a host refuses it "
        "(create.sites's widget_link.url says http or https with its pattern): on a "
        "document's iri, --strict judges it."
    )
    for variant, example in (("ftp", "ftp://example.com/"), ("mailto", "mailto:info@example.com"))
}


@functools.cache
def format_decisions() -> Mapping[tuple[str, str], Decision]:
    """``(format, variant) -> decision``: the invalid values of a format (the zones') that the
    panel of checkers splits on, as the published schemas record them on their members of
    that format, and those only the kit's reading refuses (``_KIT_READINGS``). They hold for
    a document's member of that format that carries no annotation of its own: its ``"format":
    "iri"`` param is no more decided by a port past 65535 than create.sites's
    ``widget_link.url``."""
    found = {
        (format_name, variant): Decision("format", variant, why)
        for (format_name, variant), why in _KIT_READINGS.items()
    }
    stack: list[Any] = list(load_schemas().values())
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            if isinstance(node.get("format"), str):
                for decision in decisions_at(node):
                    if decision.keyword == "format" and decision.variant:
                        found.setdefault((node["format"], decision.variant), decision)
            stack.extend(v for k, v in node.items() if k != DECISIONS_KEYWORD)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def split(case: Case, why: str, codes: Iterable[int] = ()) -> Case:
    """``case`` judged by what the sources decide, its own expectation kept for ``--strict``."""
    strict = dataclasses.replace(case.expect, basis=decided_basis(why))
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


__all__ = [
    "DECISIONS_KEYWORD",
    "UNDECIDED",
    "decided",
    "decision_of",
    "format_decisions",
    "split",
]
