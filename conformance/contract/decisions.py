"""The kit's decisions as the schemas annotate them: one reader of ``x-decisions``.

Where the method page, JSON-RPC 2.0 and the standards the page names leave a point open, a
schema still takes a side (a bound, a ``minLength``, a pattern) and says so beside the keyword::

    "cookie_lifetime": {"type": "integer", "minimum": 1, "maximum": 2147483647,
                        "x-decisions": {"maximum": "The method page sets no upper bound: ..."}}

A key is a keyword, or a keyword and one of the kit's invalid variants (``pattern/plus``). Its
value is the reason, or ``{"why": ..., "codes": [...]}`` where a source decides that the value is
refused but not which error it gets. Two readers use this module: the validator's lenient
schemas (``strict=False``) and the fuzz generation's split of decided cases.
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
        else:
            why, codes = str(value), ()
        found.append(Decision(keyword, variant, why, codes))
    return tuple(found)


__all__ = ["DECISIONS_KEYWORD", "Decision", "decisions_at"]
