"""Mutants with several defects at once, for the baseline's tests: a server whose known
defects are baselined passes, a further defect fails, a fixed one is reported fixed.

Each is built from registered single-defect mutants (``MUTANTS``) by inheritance, so each of
its defects is exactly the one its part names. The parts override different pipeline steps
(``check_method``, ``check_envelope``, ``authenticate``), so combining them changes none, and
each shows only in the deterministic protocol family: the failing tests are the same on every
run and every seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from conformance.server import CreateSitesApp
from mutants.servers import MUTANTS


@dataclass(frozen=True)
class Combined:
    """A registered combined mutant: its name, class and the single mutants it is made of."""

    name: str
    app: type[CreateSitesApp]
    parts: tuple[str, ...]


def _combine(name: str, *parts: str) -> Combined:
    bases = tuple(MUTANTS[part].app for part in parts)
    doc = "; ".join(base.__doc__ or "" for base in bases)
    return Combined(name, type(name.title().replace("-", ""), bases, {"__doc__": doc}), parts)


#: The combined mutants by name.
COMBINED: Final = {
    combined.name: combined
    for combined in (
        _combine("two-defects", "any-method-creates", "jsonrpc-unchecked"),
        _combine("three-defects", "any-method-creates", "jsonrpc-unchecked", "any-token-accepted"),
    )
}

__all__ = ["COMBINED", "Combined"]
