"""A team that validates with the published schemas and a standard validator gets the kit's
verdict on every must-accept and must-reject value of the zones (docs/other-languages.md).

Each value goes into a whole request of each revision (``domain_name``, or ``widget_link.url``),
validated against that revision's ``request.schema.json`` through python-jsonschema with its
standard ``FORMAT_CHECKER`` (the ``jsonschema[format]`` extras) and no code of the kit, and
through ajv 8 with ajv-formats as docs/other-languages.md sets it up (ajv-formats-draft2019's
``idn-hostname`` and the documented WHATWG ``iri``; and the plugin's own ``iri``). Every
verdict must be the kit's (``conformance.is_valid``). Contested values are left out: there the
checkers disagree, and so may a team's validator and the kit (docs/contract.md's table)."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, seed, settings
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

import conformance
from conformance.contract import REVISIONS
from conformance.generation.strategies import domain_names, http_urls
from conformance.generation.zones import FORMAT_ZONES

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
AJV_TOOLS = ROOT / "tools" / "ajv"
CASES = ROOT / "tests" / "cases"
BASES = {
    "seed": CASES / "valid" / "request__full.json",
    "current": CASES / "current" / "valid" / "request__typical.json",
}
REQUEST_IDS = {
    "seed": "https://create-sites.conformance.example/schemas/request.schema.json",
    "current": "https://create-sites.conformance.example/schemas/current/request.schema.json",
}


def _decided(fmt: str) -> set[str]:
    """The invalid variants of ``fmt`` the published schemas mark as the kit's decision
    (``format/...`` keys of ``x-decisions`` beside that format): contested, left out here."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("format") == fmt:
                keys = node.get("x-decisions") or {}
                found.update(k.removeprefix("format/") for k in keys if k.startswith("format/"))
            for child in node.values():
                walk(child)

    walk(json.loads((SCHEMAS / "shared.schema.json").read_text(encoding="utf-8")))
    assert found, f"no decision beside {fmt}: the schemas moved"
    return found


def _values() -> list[tuple[str, str, str]]:
    """``(format, what, value)`` of every must-accept and must-reject value: the zones'
    boundary values, their invalid values but the kit's decisions, and 100 drawn valid names
    and URLs."""
    found = []
    for fmt, zones in FORMAT_ZONES.items():
        decided = _decided(fmt)
        found += [(fmt, f"boundary {variant}", value) for variant, value in zones.boundary]
        found += [
            (fmt, f"invalid {variant}", value)
            for variant, value in zones.invalid
            if variant not in decided
        ]
    for fmt, strategy in (("idn-hostname", domain_names()), ("iri", http_urls())):
        drawn: list[str] = []

        @seed(0)
        @settings(parent=settings.get_profile("generation"), max_examples=100)
        @given(strategy)
        def draw(value: str) -> None:
            drawn.append(value)  # noqa: B023 (called at once, in this iteration)

        draw()
        found += [(fmt, "drawn", value) for value in dict.fromkeys(drawn)]
    return found


def _requests(revision: str, values: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    base = json.loads(BASES[revision].read_text(encoding="utf-8"))
    requests = []
    for fmt, _, value in values:
        request = copy.deepcopy(base)
        if fmt == "idn-hostname":
            request["params"]["domain_name"] = value
        else:
            request["params"]["widget_link"] = {"enabled": True, "text": "Contact", "url": value}
        requests.append(request)
    return requests


def _disagreements(said: dict[str, list[bool]], values: list[tuple[str, str, str]]) -> list[str]:
    wrong = []
    for revision, verdicts in said.items():
        for (fmt, what, value), request, verdict in zip(
            values, _requests(revision, values), verdicts, strict=True
        ):
            kit = conformance.is_valid(request, revision=revision)
            if verdict != kit:
                wrong.append(f"{revision} {fmt} {what} {value!r}: {verdict}, the kit {kit}")
    return wrong


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_python_jsonschema_with_the_standard_format_checker_gives_the_kits_verdicts() -> None:
    values = _values()
    resources = []
    for path in sorted([*SCHEMAS.glob("*.schema.json"), *SCHEMAS.glob("current/*.schema.json")]):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    registry: Registry[Any] = Registry().with_resources(resources)
    said = {}
    for revision in REVISIONS:
        validator = Draft202012Validator(
            registry.contents(REQUEST_IDS[revision]),
            registry=registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        said[revision] = [validator.is_valid(r) for r in _requests(revision, values)]
    assert _disagreements(said, values) == []
    # both verdicts are there, in both formats
    assert {(fmt, ok) for (fmt, _, _), ok in zip(values, said["seed"], strict=True)} == {
        (fmt, ok) for fmt in FORMAT_ZONES for ok in (True, False)
    }


@pytest.mark.slow
def test_ajv_with_the_documented_formats_gives_the_kits_verdicts() -> None:
    node = shutil.which("node")
    assert node, "node is required"
    assert (AJV_TOOLS / "node_modules" / "ajv").is_dir(), "run `make ajv-tools`"
    values = _values()
    requests = {revision: _requests(revision, values) for revision in REVISIONS}
    done = subprocess.run(
        [node, str(Path(__file__).with_name("ajv_verdicts.js"))],
        input=json.dumps({"schemas": str(SCHEMAS), "requests": requests}),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=True,
    )
    by_setup = json.loads(done.stdout)
    assert len(by_setup) == 2
    for setup, said in by_setup.items():
        assert _disagreements(said, values) == [], setup
