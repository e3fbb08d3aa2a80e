"""The suite's own health: every test holds an assertion that can fail.

A test that only calls the code under test passes on any bug that does not raise (the mutation
audit found token checks that could not fail). Each test function must assert, expect an
exception or a warning, or call a function of its module or of the shared helpers that does (at
any depth: ``passes_on_three_seeds`` asserts for the tests that call it).
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
#: what makes a function able to fail on its own
_FAILS = (ast.Assert,)
_FAILING_CALLS = frozenset({"raises", "warns", "fail"})


def _called_names(function: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            target = node.func
            if isinstance(target, ast.Name):
                names.add(target.id)
            elif isinstance(target, ast.Attribute):
                names.add(target.attr)
    return names


def _functions(path: Path) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name: node
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def _failing(
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
    known: frozenset[str] = frozenset(),
) -> set[str]:
    """The names of ``functions`` that can fail: they assert, or call one that does (of
    ``functions``, or ``known`` to fail)."""
    calls = _FAILING_CALLS | known
    failing = {
        name
        for name, function in functions.items()
        if any(isinstance(node, _FAILS) for node in ast.walk(function))
        or _called_names(function) & calls
    }
    while True:  # to a fixed point: a helper calling a helper that asserts
        more = {
            name
            for name, function in functions.items()
            if name not in failing and _called_names(function) & failing
        }
        if not more:
            return failing
        failing |= more


def _shared() -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    shared: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for package in ("helpers", "mutants"):
        for path in sorted((TESTS / package).rglob("*.py")):
            shared.update(_functions(path))
    return shared


def test_every_test_holds_an_assertion_that_can_fail() -> None:
    shared_failing = frozenset(_failing(_shared()))
    silent = []
    for path in sorted(TESTS.rglob("test_*.py")):
        functions = _functions(path)
        failing = _failing(functions, shared_failing)
        silent += [
            f"{path.relative_to(TESTS)}::{name}"
            for name, function in functions.items()
            if name.startswith("test_") and name not in failing
        ]
    assert silent == [], "tests that cannot fail: " + ", ".join(silent)


def test_a_test_without_an_assertion_is_found(tmp_path: Path) -> None:
    """The check itself: a test that only calls is named; one that calls an asserting helper
    is not."""
    source = (
        "def _helper(x):\n    assert x\n\n"
        "def test_calls_only():\n    print(1)\n\n"
        "def test_through_a_helper():\n    _helper(1)\n"
    )
    path = tmp_path / "test_sample.py"
    path.write_text(source, encoding="utf-8")
    functions = _functions(path)
    assert sorted(set(functions) - _failing(functions)) == ["test_calls_only"]
