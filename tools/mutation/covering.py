"""One mutant's test command: only the tests that ran the mutated line on the unmutated module.

    python tools/mutation/covering.py MAP.json [--rest]

cosmic-ray runs this with the mutant applied. It finds the changed lines by comparing the module
with the unmutated copy the map names, and runs pytest on the tests that the map says ran those
lines (in this process's group, which cosmic-ray's timeout kills whole). A test that never ran
the line cannot fail on its change; running the rest would only cost time (mutmut selects tests
the same way; cosmic-ray has no such option, hence this file).

Where the map cannot say (a line run when the module is imported, whatever test coverage names
for it, as what it makes serves every later test; lines added or removed; a test the map names
that pytest cannot find), every guard test runs, as without the map. A line no test ran in this
process may still be run in another: the tests of the files that start one run (spawns.py
finds them), or every test where a process started outside a test's call. A mutant none of the
chosen tests fails on then runs (``--rest``) every other guard test before it is called a
survivor (a test may use what the line made without running it: a value a cache kept), so
the selection changes the time a mutant takes, never its verdict.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

#: pytest's exit codes that no mutant of these modules causes: a map gone stale, never a kill
USAGE_ERROR = 4
NO_TESTS = 5


def changed_lines(mutated: list[str], unmutated: list[str]) -> list[int] | None:
    """The 1-based numbers of the lines that differ, or None where lines were added or removed."""
    if len(mutated) != len(unmutated):
        return None
    return [n for n, (a, b) in enumerate(zip(mutated, unmutated, strict=True), 1) if a != b]


def statement_start(source: str, line: int) -> int:
    """The first line of the innermost statement holding ``line`` (a condition's continuation
    line is recorded by coverage under its statement's first line)."""
    best: tuple[int, int] | None = None
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.stmt) and node.lineno <= line <= (node.end_lineno or node.lineno):
            span = (node.end_lineno or node.lineno) - node.lineno
            if best is None or span < best[0]:
                best = (span, node.lineno)
    return best[1] if best else line


def import_time_lines(source: str) -> set[int]:
    """The lines the module runs when it is imported: its statements but the bodies of its
    functions (a decorator, a default value, a class's fields are run then). coverage names
    the test that first imported the module as theirs, but what they make serves every later
    test: a mutant there needs every test."""
    lines: set[int] = set()

    def walk(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                first = min([d.lineno for d in node.decorator_list] + [node.lineno])
                lines.update(range(first, node.body[0].lineno))
                if isinstance(node, ast.ClassDef):
                    walk(node.body)
            else:
                lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))

    walk(ast.parse(source).body)
    return lines


def touched_lines(mutated: list[str], unmutated: list[str]) -> list[int]:
    """The 1-based numbers of the unmutated module's lines a mutant changed or removed (or
    inserted lines before): where ``changed_lines`` cannot say, what ``first_tests`` reads."""
    import difflib

    touched: list[int] = []
    matcher = difflib.SequenceMatcher(a=unmutated, b=mutated, autojunk=False)
    for tag, start, end, _, _ in matcher.get_opcodes():
        if tag != "equal":
            touched += range(start + 1, max(end, start + 1) + 1)
    return touched


def users_of(source: str, lines: list[int]) -> set[int]:
    """The lines run after import that use what the statements at ``lines`` made there: the
    body of a function or class whose decorator, default value or bases changed, and every
    line that reads a name an assignment at ``lines`` binds (a constant, a registry)."""
    tree = ast.parse(source)
    used: set[int] = set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or node.end_lineno is None:
            continue
        start, end = node.lineno, node.end_lineno
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            start = min([d.lineno for d in node.decorator_list] + [start])  # the def's line
        if not any(start <= line <= end for line in lines):
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            used.update(range(node.body[0].lineno, end + 1))
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    used.update(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in names
    )
    return used


