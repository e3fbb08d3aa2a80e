"""The schema files themselves: valid 2020-12 schemas, resolvable offline, and patterns that
mean the same in Python's ``re`` and in ECMA-262."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
import referencing.exceptions

import conformance
from conformance import contract

DOCUMENTS = contract.load_schemas()


def _patterns() -> Iterator[tuple[str, dict[str, Any]]]:
    def walk(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                yield where, node
            for key, child in node.items():
                if key == "x-decisions":  # an annotation: its keys name keywords, not schemas
                    continue
                yield from walk(child, f"{where}/{key}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                yield from walk(child, f"{where}/{index}")

    for uri, document in DOCUMENTS.items():
        yield from walk(document, contract.relative(uri) + "#")


PATTERNS = list(_patterns())


@pytest.mark.parametrize("uri", sorted(DOCUMENTS))
def test_schema_is_valid_under_the_2020_12_metaschema(uri: str) -> None:
    """Each schema file validates against the draft 2020-12 metaschema."""
    document = DOCUMENTS[uri]
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(document)
    assert jsonschema_rs.meta.is_valid(document)


def test_every_schema_file_has_its_own_id() -> None:
    """Each file is named by its $id, so that relative $refs resolve between the files."""
    for uri in DOCUMENTS:
        assert uri.startswith(contract.BASE_URI)
        assert (contract.schema_dir() / contract.relative(uri)).is_file()


def _references() -> Iterator[tuple[str, str]]:
    """(the document's $id, the $ref) for every $ref in the schema files."""

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for child in node.values():
                yield from walk(child)
        elif isinstance(node, list):
            for child in node:
                yield from walk(child)

    for uri, document in DOCUMENTS.items():
        for reference in walk(document):
            yield uri, reference


def test_registry_resolves_every_reference_offline() -> None:
    """Every $ref of every file resolves in the registry, to a schema object; one outside the
    contract is refused, not fetched (the registry has no network retrieval)."""
    references = list(_references())
    assert len(references) >= 5
    for uri, reference in references:
        revision = "current" if contract.relative(uri).startswith("current/") else "seed"
        registry = conformance.registry(revision)
        resolved = registry.resolver(base_uri=uri).lookup(reference).contents
        assert isinstance(resolved, dict) and resolved, (uri, reference)
    with pytest.raises(referencing.exceptions.Unresolvable):
        registry.resolver().lookup("https://json-schema.org/draft/2020-12/schema#/$defs/x")
    # one revision's registry holds none of the other's documents
    with pytest.raises(referencing.exceptions.Unresolvable):
        conformance.registry("seed").resolver().lookup(contract.schema_uri(revision="current"))


SUCCESS_WITH_BAD_ID = {"jsonrpc": "2.0", "id": [], "result": {"id": 1, "success": True}}

#: (kind, role, payload, where a violation must be found): each place is defined only in a
#: file the kind's own document reaches by $ref
THROUGH_REFERENCES = [
    ("request", "customer", {"params": {"widget_link": {}}}, ("params", "widget_link")),
    ("request", "agent", {"params": {"user_id": "1"}}, ("params", "user_id")),
    ("params", "agent", {"widget_link": {}}, ("widget_link",)),
    ("reply", "customer", SUCCESS_WITH_BAD_ID, ("id",)),
    ("reply.success", "customer", SUCCESS_WITH_BAD_ID, ("id",)),
]


def _places(errors: Iterable[jsonschema.ValidationError]) -> Iterator[tuple[Any, ...]]:
    for error in errors:
        yield tuple(error.absolute_path)
        yield from _places(error.context or ())


@pytest.mark.parametrize(("kind", "role", "payload", "place"), THROUGH_REFERENCES)
def test_python_jsonschema_checks_through_the_references(
    kind: str, role: str, payload: Any, place: tuple[str, ...]
) -> None:
    """python-jsonschema, given the registry, finds a violation of a rule that only a
    referenced file states."""
    validator = jsonschema.Draft202012Validator(
        conformance.schema(kind, role), registry=conformance.registry()
    )
    assert place in set(_places(validator.iter_errors(payload)))


def test_schema_returns_a_copy() -> None:
    """Changing the returned schema does not change the contract."""
    conformance.schema("params")["properties"].clear()
    assert conformance.schema("params")["properties"]


@pytest.mark.parametrize(("where", "node"), PATTERNS, ids=[where for where, _ in PATTERNS])
def test_pattern_spells_its_classes_out(where: str, node: dict[str, Any]) -> None:
    """No \\d, \\w, \\s or . (their meaning differs between engines), and a true end anchor."""
    pattern = node["pattern"]
    assert not re.search(r"\\[dDwWsSbB]", pattern), where
    assert not re.search(r"(?<!\\)\.(?![^\[]*\])", pattern.replace("\\\\", "")), where
    assert pattern.startswith("^") and pattern.endswith("$(?!\\n)"), where
    assert node.get("examples"), f"{where}: give examples, so the tests can try the pattern"


@pytest.mark.parametrize(("where", "node"), PATTERNS, ids=[where for where, _ in PATTERNS])
def test_trailing_newline_is_invalid_for_every_pattern(where: str, node: dict[str, Any]) -> None:
    """A valid value followed by a newline fails the pattern in every engine."""
    python = jsonschema.Draft202012Validator(node)
    rust = jsonschema_rs.validator_for(node)
    for example in node["examples"]:
        assert python.is_valid(example) and rust.is_valid(example), example
        assert re.search(node["pattern"], example)
        for broken in (example + "\n", example + "\r\n", "\n" + example):
            assert not python.is_valid(broken), (where, broken)
            assert not rust.is_valid(broken), (where, broken)
            assert not re.search(node["pattern"], broken), (where, broken)


def _probe_strings(node: dict[str, Any]) -> list[str]:
    """Strings near the pattern's examples, where engines are known to part ways."""
    probes = []
    for example in node["examples"]:
        probes += [example, example + "\n", example + "\u2028", "\u2028" + example]
        probes += [example + " ", example.replace(".", "\n.", 1), example + "\U0001f600"]
        probes += [example + "\u3000", example + "\ufeff", example + "\u00a0", "\U0001f600"]
        probes += [example[:1] + "\U0001f600" + example[1:], example.upper(), example + "x"]
    return probes


def test_patterns_mean_the_same_in_python_and_ecma_262() -> None:
    """Python's re and node's RegExp, with and without the u flag, agree on every probe.

    Without node this fails rather than skips, everywhere: a skip would let the README's claim
    go unproven in any run that lacks node, CI included. ``.ci/run`` installs it.
    """
    if shutil.which("node") is None:
        pytest.fail(
            "node (Node.js, for ECMA-262 RegExp) is not on PATH: this test proves the schemas' "
            "patterns mean the same in ajv and other JavaScript validators. Install it "
            "(`apt-get install nodejs`; .ci/run does so)"
        )
    cases = [{"pattern": node["pattern"], "probes": _probe_strings(node)} for _, node in PATTERNS]
    script = (
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(cases.map(c => c.probes.map(p => "
        "[new RegExp(c.pattern, 'u').test(p), new RegExp(c.pattern).test(p)]))));"
    )
    result = subprocess.run(
        ["node", "-e", script],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    ecma = json.loads(result.stdout)
    for case, answers in zip(cases, ecma, strict=True):
        for probe, (unicode_mode, legacy_mode) in zip(case["probes"], answers, strict=True):
            python = re.search(case["pattern"], probe) is not None
            assert python == unicode_mode == legacy_mode, (case["pattern"][:40], probe)
