"""The repository's own .pre-commit-config.yaml: valid for pre-commit, and running exactly the
checks of ``make lint`` (ruff, ruff format, mypy on the package and on the tests' helpers) with
the tools ``make install`` put in the project's .venv, which exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from pre_commit.clientlib import load_config

ROOT = Path(__file__).resolve().parent.parent


def test_the_hooks_are_make_lints_checks_from_the_venv() -> None:
    config = load_config(str(ROOT / ".pre-commit-config.yaml"))  # raises on a bad file
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert [hook["id"] for hook in hooks] == ["ruff", "ruff-format", "mypy", "mypy-helpers"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    for hook in hooks:
        program, *arguments = shlex.split(hook["entry"])
        assert program.startswith(".venv/bin/"), hook["id"]
        # the same command as make lint's, bar the options that pass file names
        command = " ".join([Path(program).name, *(a for a in arguments if a != "--force-exclude")])
        assert re.search(rf"\$\(BIN\)/{re.escape(command)}\b", lint), (hook["id"], lint)
        assert hook["language"] in ("system", "unsupported")  # pre-commit 4.x renamed it
