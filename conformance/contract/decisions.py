"""The kit's decisions as the schemas annotate them: one reader of ``x-decisions``.

Where the method page, JSON-RPC 2.0 and the standards the page names leave a point open, a
schema still takes a side (a bound, a ``minLength``, a pattern) and says so beside the keyword::

    "cookie_lifetime": {"type": "integer", "minimum": 1, "maximum": 2147483647,
                        "x-decisions": {"maximum": "The method page sets no upper bound: ..."}}

A key is a keyword, or a keyword and one of the kit's invalid variants (``pattern/plus``). Its
value is the reason, or ``{"why": ..., "codes": [...]}`` where a source decides that the value is
refused but not which error it gets, or ``{"why": ..., "instead": {...}}`` where the sources
allow a wider reading than the keyword's, written as the keywords a lenient reading takes in
its place (the seed's ``"success": "true"``). Two readers use this module: the validator's
lenient schemas (``strict=False``) and the fuzz generation's split of decided cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

#: The annotation that names the kit's decisions in the schemas.
DECISIONS_KEYWORD: Final = "x-decisions"


@dataclass(frozen=True)
class Decision:
    """One ``x-decisions`` entry: the ``keyword`` decided (for one ``variant``, or all of them
    when ``variant`` is empty), ``why``, and the error ``codes`` a source leaves open (empty
    where the refusal itself is the kit's decision)."""

    keyword: str
    variant: str
    why: str
    codes: tuple[int, ...] = ()
    #: the keywords a lenient reading takes in the keyword's place (none: it is left out)
    instead: Mapping[str, Any] | None = None

    @property
    def key(self) -> str:
        return f"{self.keyword}/{self.variant}" if self.variant else self.keyword

    @property
    def refusal_decided_by_a_source(self) -> bool:
        """Whether a source decides the refusal, leaving the kit only the error code."""
        return bool(self.codes)


def decisions_at(node: Any) -> tuple[Decision, ...]:
    """The decisions ``node`` (one schema object) annotates, in the order written."""
    entries = node.get(DECISIONS_KEYWORD) if isinstance(node, Mapping) else None
    if not isinstance(entries, Mapping):
        return ()
    found = []
    for key, value in entries.items():
        keyword, _, variant = str(key).partition("/")
        if isinstance(value, Mapping):
            why, codes = str(value.get("why", "")), tuple(int(c) for c in value.get("codes", ()))
            instead = value.get("instead")
            found.append(Decision(keyword, variant, why, codes, instead))
        else:
            found.append(Decision(keyword, variant, str(value)))
    return tuple(found)


def decided_basis(why: str) -> str:
    """The source of a verdict that only the kit's decision ``why`` makes (``--strict``)."""
    return f"the kit's decision: {why}"


def decisions_under(node: Any) -> list[Decision]:
    """Every decision ``node`` and the schemas inside it annotate, in document order."""
    if isinstance(node, list):
        return [d for item in node for d in decisions_under(item)]
    if not isinstance(node, Mapping):
        return []
    inner = [d for k, v in node.items() if k != DECISIONS_KEYWORD for d in decisions_under(v)]
    return [*decisions_at(node), *inner]


def decision_at_keyword(schema_path: str) -> Decision | None:
    """The decision on the keyword at ``schema_path`` (a violation's, relative to the schemas'
    base: ``reply.success.schema.json#/properties/result/properties/success/const``), if the
    kit decided that keyword whole."""
    from conformance.contract.documents import BASE_URI, resolve

    holder, _, keyword = schema_path.rpartition("/")
    try:
        node = resolve(BASE_URI + holder)
    except (KeyError, IndexError, ValueError, TypeError):  # a path into no loaded schema
        return None
    return next((d for d in decisions_at(node) if d.key == keyword), None)


def _widened(types: Any) -> Any:
    """``integer`` read as ``number``: a decision that whole numbers are meant."""
    if types == "integer":
        return "number"
    if isinstance(types, list):
        return list(dict.fromkeys("number" if t == "integer" else t for t in types))
    return types


def without_decisions(node: Any) -> Any:
    """``node`` without the keywords the kit decides whole (a bound, a ``minLength``, a
    pattern), or with the keywords the decision reads in their place (``instead``: the seed's
    ``"success"`` as ``true`` or ``"true"``), its decided ``integer`` types read as ``number``.
    Kept: a keyword whose refusal a
    source decides and only the error code is the kit's (``{"why", "codes"}``), and keywords
    decided for one variant only (``pattern/plus``): a schema cannot drop part of a pattern."""
    if isinstance(node, list):
        return [without_decisions(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: without_decisions(value) for key, value in node.items()}
    for decision in decisions_at(node):
        if decision.refusal_decided_by_a_source:
            continue
        if decision.keyword == "type" and decision.variant in ("", "float"):
            result["type"] = _widened(result.get("type"))
        elif not decision.variant:
            result.pop(decision.keyword, None)
            result.update(decision.instead or {})
    return result


__all__ = [
    "DECISIONS_KEYWORD",
    "Decision",
    "decided_basis",
    "decision_at_keyword",
    "decisions_at",
    "decisions_under",
    "without_decisions",
]
