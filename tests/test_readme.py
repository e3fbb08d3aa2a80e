"""The README and every page of the documentation site stay true: every path they name exists,
every command they show parses (``tests/helpers/docs_check.py``, reusable for docstrings), and
so do the docstrings' paths. The README stays a short front page."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from helpers.docs_check import (
    command_problems,
    commands,
    history_problems,
    named_paths,
    path_problems,
)

import conformance

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: the README and every Markdown page of docs/ (the site's pages, and CHANGELOG.md it includes)
TEXTS = {
    "README.md": README,
    "CHANGELOG.md": (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"),
    **{
        str(page.relative_to(ROOT)): page.read_text(encoding="utf-8")
        for page in sorted((ROOT / "docs").rglob("*.md"))
    },
}


def test_the_readme_is_a_front_page() -> None:
    """150 to 200 lines: what the kit is, install, three quick starts, the exit codes, links;
    the rest is on the site (docs/), and each page it links to exists."""
    assert 150 <= len(README.splitlines()) <= 200, len(README.splitlines())
    links = re.findall(r"\]\(((?:docs/)?[\w/.-]+\.md)(?:#[\w-]+)?\)", README)
    assert len(links) >= 10
    assert [link for link in links if not (ROOT / link).exists()] == []


def test_the_readme_opens_with_the_two_set_up_commands() -> None:
    """Before any section, one code block: `make demo` and `make test`, the two commands that
    do all the set-up on a fresh machine."""
    top = README.split("\n## ", 1)[0]
    assert [(program, args) for program, args in commands(top)] == [
        ("make", ["demo"]),
        ("make", ["test"]),
    ]


def test_the_readme_has_a_newcomers_sections() -> None:
    """Install, the three quick starts (validate; fuzz with `conformance fuzz` and with
    `pytest --target-url`; gate CI with a baseline), a sample report, the exit codes and a
    table of the documentation's pages."""
    sections = dict((part.split("\n", 1)[0], part) for part in README.split("\n## ")[1:])
    assert list(sections) == [
        "Install",
        "Quick start: validate payloads",
        "Quick start: fuzz a server",
        "Quick start: gate CI with a baseline",
        "Exit codes",
        "Documentation",
        "Layout",
        "Development",
    ]
    shown = {
        name: [(program, args[0]) for program, args in commands(text) if args]
        for name, text in sections.items()
    }
    assert ("conformance", "validate") in shown["Quick start: validate payloads"]
    fuzz = sections["Quick start: fuzz a server"]
    assert ("conformance", "fuzz") in shown["Quick start: fuzz a server"]
    assert any(p == "pytest" and "--target-url" in a for p, a in commands(fuzz))
    assert "```text\n" in fuzz and "does not conform" in fuzz  # the sample report
    assert any(
        "--baseline" in a for _, a in commands(sections["Quick start: gate CI with a baseline"])
    )
    assert all(f"| {code} |" in sections["Exit codes"] for code in (0, 1, 2, 130))
    pages = re.findall(r"\]\((docs/[\w/.-]+\.md)\)", sections["Documentation"])
    assert len(pages) >= 10


def test_the_readme_and_the_docs_tell_no_history_and_no_local_path() -> None:
    """What the kit does now, not how it got there ("issue 8", "Before `arrays.py`, ..."), and
    the vendor's page by its public address, never a path on one machine. CHANGELOG.md (and the
    page that includes it) is history by design; so is the mutation-testing log's
    before-and-after table (docs/mutation.md)."""
    exempt = {"CHANGELOG.md", "docs/changelog.md", "docs/mutation.md"}
    problems = [
        f"{name}: {problem}"
        for name, text in TEXTS.items()
        if name not in exempt
        for problem in history_problems(text)
    ]
    assert problems == []
    vendor = "(https://callgear.github.io/data_api/site/create_sites/)"
    assert vendor in README and vendor in TEXTS["docs/contract.md"]


