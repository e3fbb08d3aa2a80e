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
    never a path on one machine (the vendor's page is cited by its address: tested below).
    CHANGELOG.md (and the page that includes it) is history by design; so is the
    mutation-testing log's before-and-after table (docs/mutation.md)."""
    exempt = {"CHANGELOG.md", "docs/changelog.md", "docs/mutation.md"}
    problems = [
        f"{name}: {problem}"
        for name, text in TEXTS.items()
        if name not in exempt
        for problem in history_problems(text)
    ]
    assert problems == []


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


def _sample_report() -> list[str]:
    """The lines of the README's sample report (the text block of "Quick start: fuzz a
    server")."""
    section = README.split("## Quick start: fuzz a server", 1)[1].split("\n## ", 1)[0]
    block = section.split("```text\n", 1)[1].split("```", 1)[0]
    return block.splitlines()


#: The figures of a report that change from run to run: the port, the times, the rate, the
#: reply's length.
_VARYING = re.compile(r"(127\.0\.0\.1:|content-length: )\d+|\d+\.\d s|\d+ cases/s")


def _pattern(line: str) -> re.Pattern[str]:
    """A README line as a pattern of the line the run prints: "..." stands for what the README
    leaves out, and the figures that change from run to run (``_VARYING``) for any."""

    def fixed(piece: str) -> str:
        parts, at = [], 0
        for found in _VARYING.finditer(piece):
            parts.append(re.escape(piece[at : found.start()]))
            parts.append(re.sub(r"\d+", r"\\d+", re.escape(found[0])))  # any figure
            at = found.end()
        return "".join([*parts, re.escape(piece[at:])])

    return re.compile(".*".join(fixed(piece) for piece in line.split("...")))


@pytest.mark.slow  # a whole run against a mutant: make test runs it, make check does not
def test_the_readme_sample_report_is_what_the_run_prints() -> None:
    """The README's sample report, its "sent and not judged" and "never judged" lists
    included, is the run it says (the mutant text-length-in-bytes, seed 0), abridged where it
    writes "..." and with the figures of its own run (port, times): a list that changes in the
    data (a decision, a contested input) fails here until the README shows it."""
    from helpers.cli import fuzz
    from mutants import MUTANTS, serve

    with serve(MUTANTS["text-length-in-bytes"].app) as (url, token):
        code, out, _ = fuzz(url, "--token", token, "--no-save-failures")
    assert code == 1
    printed = out.splitlines()
    sample = [line for line in _sample_report() if line.strip() != "..."]
    assert any(line.startswith("never judged (contested;") for line in sample)
    assert any(line.startswith("sent and not judged in full (") for line in sample)
    missing = [line for line in sample if not any(_pattern(line).fullmatch(got) for got in printed)]
    assert missing == []


def test_the_readme_cites_the_vendors_public_page_and_its_version() -> None:
    """A user's clone holds no copy of the method page: the README cites the vendor's public
    page (the one docs/contract.md names), says which version of it the seed revision encodes,
    and calls the boolean ``"success": true`` a decision (the page writes ``"true"``)."""
    page = "https://callgear.github.io/data_api/site/create_sites/"
    assert page in TEXTS["docs/contract.md"]
    said = " ".join(README.split())
    version = "as it stood before `name` was added on 2021-03-04: the `seed` revision"
    assert f"<{page}>, {version}" in said
    assert '(`"success": true`, where the page writes `"true"`, is one' in said
