"""The layering the folder listing promises, kept as a test: the validation library pulls in
none of the fuzzer, the server, the plugin, hypothesis or pytest; the server none of the fuzzer."""

from __future__ import annotations

import functools
import json
import subprocess
import sys

import pytest

#: A fresh interpreter each (a second or so): make test runs these, make check not.
fresh_interpreter = pytest.mark.slow


def _modules_after(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``statement``."""
    script = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True, timeout=60
    )
    return set(json.loads(result.stdout))


def _under(modules: set[str], *packages: str) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


@fresh_interpreter
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
    heavy = (
        "conformance.engine",
        "conformance.generation",
        "conformance.reporting",
        "conformance.server",
        "conformance.pytest_plugin",
    )
    assert _under(modules, *heavy, "hypothesis", "pytest", "_pytest") == []


@fresh_interpreter
def test_the_server_imports_nothing_of_the_fuzzer() -> None:
    modules = _modules_after("import conformance.server, conformance.cli.serve")
    assert "conformance.server.app" in modules
    assert (
        _under(
            modules,
            "conformance.engine",
            "conformance.generation",
            "conformance.pytest_plugin",
            "hypothesis",
        )
        == []
    )


@fresh_interpreter
def test_the_har_module_imports_nothing_of_the_fuzzer() -> None:
    """A reader of captured traffic (HAR) needs none of the runner, the reports or hypothesis."""
    modules = _modules_after("import conformance.traffic.har")
    assert "conformance.traffic.har" in modules
    heavy = ("conformance.engine", "conformance.generation", "conformance.reporting")
    assert _under(modules, *heavy, "conformance.traffic.recorder", "hypothesis") == []


@fresh_interpreter
def test_the_plugin_module_stays_light() -> None:
    """pytest loads the plugin in every session of an environment that has the kit; without a
    target it must cost nothing, so its module imports neither the fuzzer nor hypothesis."""
    modules = _modules_after("import conformance.pytest_plugin")
    assert _under(modules, "conformance.engine", "conformance.pytest_plugin.suite") == []
    assert _under(modules, "hypothesis") == []


#: Which packages of ``conformance`` each may import, lowest first: the folder listing read
#: from the bottom up (``docs``' layout section says the same). Imports inside functions count.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "contract": {"errors"},
    "validation": {"errors", "contract"},
    "generation": {"errors", "contract", "validation"},
    "engine": {"errors", "contract", "validation", "generation"},
    "reporting": {"errors", "contract", "validation", "generation", "engine"},
    # the contracts the engine runs: the bundled one and any OpenRPC document
    "create_sites": {"errors", "contract", "validation", "generation", "engine"},
    "openrpc": {"errors", "contract", "validation", "generation", "engine"},
    "server": {"errors", "contract", "validation", "openrpc"},
    # HAR files (``har``: errors alone), a run's traffic written to one (``recorder``), and
    # observed traffic judged by a contract (the bundled one, or an OpenRPC document), the
    # proxy's, ``validate --traffic``'s and the Dask recipe's
    "traffic": {
        "errors",
        "contract",
        "validation",
        "generation",
        "engine",
        "reporting",
        "openrpc",
    },
    # beside the front ends: the proxy judges traffic with ``traffic``'s judge; the mock serves
    # a document (or the reference server) with the generation's strategies
    "mock": {"errors", "contract", "validation", "generation", "openrpc", "server"},
    "proxy": {
        "errors",
        "contract",
        "validation",
        "generation",
        "engine",
        "reporting",
        "openrpc",
        "server",
        "traffic",
    },
}


@functools.cache
def _package_imports() -> dict[str, set[str]]:
    """For each package (or top-level module) of ``conformance``, the others it imports."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "conformance"
    found: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        own = parts[0]
        module = ast.parse(path.read_text(encoding="utf-8"))
        # imports for type checking only tie nothing at run time
        typing_only = {
            id(inner)
            for node in ast.walk(module)
            if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
            for inner in ast.walk(node)
        }
        for node in ast.walk(module):
            if id(node) in typing_only:
                continue
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                pieces = name.split(".")
                if pieces[0] == "conformance" and len(pieces) > 1 and pieces[1] != own:
                    found.setdefault(own, set()).add(pieces[1])
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_the_layers_below_it(package: str) -> None:
    imported = _package_imports().get(package, set())
    assert imported <= ALLOWED[package], sorted(imported - ALLOWED[package])


def test_the_layer_table_names_every_lower_package() -> None:
    """A new package is placed in the table on purpose, not left out of the check."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "conformance"
    packages = {p.name for p in root.iterdir() if (p / "__init__.py").exists()} | {"errors"}
    top = {"cli", "pytest_plugin"}  # the front ends: they may import any layer
    assert packages - top == set(ALLOWED)
