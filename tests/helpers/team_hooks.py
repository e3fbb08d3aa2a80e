"""A team's hooks module, as a test writes it into a folder (``team_hooks.py``) for
``conformance fuzz --hooks`` and ``pytest --target-hooks``: each hook logs its call to
``events.jsonl``, and ``after_run`` sends one request with the run's client (its reply's error
code logged) and masks the token in a text of its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["HOOKS", "events", "write_hooks"]

HOOKS = """
import json

def _log(*event):
    with open("events.jsonl", "a") as out:
        out.write(json.dumps(event) + "\\n")

def before_run(context):
    _log("before_run", context.url)

def after_create(context, created):
    _log("after_create", created.id, created.method)

def after_run(context, created_all):
    reply = context.call("create.sites", {"access_token": context.token})
    _log("after_run", [c.id for c in created_all], reply["error"]["code"],
         context.mask("token " + context.token))
"""


def write_hooks(folder: Path) -> Path:
    """``folder/team_hooks.py``, the module above."""
    path = folder / "team_hooks.py"
    path.write_text(HOOKS, encoding="utf-8")
    return path


def events(folder: Path) -> list[list[Any]]:
    """The hooks' calls, in order, as they logged them in ``folder``."""
    lines = (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]
