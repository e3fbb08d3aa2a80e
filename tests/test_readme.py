"""The README stays true: every path it names exists, every command it shows parses
(``tests/docs_check.py``, reusable for docstrings), and so do the docstrings' paths."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from docs_check import command_problems, commands, named_paths, path_problems

import conformance

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_path_the_readme_names_exists() -> None:
    """`conformance/engine/runner.py`, `tests/contract/test_schemas.py`, ...: all there."""
    assert len(named_paths(README, ROOT)) > 20  # the check finds the paths it is about
    assert path_problems(README, ROOT) == []


def test_every_command_the_readme_shows_parses() -> None:
    """Each `conformance`, `pytest` and `make` line of a code block takes its options."""
    programs = {program for program, _ in commands(README)}
    assert programs == {"conformance", "pytest", "make"}
    assert command_problems(README, ROOT) == []


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    """A missing path, an unknown option, a missing make target: each is a problem."""
    text = (
        "See `tests/test_nothing_here.py`.\n\n```sh\nconformance fuzz URL --no-such-option\n"
        "pytest --target-nowhere 1\nmake nothing-here\nconformance validate x.json\n```\n"
    )
    assert path_problems(text, ROOT) == ["`tests/test_nothing_here.py` does not exist"]
    problems = command_problems(text, ROOT)
    assert len(problems) == 3, problems
    assert "unrecognized arguments: --no-such-option" in problems[0]
    assert "unrecognized arguments: --target-nowhere" in problems[1]
    assert "the Makefile has no target nothing-here" in problems[2]


def test_every_path_a_docstring_names_exists() -> None:
    """The same check on the package's module docstrings."""
    problems = []
    for module in pkgutil.walk_packages(conformance.__path__, "conformance."):
        if module.name.endswith("__main__"):
            continue
        doc = importlib.import_module(module.name).__doc__ or ""
        problems += [f"{module.name}: {p}" for p in path_problems(doc, ROOT)]
    assert problems == []
