"""What ajv and python-jsonschema need to compile the published schemas and check their formats,
measured on every schema file of both revisions: docs/other-languages.md says the same.

ajv comes from tools/ajv (``make ajv-tools``: ajv 8, ajv-formats, ajv-formats-draft2019)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
AJV_TOOLS = ROOT / "tools" / "ajv"
FILES = sorted([*SCHEMAS.glob("*.schema.json"), *SCHEMAS.glob("current/*.schema.json")])


def _ajv_setups() -> dict[str, dict[str, Any]]:
    assert (AJV_TOOLS / "node_modules" / "ajv").is_dir(), "run `make ajv-tools`"
    node = shutil.which("node")
    assert node, "node is required"
    done = subprocess.run(
        [node, str(Path(__file__).with_name("ajv_compile.js")), str(SCHEMAS), str(AJV_TOOLS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    setups = {line["setup"]: line for line in lines if "setup" in line}
    setups["formats"] = next(line for line in lines if "plugin_iri" in line)
    return setups


@pytest.mark.slow
def test_what_ajv_needs_to_compile_the_schemas() -> None:
    setups = _ajv_setups()
    assert setups["bare"]["error"] == 'strict mode: unknown keyword: "x-labels"'
    assert setups["ajv-formats"]["error"] == 'strict mode: unknown keyword: "x-labels"'
    assert setups["ajv-formats, x-labels, x-decisions"]["error"].startswith(
        'unknown format "idn-hostname" ignored'
    )
    with_formats = setups["ajv-formats, x-labels, x-decisions, the two formats"]
    assert with_formats["compiled"] == with_formats["total"] == len(FILES)
    assert any("use allowUnionTypes" in warning for warning in with_formats["warnings"])
    for name in (
        "ajv-formats, x-labels, x-decisions, the two formats, allowUnionTypes",
        "x-labels, x-decisions, the two formats, allowUnionTypes (no ajv-formats)",
    ):
        setup = setups[name]
        assert (setup["compiled"], setup["error"]) == (len(FILES), None)
        # what strictTypes still logs: the agent schemas' allOf branch (no "type" beside
        # "required"/"properties"); nothing else
        assert all(
            'missing type "object"' in warning and ".agent.schema.json" in warning
            for warning in setup["warnings"]
        ), setup["warnings"]
    # strict: false compiles, and checks neither format
    lenient = setups["strict: false"]
    assert lenient["compiled"] == len(FILES)
    assert {w.split('"')[1] for w in lenient["warnings"]} == {"idn-hostname", "iri"}
    # ajv-formats-draft2019's iri refuses a fragment and takes what WHATWG's URL refuses
    assert setups["formats"]["plugin_iri"] == {
        "https://example.com/#top": False,
        "https://example.com:65536/": True,
        "https://[0]/": True,
    }
    assert setups["formats"]["url_iri"] == {
        "https://example.com/#top": True,
        "https://example.com:65536/": False,
        "https://[0]/": False,
    }


def test_what_python_jsonschema_needs() -> None:
    """The registry from the files (by ``$id``), the standard FORMAT_CHECKER: every schema
    compiles; the formats are checked only with the ``format`` extras (rfc3987 for iri)."""
    resources = []
    for path in FILES:
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    registry: Registry[Any] = Registry().with_resources(resources)
    checker = Draft202012Validator.FORMAT_CHECKER
    assert {"idn-hostname", "iri"} <= set(checker.checkers)
    for uri, _ in resources:
        schema = registry.contents(uri)
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema, registry=registry, format_checker=checker)
        list(validator.iter_errors({}))  # every reference resolves from the registry
    # the standard checkers' verdicts where the kit's differ (docs/other-languages.md)
    assert checker.conforms("https://example.com:65536/", "iri")  # the kit refuses it
    assert not checker.conforms("ПРИМЕР.рф", "idn-hostname")  # the kit (UTS #46) accepts it
    assert checker.conforms("https://example.com/#top", "iri")
