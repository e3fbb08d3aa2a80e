"""The HAR 1.2 JSON Schemas of the npm package har-schema (tools/har, ``make har-tools``), what
har-validator and the tools built on it validate HAR files with, as a python-jsonschema
validator; and the checks of the HAR 1.2 specification those schemas leave out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT6

SCHEMAS = (
    Path(__file__).resolve().parents[2] / "tools" / "har" / "node_modules" / "har-schema" / "lib"
)


def har_validator() -> Draft6Validator:
    """A validator of whole HAR documents (``har.json``), its ``$ref``s to the package's other
    files resolved; fails (never skips) with what to run when the package is missing."""
    assert SCHEMAS.is_dir(), "run `make har-tools` (the npm package har-schema)"
    schemas = {path.name: json.loads(path.read_text()) for path in SCHEMAS.glob("*.json")}
    registry: Registry[Any] = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT6))
        for name, schema in schemas.items()
    )
    return Draft6Validator(schemas["har.json"], registry=registry, format_checker=FormatChecker())


def spec_violations(document: dict[str, Any]) -> list[str]:
    """What the HAR 1.2 specification asks and har-schema does not check: its timings' bounds
    are written with ``min``, which is no JSON Schema keyword (so unchecked), and its objects
    allow any member, where the specification wants custom ones to start with ``_``."""
    found: list[str] = []
    known = {
        "request": {"method", "url", "httpVersion", "cookies", "headers", "queryString",
                    "postData", "headersSize", "bodySize", "comment"},
        "response": {"status", "statusText", "httpVersion", "cookies", "headers", "content",
                     "redirectURL", "headersSize", "bodySize", "comment"},
        "postData": {"mimeType", "params", "text", "comment"},
        "content": {"size", "compression", "mimeType", "text", "encoding", "comment"},
    }  # fmt: skip
    for index, entry in enumerate(document["log"]["entries"]):
        where = f"entries[{index}]"
        if entry["time"] < 0:
            found.append(f"{where}.time < 0")
        for name in ("send", "wait", "receive"):
            if entry["timings"][name] < 0:
                found.append(f"{where}.timings.{name} < 0 (only the optional ones may be -1)")
        parts = {
            "request": entry["request"],
            "response": entry["response"],
            "postData": entry["request"].get("postData", {}),
            "content": entry["response"]["content"],
        }
        for part, node in parts.items():
            for member in set(node) - known[part]:
                if not member.startswith("_"):
                    found.append(f"{where} {part}.{member}: a custom member must start with _")
    return found
