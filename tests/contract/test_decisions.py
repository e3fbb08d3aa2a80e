"""The kit's decisions are data: the schemas' ``x-decisions`` annotations. The docs' table of
them, and the report's list of what was sent and not judged, are read from that data; this
test keeps the docs' table equal to it, row for row (a decision added to a schema and not to
the docs fails here, and the reverse). So for the contested inputs every report lists as never
judged (``conformance.generation.zones.CONTESTED``) and the docs' list of them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conformance.contract import REVISIONS
from conformance.generation.decisions import DECISIONS_KEYWORD
from conformance.generation.schema_tree import tree
from conformance.generation.zones import CONTESTED

DOCS = Path(__file__).resolve().parents[2] / "docs" / "contract.md"


def decision_rows() -> dict[tuple[str, str], str]:
    """``(member, key) -> reason`` of every decision in the request schemas of both
    revisions and roles, and in the success replies'."""
    found: dict[tuple[str, str], str] = {}

    def walk(node: dict[str, Any], path: list[str]) -> None:
        for key, why in (node.get(DECISIONS_KEYWORD) or {}).items():
            text = why if isinstance(why, str) else why["why"]
            found[(".".join(path), key)] = text
        for name, child in (node.get("properties") or {}).items():
            walk(child, [*path, name])

    for revision in REVISIONS:
        for role in ("customer", "agent"):
            walk(tree("request", role, revision), [])
        walk(tree("reply.success", "customer", revision), [])
    return found


def docs_rows() -> dict[tuple[str, str], str]:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("### The kit's decisions", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \| (.+) \|$", section, flags=re.MULTILINE)
    return {(member, key): why for member, key, why in rows}


def test_the_docs_table_of_decisions_is_the_schemas() -> None:
    data = decision_rows()
    assert len(data) >= 20
    assert docs_rows() == data


def test_every_decision_names_a_keyword_its_schema_has() -> None:
    """A decision on a keyword the schema does not use would decide nothing."""

    def walk(node: dict[str, Any], where: str) -> None:
        for key in node.get(DECISIONS_KEYWORD) or {}:
            keyword = key.split("/")[0]
            assert keyword in node, (
                f"{where}: x-decisions names {key!r}, the schema has no {keyword}"
            )
        for name, child in (node.get("properties") or {}).items():
            walk(child, f"{where}.{name}")

    for revision in REVISIONS:
        walk(tree("request", "customer", revision), "request")
        walk(tree("reply.success", "customer", revision), "reply")


def docs_never_judged() -> list[tuple[str, str]]:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("### Never judged", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| (.+?) \| (.+) \|$", section, flags=re.MULTILINE)
    return [
        (what.replace("\\|", "|"), why.replace("\\|", "|"))
        for what, why in rows
        if (what, why) != ("what", "why") and not what.startswith("---")
    ]


def test_the_docs_list_of_what_is_never_judged_is_the_reports() -> None:
    """The contested inputs every report lists (and the JSON report gives with the reason):
    the docs' table holds each, in order, with its reason, and nothing else."""
    assert docs_never_judged() == list(CONTESTED)