def first_tests(coverage: dict[str, list[str]], source: str, lines: list[int]) -> list[str]:
    """For a mutant every guard test must meet (a change made at import): the tests that ran
    a line using what it changed (``users_of``), quickest first, to run before the others. A
    registry's entry removed is seen by the one test of that entry: found first, not after
    two hundred others; the verdict is the same, as every test still runs."""
    first: dict[str, None] = {}
    for line in sorted(users_of(source, lines) - import_time_lines(source)):
        first.update(dict.fromkeys(t for t in coverage.get(str(line), ()) if t))
    return list(first)


def chosen_tests(
    coverage: dict[str, list[str]],
    source: str,
    lines: list[int],
    spawning: list[str] | None = None,
) -> list[str] | None:
    """The tests that ran any of ``lines``, quickest first; None where every test must
    run (a line run when the module is imported). A line no test ran here can only be
    reached in another process: by ``spawning``, the tests of the files that start one (None:
    not known, so every test)."""
    if set(lines) & import_time_lines(source):
        return None
    chosen: dict[str, None] = {}
    for line in lines:
        contexts = coverage.get(str(line)) or coverage.get(str(statement_start(source, line)))
        if contexts and "" in contexts:
            return None
        if not contexts and spawning is None:
            return None
        chosen.update(dict.fromkeys(contexts or spawning or ()))
    return list(chosen)


def _spawning(found: dict[str, Any]) -> list[str] | None:
    """The guard's tests in the files whose tests start a process; None where a process may
    serve any test (or the map does not say)."""
    spawns = found.get("spawns")
    if not spawns or spawns["anywhere"] or not found.get("tests"):
        return None
    files = set(spawns["files"])
    return [test for test in found["tests"] if test.split("::", 1)[0] in files]


def _rest(found: dict[str, Any], chosen: list[str]) -> int:
    """For a mutant the chosen tests all passed on: every other guard test. A test that never
    ran the changed line can still depend on it, through a value a cache kept from the test
    that did (validator.py's member order is worked out once per schema, by whichever test asks
    first; the test of the order reads it back): coverage cannot say who used a line, only who
    ran it."""
    listed = found.get("tests")
    if not listed:  # no list of the guard's tests: every one but the chosen
        others = [*found["pytest"], *found["guard"], *(f"--deselect={t}" for t in chosen)]
        code = subprocess.run(others).returncode
        return 0 if code == NO_TESTS else code  # NO_TESTS: the chosen were the whole guard
    done = set(chosen)
    rest = [test for test in listed if test not in done]
    return subprocess.run(found["pytest"] + rest).returncode if rest else 0


def main(argv: list[str]) -> int:
    """``MAP``: the tests that ran the mutated lines (or the guard); ``MAP --rest``, for a mutant
    those tests all passed on: the guard's other tests, so that with both a survivor has met
    every guard test once."""
    found = json.loads(Path(argv[0]).read_text("utf-8"))
    rest = argv[1:] == ["--rest"]
    module = Path(found["module"])
    mutated = module.read_text("utf-8")
    unmutated = Path(found["unmutated"]).read_text("utf-8")
    lines = changed_lines(mutated.splitlines(), unmutated.splitlines())
    tests = chosen_tests(found["coverage"], unmutated, lines, _spawning(found)) if lines else None
    # every guard test: by name, quickest first, where the map lists them; those that use
    # what an import-time change made first of all
    listed = found.get("tests")
    if tests is None and listed and not rest:
        touched = lines or touched_lines(mutated.splitlines(), unmutated.splitlines())
        first = [t for t in first_tests(found["coverage"], unmutated, touched) if t in listed]
        placed = set(first)
        listed = first + [t for t in listed if t not in placed]
    guard = found["pytest"] + (listed or found["guard"])
    if tests is None:  # every guard test, once
        return 0 if rest else subprocess.run(guard).returncode
    if not tests:  # no guard test can reach the change: a survivor, said without running any
        return 0
    if rest:
        return _rest(found, tests)
    chosen = subprocess.run(found["pytest"] + tests).returncode
    if chosen in (USAGE_ERROR, NO_TESTS):  # the map names tests pytest cannot find: no verdict
        return subprocess.run(found["pytest"] + found["guard"]).returncode
    return chosen


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
