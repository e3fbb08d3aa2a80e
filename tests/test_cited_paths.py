"""Every file a docstring or a comment of the kit or its tests cites exists.

(The same helper, ``cited_paths.cited_paths``, reads any prose: the README's paths can be
checked with it too.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cited_paths import ROOT, cited_paths, missing, python_prose

SOURCES = sorted(
    path
    for folder in ("conformance", "tests", "benchmarks")
    for path in (ROOT / folder).rglob("*.py")
)


def test_the_finder_finds_paths_in_prose() -> None:
    """Paths in backticks, in parentheses, at the end of a sentence; not dotted module names,
    not a path inside a longer word."""
    text = (
        "See `tests/fuzz/test_generation.py`, (docs/mutants.md) and schemas/params.schema.json. "
        "Also tests/cases/{valid,invalid} and .ci/run; not conformance.engine.runner, "
        "not my-tests/x.py."
    )
    assert cited_paths(text) == {
        "tests/fuzz/test_generation.py",
        "docs/mutants.md",
        "schemas/params.schema.json",
        "tests/cases",
        ".ci/run",
    }
    assert missing({"tests/cases", "docs/mutants.md"}) == {"docs/mutants.md"}


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_cited_paths_exist(source: Path) -> None:
    """The docstrings and comments of this file cite only paths that exist."""
    cited = set().union(*map(cited_paths, python_prose(source)))
    assert missing(cited) == set(), f"{source.relative_to(ROOT)} cites paths that do not exist"
