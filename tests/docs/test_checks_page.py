"""docs/checks.md gives each family and each check with its rule and its source, as the reports
say them: the families' sources are ``FAMILY_BASIS``, the checks' rules and sources the checks
registry's (and an OpenRPC document's run's own), row for row. A check added to the registry and
not to the page fails here, and so does a source changed in one place only."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.engine.checks import CHECKS, DOCUMENT_RULES
from conformance.generation.cases import FAMILY_BASIS
from conformance.openrpc.contract import checks_for
from conformance.openrpc.document import parse

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "checks.md").read_text(encoding="utf-8")

#: a document with none of the vendor's conventions: its run judges by JSON-RPC 2.0's words
_PLAIN_DOCUMENT = {
    "openrpc": "1.3.2",
    "info": {"title": "plain", "version": "1"},
    "methods": [
        {
            "name": "add",
            "params": [{"name": "a", "schema": {"type": "integer"}}],
            "result": {"name": "sum", "schema": {"type": "integer"}},
        }
    ],
}


def _tables(section: str) -> list[list[list[str]]]:
    """The Markdown tables of a section of the page, as rows of cells (header row dropped)."""
    tables: list[list[list[str]]] = []
    rows: list[list[str]] = []
    for line in [*section.splitlines(), ""]:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
        elif rows:
            tables.append([row for row in rows[1:] if not set(row[0]) <= set("-|: ")])
            rows = []
    return tables


def _section(heading: str) -> str:
    return PAGE.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_each_family_has_its_row_with_its_source() -> None:
    (families,) = _tables(_section("The families of cases"))
    assert {row[0]: row[-1] for row in families} == FAMILY_BASIS


def test_each_check_has_its_rule_and_source() -> None:
    """The bundled contract's table is the registry; the OpenRPC table holds each rule a plain
    document's run judges otherwise, and the three rules only a document's run has."""
    bundled, document = _tables(_section("The checks"))
    registry = {f"`{name}`": [rule.doc, rule.basis] for name, rule in CHECKS.items()}
    assert {row[0]: row[1:] for row in bundled} == registry
    (method,) = parse(_PLAIN_DOCUMENT, "plain.json").methods
    own = {
        f"`{name}`": [rule.doc, rule.basis]
        for name, rule in checks_for(method).items()
        if CHECKS.get(name) != rule
    }
    assert {f"`{name}`" for name in DOCUMENT_RULES} <= set(own)
    assert {row[0]: row[1:] for row in document} == own


def test_the_page_names_each_rule_the_way_the_registry_does() -> None:
    """The tables read cells the way Markdown writes them: no rule holds a ``|``."""
    assert not any("|" in rule.doc + rule.basis for rule in CHECKS.values())
    assert re.search(r"^\| check \| rule \| source \|$", PAGE, re.MULTILINE)
