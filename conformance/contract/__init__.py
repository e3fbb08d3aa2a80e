"""The contract: the JSON Schemas of ``schemas/``, named by kind and role, loaded from files.

This package is the only place that reads the schema files; everything else (the validator,
the runner's generation, the reference server) asks it for documents, URIs or the registry.
"""

from conformance.contract.documents import (
    BASE_URI,
    KINDS,
    ROLE_KINDS,
    ROLES,
    check_kind,
    load_schemas,
    parts,
    registry,
    relative,
    resolve,
    schema,
    schema_dir,
    schema_uri,
)

__all__ = [
    "BASE_URI",
    "KINDS",
    "ROLES",
    "ROLE_KINDS",
    "check_kind",
    "load_schemas",
    "parts",
    "registry",
    "relative",
    "resolve",
    "schema",
    "schema_dir",
    "schema_uri",
]