def test_the_history_check_finds_what_it_is_for() -> None:
    """The tracker's issues, a comparison with an older kit and a local path are found;
    another project's issue (a source) and an ordinary "Before" are not."""
    text = (
        "Before issue 8 it was slow; see issues 20 and 23, and /work/shared/seed/page.txt.\n"
        "Before `arrays.py`, 6 went uncaught. Before a method's cases, ... (open-rpc/spec "
        "issue 190)."
    )
    assert history_problems(text) == [
        "history: 'issue 8'",
        "history: 'issues 20'",
        "history: 'Before issue'",
        "history: 'Before `'",
        "a local path: '/work/'",
    ]


def test_every_path_the_readme_and_the_docs_name_exists() -> None:
    """`tests/contract/test_schemas.py`, `schemas/current/`, ...: all there."""
    assert len(named_paths(README, ROOT)) > 10  # the check finds the paths it is about
    assert sum(len(named_paths(text, ROOT)) for text in TEXTS.values()) > 100
    problems = [f"{name}: {p}" for name, text in TEXTS.items() for p in path_problems(text, ROOT)]
    assert problems == []


@pytest.mark.slow  # a pytest process per pytest command: make test runs it, make check not
def test_every_command_the_readme_shows_parses() -> None:
    """Each `conformance`, `pytest` and `make` line of a code block takes its options."""
    programs = {program for program, _ in commands(README)}
    assert programs == {"conformance", "pytest", "make"}
    assert command_problems(README, ROOT) == []


@pytest.mark.slow  # a pytest process per pytest command: make test runs it, make check not
@pytest.mark.parametrize("name", [name for name in TEXTS if name != "README.md"])
def test_every_command_a_docs_page_shows_parses(name: str) -> None:
    """The same on each page of the site: the commands a reader copies work."""
    assert command_problems(TEXTS[name], ROOT) == []


def test_the_docs_show_commands() -> None:
    """The pages hold commands of each program, so the check above is not vacuous."""
    programs = {program for text in TEXTS.values() for program, _ in commands(text)}
    assert programs == {"conformance", "pytest", "make"}


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
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


def test_the_package_cites_no_notes_outside_the_repository() -> None:
    """A ``name.md`` the source cites is a file of the repository (``docs/openrpc.md``), not a
    note on one machine (``data-api.md``): the vendor's pages are cited by their address."""
    cited = {
        (str(path.relative_to(ROOT)), name)
        for path in sorted((ROOT / "conformance").rglob("*.py"))
        for name in re.findall(r"``([\w./-]+\.(?:md|txt))``", path.read_text(encoding="utf-8"))
    }
    assert ("conformance/openrpc/structure.py", "docs/openrpc.md") in cited
    assert [(where, name) for where, name in cited if not (ROOT / name).is_file()] == []


@pytest.mark.slow  # a whole run against a mutant: make test runs it, make check does not
def test_the_readmes_sample_report_is_what_the_kit_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample under "Quick start: fuzz a server" is the report of a run against the mutant
    `text-length-in-bytes`: each of its lines is a line of the report (a line cut with
    ``...`` is the start of one), bar the port and the timings."""
    from helpers.cli import fuzz
    from helpers.targets import CUSTOMER_TOKEN, served
    from mutants.servers import MUTANTS

    section = README.split("\n## Quick start: fuzz a server\n", 1)[1].split("\n## ", 1)[0]
    sample = section.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    shown_url = re.search(r"http://127\.0\.0\.1:\d+/", "\n".join(sample))
    assert shown_url is not None and len(sample) > 20
    monkeypatch.chdir(tmp_path)  # the run saves its failures under .conformance/ here
    with served(MUTANTS["text-length-in-bytes"].app) as url:
        code, out, _ = fuzz(url, "--token", CUSTOMER_TOKEN)
    assert code == 1

    def timeless(line: str) -> str:
        return re.sub(r" in [\d.]+ s \(\d+ cases/s;", " in T s (R cases/s;", line)

    assert url.rstrip("/") in out
    printed = [
        timeless(re.sub(r"http://127\.0\.0\.1:\d+/", shown_url.group(0), line))
        for line in out.splitlines()
    ]
    missing = [
        line
        for line in map(timeless, sample)
        if line.strip() != "..."
        and not any(
            shown.startswith(line.split("...", 1)[0]) if "..." in line else shown == line
            for shown in printed
        )
    ]
    assert missing == [], "\n".join(missing)
