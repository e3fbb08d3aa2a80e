"""Assemble the Ethereum execution API's OpenRPC document from its YAML sources.

ethereum/execution-apis keeps its specification as YAML (``src/``: methods, schemas, error
groups) and builds ``refs-openrpc.json`` with a Go tool of its own (``tools/cmd/specgen``,
``make build``). This script does what that build does for the document with references kept
(no ``-deref``), so that the kit's test data is made by a script in this repository:

- the base document (openrpc 1.4.1, the info block of ``tools/internal/specgen/base-doc.json``);
- every schema file's top-level entries into ``components.schemas`` (a name used twice is
  an error);
- every method file's methods, sorted by name (a name used twice is an error);
- each method's ``error-groups`` references (``#/components/error-groups/NAME``) replaced by
  that group's errors, after the method's own errors, a group error whose code the method
  already lists left out (the build's rule).

YAML is read as YAML 1.2 reads it (the Go build's reader): only ``true`` and ``false`` are
booleans, so ``yes``/``no``/``on``/``off`` stay strings.

Usage: ``python assemble_ethereum.py CHECKOUT OUTPUT`` (CHECKOUT: a checkout of
ethereum/execution-apis; the folders read are the ones its Makefile names).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

SCHEMAS = ("src/schemas", "src/engine/openrpc/schemas")
METHODS = ("src/eth", "src/debug", "src/txpool", "src/engine/openrpc/methods", "src/testing")
ERROR_GROUPS = ("src/error-groups",)
GROUP_PREFIX = "#/components/error-groups/"

BASE: dict[str, Any] = {
    "openrpc": "1.4.1",
    "info": {
        "title": "Ethereum JSON-RPC Specification",
        "description": "A specification of the standard interface for Ethereum clients.",
        "license": {
            "name": "CC0-1.0",
            "url": "https://creativecommons.org/publicdomain/zero/1.0/legalcode",
        },
        "version": "0.0.0",
    },
}


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader whose booleans are YAML 1.2's (``true``/``false`` only)."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _files(checkout: Path, folders: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for folder in folders:
        found += sorted((checkout / folder).rglob("*.yaml"))
    return found


def _read(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Yaml12Loader)


def assemble(checkout: Path) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for path in _files(checkout, SCHEMAS):
        for name, schema in (_read(path) or {}).items():
            if name in schemas:
                raise SystemExit(f"{path}: schema {name} defined twice")
            schemas[name] = schema
    groups: dict[str, Any] = {}
    for path in _files(checkout, ERROR_GROUPS):
        for name, group in (_read(path) or {}).items():
            if name in groups:
                raise SystemExit(f"{path}: error group {name} defined twice")
            groups[name] = group
    methods: dict[str, Any] = {}
    for path in _files(checkout, METHODS):
        for method in _read(path) or []:
            name = method["name"]
            if name in methods:
                raise SystemExit(f"{path}: method {name} defined twice")
            methods[name] = method
    for method in methods.values():
        references = method.pop("error-groups", None)
        if references is None:
            continue
        errors = list(method.get("errors") or [])
        own = {error.get("code") for error in errors if isinstance(error, dict)}
        for reference in references:
            group = groups[reference["$ref"].removeprefix(GROUP_PREFIX)]
            for error in group.get("errors") or []:
                if error["code"] in own:
                    continue
                entry = {"code": error["code"], "message": error["message"]}
                if error.get("data") is not None:
                    entry["data"] = error["data"]
                errors.append(entry)
        method["errors"] = errors
    return {
        **BASE,
        "methods": [methods[name] for name in sorted(methods)],
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    document = assemble(Path(argv[0]))
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    Path(argv[1]).write_text(text, encoding="utf-8")
    print(
        f"{argv[1]}: {len(document['methods'])} methods, "
        f"{len(document['components']['schemas'])} schemas"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
