"""The CI recipes under examples/ci: each parses as YAML, and every `conformance` command they
run exists with the options they give it (parsed by the kit's own parser)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cli import UsageError, build_parser

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "ci"

#: Top-level keys of a .gitlab-ci.yml that are no job.
GITLAB_KEYWORDS = {"variables", "stages", "default", "include", "workflow"}


def _commands(recipe: dict[str, Any]) -> list[str]:
    """Every shell line a recipe runs: GitHub's ``run`` steps, GitLab's ``script`` lists."""
    lines: list[str] = []
    for name, job in recipe.get("jobs", recipe).items():
        if not isinstance(job, dict) or name in GITLAB_KEYWORDS:
            continue
        for step in job.get("steps", []):
            lines += str(step.get("run", "")).splitlines()
        for line in job.get("script", []):
            assert isinstance(line, str), f"job {name}: YAML reads a script line as {line!r}"
            lines.append(line)
        assert job.get("steps") or job.get("script"), f"job {name} runs nothing"
    return [line.strip() for line in lines if line.strip()]


def _argv(line: str) -> list[str]:
    """A shell line's words up to a redirection or a background ``&``."""
    words = []
    for word in shlex.split(line):
        if word in ("&", "&&", ";", "|") or word.startswith((">", "2>")):
            break
        words.append(word)
    return words


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_a_recipe_parses_and_runs_only_commands_that_exist(name: str) -> None:
    recipe = yaml.safe_load((EXAMPLES / name).read_text("utf-8"))
    commands = [_argv(line) for line in _commands(recipe) if line.startswith("conformance ")]
    parser = build_parser()
    for argv in commands:
        try:
            parser.parse_args(argv[1:])
        except UsageError as error:
            pytest.fail(f"{name}: {' '.join(argv)}: {error}")
    used = {(argv[1], option) for argv in commands for option in argv if option.startswith("--")}
    for option in ("--baseline", "--junitxml", "--report-html", "--save-failures"):
        assert ("fuzz", option) in used, f"{name}: the gate runs without {option}"
    assert {argv[1] for argv in commands} >= {"serve", "fuzz", "validate"}


def test_the_recipes_keep_the_reports_whatever_the_outcome() -> None:
    """GitHub uploads the HTML report, the JUnit XML and the saved failures even when the gate
    fails; GitLab keeps them as artifacts ``when: always``, JUnit as a test report."""
    github = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text("utf-8"))
    upload = next(
        step
        for step in github["jobs"]["conformance"]["steps"]
        if str(step.get("uses", "")).startswith("actions/upload-artifact")
    )
    assert upload["if"] == "always()"
    assert set(upload["with"]["path"].split()) == {
        "conformance.html",
        "conformance.xml",
        "conformance-failures/",
    }
    gitlab = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text("utf-8"))
    artifacts = gitlab["conformance"]["artifacts"]
    assert artifacts["when"] == "always"
    assert artifacts["reports"]["junit"] == "conformance.xml"
    assert "conformance.html" in artifacts["paths"]


def test_every_job_has_a_time_limit_and_the_kit_no_tag_that_does_not_exist() -> None:
    """Each job sets a time limit (GitHub's timeout-minutes, GitLab's timeout): a job without
    one waits six hours (GitHub) on a hung step. The kit is installed from a path or a git URL
    pinned to a commit: the README says no release is published, so a version tag (it was
    ``@v0.1.0``) names nothing."""
    github = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text("utf-8"))
    for name, job in github["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), f"github job {name}: no timeout"
    gitlab = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text("utf-8"))
    for name, job in gitlab.items():
        if name not in GITLAB_KEYWORDS:
            assert "minute" in str(job.get("timeout")), f"gitlab job {name}: no timeout"
    for kit in (github["env"]["KIT"], gitlab["variables"]["KIT"]):
        assert not re.search(r"@v?\d+(\.\d+)+\b", kit), kit


def test_the_mutation_schedule_runs_every_module_make_mutate_knows() -> None:
    """One job per module: a module added to tools/mutation/mutate.py's MODULES and not to the
    schedule would never be measured."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "mutate", EXAMPLES.parent.parent / "tools" / "mutation" / "mutate.py"
    )
    assert spec is not None and spec.loader is not None
    mutate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mutate)
    recipe = yaml.safe_load((EXAMPLES / "mutation-schedule.yml").read_text("utf-8"))
    job = recipe["jobs"]["mutate"]
    assert job["strategy"]["matrix"]["module"] == list(mutate.MODULES)
    assert any("matrix.module" in str(step.get("run", "")) for step in job["steps"])
