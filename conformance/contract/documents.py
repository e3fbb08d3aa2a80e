"""The schema documents of ``schemas/``, loaded from files, never from the network.

Each schema is named by its ``(kind, role)``; ``schema()`` returns a copy of it, ``registry()``
returns a ``referencing.Registry`` of all of them for use with python-jsonschema.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from conformance.errors import ArgumentError

if TYPE_CHECKING:
    import referencing

BASE_URI = "https://create-sites.conformance.example/schemas/"
KINDS = ("request", "params", "reply", "reply.success", "reply.error")
ROLES = ("customer", "agent")
#: the kinds whose schema depends on the caller's role
ROLE_KINDS = ("request", "params")


def schema_dir() -> Path:
    """The folder that holds the schema files: inside the installed package, else the checkout."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "schemas"
    if packaged.is_dir():
        return packaged
    return package.parent / "schemas"


@functools.cache
def load_schemas() -> dict[str, dict[str, Any]]:
    """Every schema document, by its ``$id``."""
    documents: dict[str, dict[str, Any]] = {}
    for path in sorted(schema_dir().glob("*.schema.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        documents[document["$id"]] = document
    if not documents:
        raise FileNotFoundError(f"no *.schema.json files in {schema_dir()}")
    return documents


def check_kind(kind: str, role: str = "customer") -> None:
    """Raise ``ArgumentError`` naming the argument unless ``kind`` and ``role`` are known."""
    for name, value, known in (("kind", kind, KINDS), ("role", role, ROLES)):
        if value not in known:
            import difflib  # here, not at the top: only a misspelt argument needs it

            hint = difflib.get_close_matches(str(value), known, n=1)
            also = f" You may have intended {hint[0]!r}." if hint else ""
            raise ArgumentError(
                f"{name}={value!r} is not a known {name}; expected one of "
                f"{', '.join(map(repr, known))}.{also}"
            )


def schema_uri(kind: str = "request", role: str = "customer") -> str:
    """The ``$id`` of the schema for ``kind`` (and ``role``, for requests and params)."""
    check_kind(kind, role)
    suffix = ".agent" if role == "agent" and kind in ROLE_KINDS else ""
    return f"{BASE_URI}{kind}{suffix}.schema.json"


def schema(kind: str = "request", role: str = "customer") -> dict[str, Any]:
    """A copy of the schema document for ``kind`` and ``role``."""
    return copy.deepcopy(load_schemas()[schema_uri(kind, role)])


def resolve(uri: str) -> Any:
    """The part of a schema that an absolute URI with a JSON-pointer fragment names."""
    base, _, fragment = uri.partition("#")
    node: Any = load_schemas()[base]
    for token in filter(None, fragment.split("/")):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def parts(node: Any, base: str) -> Iterator[tuple[Mapping[str, Any], str]]:
    """``node`` and every schema it pulls in by ``$ref`` and ``allOf``, each with its base URI
    (the URI its own relative ``$ref``s resolve against)."""
    if not isinstance(node, Mapping):
        return
    yield node, base
    if "$ref" in node:
        target = urljoin(base, node["$ref"])
        yield from parts(resolve(target), target.partition("#")[0])
    for branch in node.get("allOf", ()):
        yield from parts(branch, base)


def relative(uri: str) -> str:
    """``uri`` shortened to the schema file's name: ``params.schema.json#/properties/...``."""
    return uri.removeprefix(BASE_URI)


def registry() -> referencing.Registry[Any]:
    """A ``referencing.Registry`` holding every schema, for python-jsonschema validators."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    return Registry().with_resources(
        (uri, Resource.from_contents(document, default_specification=DRAFT202012))
        for uri, document in load_schemas().items()
    )
