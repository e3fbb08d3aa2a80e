"""The npm packages of ``tools/openrpc`` (``make openrpc-tools``), read offline: the official
OpenRPC meta-schema, the JSON Schema meta-schema it refers to, the example documents."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "openrpc"
NODE_MODULES = TOOLS / "node_modules"

#: The ``$id`` the OpenRPC meta-schema refers to for JSON Schemas.
JSON_SCHEMA_META_ID = "https://meta.json-schema.tools"


def require_tools() -> Path:
    """``node_modules`` of the tools folder; fails (never skips) with what to run."""
    assert (NODE_MODULES / "@open-rpc" / "meta-schema").is_dir(), (
        f"{NODE_MODULES} lacks the OpenRPC packages: run `make openrpc-tools`"
    )
    return NODE_MODULES


@functools.cache
def openrpc_meta_schema() -> dict[str, Any]:
    """``@open-rpc/meta-schema``'s ``openrpcDocument``: the package ships it as a JavaScript
    object only, so node prints it as JSON (nothing is copied by hand)."""
    require_tools()
    node = shutil.which("node")
    assert node, "node is required: the meta-schema is a JavaScript module"
    script = (
        "process.stdout.write(JSON.stringify(require('@open-rpc/meta-schema').openrpcDocument))"
    )
    done = subprocess.run(
        [node, "-e", script], cwd=TOOLS, check=True, capture_output=True, text=True, timeout=60
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@functools.cache
def json_schema_meta_schema() -> dict[str, Any]:
    """``@json-schema-tools/meta-schema``'s ``schema.json``: ``https://meta.json-schema.tools``."""
    path = require_tools() / "@json-schema-tools" / "meta-schema" / "schema.json"
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def meta_validator() -> Any:
    """A python-jsonschema validator of OpenRPC documents, its references resolved offline
    with ``referencing`` (a retrieval of any other URI fails)."""
    from jsonschema import Draft7Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT7

    tools_meta = DRAFT7.create_resource(json_schema_meta_schema())
    openrpc = DRAFT7.create_resource(openrpc_meta_schema())

    def refuse(uri: str) -> Any:
        raise LookupError(f"{uri} is not in the tools folder; nothing is fetched")

    # referencing declares the field `_retrieve` with the alias `retrieve`, which mypy misses
    registry: Registry[Any] = Registry(retrieve=refuse).with_resources(  # type: ignore[call-arg]
        [
            (JSON_SCHEMA_META_ID, tools_meta),
            (JSON_SCHEMA_META_ID + "/", tools_meta),
            ("https://meta.open-rpc.org/", openrpc),
        ]
    )
    return Draft7Validator(openrpc_meta_schema(), registry=registry)


#: Every service description of ``@open-rpc/examples`` 1.7.2 (it has no ``metrics`` document;
#: ``petstore-expanded`` is its sixth).
EXAMPLE_NAMES = (
    "petstore",
    "petstore-expanded",
    "params-by-name-petstore",
    "simple-math",
    "api-with-examples",
    "link-example",
)


def example_document(name: str) -> Path:
    """The path of one ``@open-rpc/examples`` service description."""
    folder = require_tools() / "@open-rpc" / "examples" / "build" / "service-descriptions"
    return folder / f"{name}-openrpc.json"
