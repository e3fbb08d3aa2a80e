"""The schema documents of ``schemas/``, loaded from files, never from the network.

The contract has two revisions (``REVISIONS``): ``seed``, the method page this kit was asked
for (the default, in ``schemas/``), and ``current``, the vendor's live page (in
``schemas/current/``). Both reference ``schemas/shared.schema.json`` for what they define
alike. Each schema is named by its ``(kind, role, revision)``; ``schema()`` returns a copy of
it, ``registry()`` returns a ``referencing.Registry`` of one revision's documents (and the
shared ones) for use with python-jsonschema.
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
#: The contract's revisions: the seed's method page (the default) and the vendor's current one.
REVISIONS = ("seed", "current")
DEFAULT_REVISION = "seed"
#: Each revision's folder under ``schemas/`` (and under ``BASE_URI``).
REVISION_FOLDERS = {"seed": "", "current": "current/"}
#: The document both revisions reference for what they define alike.
SHARED_URI = BASE_URI + "shared.schema.json"
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
    folder = schema_dir()
    paths = [
        path for name in REVISION_FOLDERS.values() for path in folder.glob(f"{name}*.schema.json")
    ]
    for path in sorted(paths):
        document = json.loads(path.read_text(encoding="utf-8"))
        documents[document["$id"]] = document
    if not documents:
        raise FileNotFoundError(f"no *.schema.json files in {schema_dir()}")
    return documents


def check_kind(kind: str, role: str = "customer", revision: str = DEFAULT_REVISION) -> None:
    """Raise ``ArgumentError`` naming the argument unless ``kind``, ``role`` and ``revision``
    are known."""
    for name, value, known in (
        ("kind", kind, KINDS),
        ("role", role, ROLES),
        ("revision", revision, REVISIONS),
    ):
        if value not in known:
            import difflib  # here, not at the top: only a misspelt argument needs it

            hint = difflib.get_close_matches(str(value), known, n=1)
            also = f" You may have intended {hint[0]!r}." if hint else ""
            raise ArgumentError(
                f"{name}={value!r} is not a known {name}; expected one of "
                f"{', '.join(map(repr, known))}.{also}"
            )


def check_revision(revision: str) -> str:
    """``revision``, if it is known; else ``ArgumentError`` naming the known ones."""
    check_kind("request", "customer", revision)
    return revision


def schema_uri(
    kind: str = "request", role: str = "customer", revision: str = DEFAULT_REVISION
) -> str:
    """The ``$id`` of the schema for ``kind`` (and ``role``, for requests and params) in
    ``revision``."""
    check_kind(kind, role, revision)
    suffix = ".agent" if role == "agent" and kind in ROLE_KINDS else ""
    return f"{BASE_URI}{REVISION_FOLDERS[revision]}{kind}{suffix}.schema.json"


def schema(
    kind: str = "request", role: str = "customer", revision: str = DEFAULT_REVISION
) -> dict[str, Any]:
    """A copy of the schema document for ``kind`` and ``role`` in ``revision``."""
    return copy.deepcopy(load_schemas()[schema_uri(kind, role, revision)])


def revision_documents(revision: str = DEFAULT_REVISION) -> dict[str, dict[str, Any]]:
    """The documents of ``revision``, and the shared ones they reference, by ``$id``."""
    folder = BASE_URI + REVISION_FOLDERS[check_revision(revision)]
    return {
        uri: document
        for uri, document in load_schemas().items()
        if uri == SHARED_URI or uri.rpartition("/")[0] + "/" == folder
    }


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


def registry(revision: str = DEFAULT_REVISION) -> referencing.Registry[Any]:
    """A ``referencing.Registry`` holding every schema of ``revision`` (and the shared
    definitions), for python-jsonschema validators."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    return Registry().with_resources(
        (uri, Resource.from_contents(document, default_specification=DRAFT202012))
        for uri, document in revision_documents(revision).items()
    )
