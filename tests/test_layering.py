"""The layering the folder listing promises, kept as a test: the validation library pulls in
none of the fuzzer, the server, the plugin, hypothesis or pytest; the server none of the fuzzer."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _modules_after(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``statement``."""
    script = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True, timeout=60
    )
    return set(json.loads(result.stdout))


def _under(modules: set[str], *packages: str) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


@pytest.mark.parametrize(
    "statement",
    [
        "import conformance",
        "import conformance.validation",
        "from conformance.validation.files import check_sources",
        "from conformance.validation.reporters import REPORTERS",
    ],
)
def test_the_validation_library_imports_nothing_of_the_rest(statement: str) -> None:
    modules = _modules_after(statement)
    assert "conformance.validation.validator" in modules  # the statement did load the library
    heavy = ("conformance.fuzz", "conformance.server", "conformance.pytest_plugin")
    assert _under(modules, *heavy, "hypothesis", "pytest", "_pytest") == []


def test_the_server_imports_nothing_of_the_fuzzer() -> None:
    modules = _modules_after("import conformance.server, conformance.cli.serve")
    assert "conformance.server.app" in modules
    assert _under(modules, "conformance.fuzz", "conformance.pytest_plugin", "hypothesis") == []


def test_the_plugin_module_stays_light() -> None:
    """pytest loads the plugin in every session of an environment that has the kit; without a
    target it must cost nothing, so its module imports neither the fuzzer nor hypothesis."""
    modules = _modules_after("import conformance.pytest_plugin")
    assert _under(modules, "conformance.fuzz", "conformance.pytest_plugin.suite") == []
    assert _under(modules, "hypothesis") == []
