"""Paths of this repository cited in prose: docstrings, comments, the README.

``cited_paths(text)`` finds the paths a reader would try to open, under the folders in
``FOLDERS`` (``tests/fuzz/test_generation.py``, ``conformance/engine/runner.py``,
``schemas/params.schema.json``, ``.ci/run``), so a test can check that each exists.
``python_prose(path)`` is the prose of one Python file: its docstrings and its comments, not
its code (code builds paths the test cannot read, such as ``f"tests/cases/{folder}"``).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: the top-level folders whose paths are cited
FOLDERS = ("conformance", "tests", "docs", "schemas", "benchmarks", ".ci")

_PATH = re.compile(r"(?<![\w./-])((?:" + "|".join(map(re.escape, FOLDERS)) + r")(?:/[\w.-]+)+)")


def cited_paths(text: str) -> set[str]:
    """Every repository path cited in ``text``, without a trailing dot or slash."""
    return {match.rstrip("./") for match in _PATH.findall(text)}


def python_prose(path: Path) -> Iterator[str]:
    """The docstrings and comments of the Python file ``path``."""
    source = path.read_text(encoding="utf-8")
    for node in ast.walk(_parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                yield docstring
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.string


def _parse(source: str, attempts: int = 3) -> ast.Module:
    """``ast.parse``, tried again on CPython 3.11's spurious SystemError.

    3.11 keeps the AST constructor's recursion depth in state shared by all threads; a
    traceback printed on another thread at the same moment (3.11 parses the failing line to
    draw its carets) makes ``ast.parse`` raise "AST constructor recursion depth mismatch"
    (python/cpython#106905). The source is fine: a second parse succeeds.
    """
    for attempt in range(attempts):
        try:
            return ast.parse(source)
        except SystemError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def missing(paths: set[str], root: Path = ROOT) -> set[str]:
    """The ``paths`` (relative to ``root``) that are neither a file nor a folder there."""
    return {path for path in paths if not (root / path).exists()}
