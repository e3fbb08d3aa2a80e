"""The contract: the JSON Schemas of ``schemas/``, named by kind and role, loaded from files.

This package is the only place that reads the schema files; everything else (the validator,
the runner's generation, the reference server) asks it for documents, URIs or the registry.
"""

from conformance.contract.documents import (
    BASE_URI,
    DEFAULT_REVISION,
    KINDS,
    REVISIONS,
    ROLE_KINDS,
    ROLES,
    check_kind,
    check_revision,
    load_schemas,
    parts,
    registry,
    relative,
    resolve,
    revision_documents,
    schema,
    schema_dir,
    schema_uri,
)

__all__ = [
    "BASE_URI",
    "DEFAULT_REVISION",
    "KINDS",
    "REVISIONS",
    "ROLES",
    "ROLE_KINDS",
    "check_kind",
    "check_revision",
    "load_schemas",
    "parts",
    "registry",
    "relative",
    "resolve",
    "revision_documents",
    "schema",
    "schema_dir",
    "schema_uri",
]
