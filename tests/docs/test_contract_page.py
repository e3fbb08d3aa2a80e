"""docs/contract.md's field tables are the schemas': the params table names every member of the
seed revision's params, and its types, bounds, defaults and required members are the schema's;
the revisions table's differences (``name``, the industries' range) are the two revisions'. A
bound or default changed in a schema and not on the page fails here, and the reverse. (The
decisions table is kept by tests/contract/test_decisions.py.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conformance.generation.schema_tree import tree

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "contract.md").read_text(encoding="utf-8")


def _params(revision: str) -> dict[str, Any]:
    params: dict[str, Any] = tree("request", "customer", revision)["properties"]["params"]
    return params


def _rows(heading: str) -> list[list[str]]:
    """The first table under ``heading``, as rows of cells (header and rule rows dropped)."""
    section = PAGE.split(f"\n{heading}\n", 1)[1]
    lines = section.split("\n|---", 1)[1].splitlines()[1:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
    return rows


def _named(cell: str) -> list[str]:
    """The members a first cell names: ``a``, or ``a``, ``b`` (not a free-text row's)."""
    return re.findall(r"^`(\w+)`(?:, `(\w+)`)?$", cell)[0] if re.match(r"^`\w+`", cell) else []


def _table() -> dict[str, tuple[str, str]]:
    """``member -> (rule, default)`` of the params table."""
    table = {}
    for row in _rows("## Params (`additionalProperties: false` at every level)"):
        for name in filter(None, _named(row[0])):
            table[name] = (row[1], row[2])
    return table


def _value(cell: str) -> Any:
    """A default as the table writes it: empty (none), ``true``, ``false`` or a number."""
    return {"": None, "true": True, "false": False}.get(
        cell, cell if not cell.isdigit() else int(cell)
    )


def test_the_params_table_names_every_member_of_the_seed_params() -> None:
    assert set(_table()) == set(_params("seed")["properties"])


def test_the_params_tables_bounds_defaults_and_required_members_are_the_schemas() -> None:
    params = _params("seed")
    checked = 0
    for name, (rule, default) in _table().items():
        schema = params["properties"][name]
        bounds = re.search(r"\bintegers? (\d+)\u2013(\d+)", rule)
        if bounds:
            assert schema["type"] == "integer", name
            assert (schema["minimum"], schema["maximum"]) == tuple(map(int, bounds.groups())), name
            checked += 1
        if "JSON booleans" in rule:
            assert schema["type"] == "boolean", name
        assert _value(default) == schema.get("default"), name
        assert rule.startswith("required") == (name in params["required"]), name
    assert checked >= 6  # the bounds were read: the check above is not vacuous


def test_the_revisions_table_is_the_two_revisions_difference() -> None:
    rows = {row[0]: row[1:] for row in _rows("## Two revisions")}
    seed, current = _params("seed"), _params("current")
    assert "name" not in seed["properties"] and "name" in current["properties"]
    assert rows["`name`"][0].startswith("not a member")
    industry = [re.match(r"(\d+)\u2013(\d+)", cell) for cell in rows["`industry_id`"]]
    for match, schema in zip(industry, (seed, current), strict=True):
        assert match is not None
        bound = schema["properties"]["industry_id"]
        assert (bound["minimum"], bound["maximum"]) == tuple(map(int, match.groups()))
    # every other member of params is the same in both, as the last row says
    same = set(seed["properties"]) - {"industry_id"}
    assert rows["everything else"] == ["same", "same"]
    assert {m: seed["properties"][m] for m in same} == {m: current["properties"][m] for m in same}
