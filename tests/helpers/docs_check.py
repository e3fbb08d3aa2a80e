"""Checks that prose about the kit stays true: every repository path it names exists, and every
command in its code blocks parses with the options it uses.

Made for the README (``tests/test_readme.py``) and meant to be reused on any text: a module's
docstring, a docs page. Each check takes the text and returns its problems as sentences (an
empty list when all holds), so a test asserts ``== []`` and a failure lists every problem::

    from helpers.docs_check import command_problems, path_problems

    assert path_problems(module.__doc__, ROOT) == []
    assert command_problems(module.__doc__, ROOT) == []

What counts as a path: a backticked word with a ``/`` whose first part is a top-level folder or
file of the repository (``conformance/engine/runner.py``, ``tests/mutants/``), so that names a
user makes up (``capture.jsonl``, ``report.xml``) are left alone. What counts as a command: a
line of a code block that starts with ``conformance``, ``python -m conformance``, ``pytest`` or
``make`` (after any ``NAME=value`` settings and a ``$`` prompt). A ``conformance`` command is
parsed by the kit's own parser, without running; a ``pytest`` command's options must be in
pytest's own parser (the plugins loaded); a ``make`` target must be in the Makefile. Extend
``COMMANDS`` for another program.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

#: ```` ```lang ```` blocks: the language, then the block's text.
_BLOCK = re.compile(r"^```([\w-]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_BACKTICKED = re.compile(r"`([^`\s]+)`")
_SETTING = re.compile(r"^[A-Z_][A-Z0-9_]*=\S*$")


def named_paths(text: str, root: Path) -> list[str]:
    """The repository paths ``text`` names in backticks, in order, once each."""
    tops = {entry.name for entry in root.iterdir()}
    found: dict[str, None] = {}
    for word in _BACKTICKED.findall(text):
        word = word.rstrip(".,;:)")
        if "/" not in word or "://" in word or any(c in word for c in "*{}<>…$|"):
            continue
        first = word.split("/", 1)[0].split("#", 1)[0]
        if first in tops and first not in ("", "."):
            found[word.split("#", 1)[0].split("::", 1)[0]] = None
    return list(found)


def path_problems(text: str, root: Path) -> list[str]:
    """A sentence for each path ``text`` names that does not exist under ``root``."""
    return [
        f"`{path}` does not exist" for path in named_paths(text, root) if not (root / path).exists()
    ]


#: "issue 8", "issues 20 and 23": this project's tracker, which a reader of the docs does not
#: have. Another project's (``open-rpc/spec issue 190``) is a source, and is left alone.
_ISSUE = re.compile(r"(\S*)\s+([Ii]ssues?\s+#?\d+)")
#: "Before issue 8, ...", "Before `arrays.py`, ...": the kit compared with an older self.
_BEFORE = re.compile(r"\bBefore (?:issue|`)")
#: a path on the machine the docs were written on (the vendor's page is cited by its URL)
_LOCAL_PATH = re.compile(r"(?<![\w.])(?:/work|/home|/tmp|/root)/|file://")


def history_problems(text: str) -> list[str]:
    """A sentence for each place ``text`` tells the kit's history or points into a local
    machine: the docs say what the kit does now (CHANGELOG.md keeps what changed)."""
    problems = [
        f"history: {match.group(2)!r}"
        for match in _ISSUE.finditer(" " + text)
        if "/" not in match.group(1)
    ]
    problems += [f"history: {m.group(0)!r}" for m in _BEFORE.finditer(text)]
    problems += [f"a local path: {m.group(0)!r}" for m in _LOCAL_PATH.finditer(text)]
    return problems


def commands(text: str) -> Iterator[tuple[str, list[str]]]:
    """Each command line of ``text``'s code blocks as ``(program, arguments)``: prompts, leading
    ``NAME=value`` settings and trailing comments removed; unknown programs skipped."""
    for _, block in _BLOCK.findall(text):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ")
            try:
                words = shlex.split(line, comments=True)
            except ValueError:
                continue
            while words and _SETTING.match(words[0]):
                words = words[1:]
            if words[:3] == ["python", "-m", "conformance"]:
                words = ["conformance", *words[3:]]
            if words and words[0] in COMMANDS:
                yield words[0], words[1:]


def command_problems(text: str, root: Path) -> list[str]:
    """A sentence for each command of ``text`` that would not parse."""
    problems = []
    for program, arguments in commands(text):
        why = COMMANDS[program](arguments, root)
        if why is not None:
            problems.append(f"`{shlex.join([program, *arguments])}`: {why}")
    return problems


def _conformance(arguments: list[str], root: Path) -> str | None:
    """Parsed by the kit's own parser (nothing runs); a synopsis line (``[--kind ...]``) is
    skipped."""
    from conformance.cli import UsageError, build_parser

    if any(word.startswith("[") or "|" in word for word in arguments):
        return None
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # what --help or --version prints
            build_parser().parse_args(arguments)
    except UsageError as error:
        return str(error).strip().splitlines()[-1]
    except SystemExit:  # --help, --version
        return None
    return None


#: Stand-ins for the placeholders commands are written with, where a real value is needed.
STAND_INS = {"URL": "http://127.0.0.1:9/"}

#: Files a command names that must exist to be parsed, written where a ``pytest`` command runs.
FILE_STAND_INS = {
    "baseline.toml": "version = 1\n",
    "ci/cleanup.py": "def after_run(context, created_all):\n    pass\n",
}


def _pytest(arguments: list[str], root: Path) -> str | None:
    """Parsed by pytest itself, with the installed plugins, collecting in an empty folder
    (``--help`` would skip the parsing of unknown options): a usage error (exit 4) is a
    problem; anything after parsing (no tests, a target that does not answer) is not."""
    import tempfile

    argv = [STAND_INS.get(word, word) for word in arguments]
    with tempfile.TemporaryDirectory() as empty:
        for name, text in FILE_STAND_INS.items():
            (Path(empty) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(empty) / name).write_text(text, encoding="utf-8")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                *argv,
                "--collect-only",
                "-q",
                "-p",
                "no:cacheprovider",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=empty,
        )
    if done.returncode != 4:
        return None
    said = [line for line in (done.stderr + done.stdout).splitlines() if "error" in line.lower()]
    return said[-1].strip() if said else "pytest refused the command line (exit 4)"


def _make(arguments: list[str], root: Path) -> str | None:
    """Every target must be a rule of the Makefile (``NAME=value`` sets a variable: no target)."""
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    rules = set(re.findall(r"^([\w.-]+):", makefile, flags=re.MULTILINE))
    targets = [a for a in arguments if not a.startswith("-") and not re.match(r"^\w+=", a)]
    missing = [target for target in targets if target not in rules]
    return f"the Makefile has no target {', '.join(missing)}" if missing else None


#: How each program's command is checked: ``(arguments, root) -> problem or None``.
COMMANDS: dict[str, Callable[[list[str], Path], str | None]] = {
    "conformance": _conformance,
    "pytest": _pytest,
    "make": _make,
}
