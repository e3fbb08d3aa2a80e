"""python-jsonschema as an independent oracle: which rules a payload breaks, and where.

The kit validates with jsonschema-rs and labels its own cases; a test that checks those labels
with the same engine and the same labelling proves nothing. These helpers ask
python-jsonschema (fed by ``conformance.registry()``) and locate each violation the way the
kit's ``Violation.path`` does: a missing or an unexpected member at the member itself.
"""

from __future__ import annotations

from typing import Any

import jsonschema

import conformance

Place = tuple[tuple[Any, ...], str]


def oracle(
    kind: str, role: str = "customer", revision: str = "seed"
) -> jsonschema.Draft202012Validator:
    """python-jsonschema's validator for ``kind`` and ``role`` in ``revision``, offline,
    checking the formats as the kit defines them (``conformance.format_checker()``)."""
    return jsonschema.Draft202012Validator(
        conformance.schema(kind, role, revision),
        registry=conformance.registry(revision),
        format_checker=conformance.format_checker(),
    )


def _branch(payload: Any, kind: str) -> str:
    # "any reply" is a oneOf whose failure says only that no branch matched; a reply holding
    # exactly one of result and error can mean one branch only (the README's rule), so it is
    # checked against that branch's file
    if kind == "reply" and isinstance(payload, dict):
        has = ("result" in payload, "error" in payload)
        if has == (True, False):
            return "reply.success"
        if has == (False, True):
            return "reply.error"
    return kind


def oracle_places(
    payload: Any, kind: str, role: str = "customer", revision: str = "seed"
) -> set[Place]:
    """Every (path, keyword) python-jsonschema finds broken in ``payload``."""
    places: set[Place] = set()
    for error in oracle(_branch(payload, kind), role, revision).iter_errors(payload):
        path = tuple(error.absolute_path)
        if error.validator == "required":
            for name in error.validator_value:
                if name not in error.instance:
                    places.add(((*path, name), "required"))
        elif error.validator == "additionalProperties":
            declared = error.schema.get("properties", {})
            for name in error.instance:
                if name not in declared:
                    places.add(((*path, name), "additionalProperties"))
        else:
            places.add((path, str(error.validator)))
    return places


def dotted(path: tuple[Any, ...]) -> str:
    """``("params", "widget_link", "url")`` as ``params.widget_link.url``."""
    return ".".join(map(str, path))


def oracle_rules(
    payload: Any, kind: str, role: str = "customer", revision: str = "seed"
) -> set[tuple[str, str]]:
    """Every rule python-jsonschema finds broken, named from its place in the *schema*.

    (field, keyword), where the field is read from the names after each ``properties`` in the
    error's schema path (plus the member, for ``required`` and ``additionalProperties``):
    which rule of the schema failed, independently of where in the payload it was seen.
    """
    rules = set()
    for error in oracle(_branch(payload, kind), role, revision).iter_errors(payload):
        steps = list(error.relative_schema_path)
        names = [str(steps[i + 1]) for i, step in enumerate(steps[:-1]) if step == "properties"]
        keyword = str(steps[-1])
        if keyword == "required":
            members = [n for n in error.validator_value if n not in error.instance]
        elif keyword == "additionalProperties":
            members = [n for n in error.instance if n not in error.schema.get("properties", {})]
        else:
            members = [None]
        for member in members:
            rules.add((".".join(names if member is None else [*names, member]), keyword))
    return rules
