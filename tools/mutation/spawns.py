"""A pytest plugin for ``make mutate``'s coverage pass: which tests start another process.

coverage.py sees the lines a test runs in this process (threads included), not in a child
process, where a test may also run the mutated module (``conformance fuzz`` in a subprocess).
mutate.py confirms a survivor of the tests that ran its line against the tests that start a
process, not the whole guard: a test that ran neither the line nor a process cannot tell the
mutant from the module. A process started while a fixture is set up or torn down may serve any
later test, so then every guard test counts; one started while tests are collected (an import
asking ldconfig for a library) serves none.

Written to the file named by ``$MUTATION_SPAWNS``: ``{"files": [...], "anywhere": bool}``.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

_now: dict[str, str] = {"test": "", "phase": ""}
_files: set[str] = set()
_anywhere: list[bool] = [False]
_started = subprocess.Popen.__init__
_forked = os.fork


def _note() -> None:
    if not _now["test"]:  # collection: an import's own process (trio asks ldconfig), no test's
        return
    if _now["phase"] == "call":
        _files.add(_now["test"].split("::", 1)[0])
    else:  # a fixture's process may serve any later test
        _anywhere[0] = True


def _popen(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
    _note()
    _started(self, *args, **kwargs)


def _fork() -> int:
    _note()
    return _forked()


subprocess.Popen.__init__ = _popen  # type: ignore[method-assign]
os.fork = _fork


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    _now.update(test=item.nodeid, phase="setup")
    try:
        return (yield)
    finally:
        _now["phase"] = ""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    _now.update(test=item.nodeid, phase="call")
    try:
        return (yield)
    finally:
        _now["phase"] = ""


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = os.environ.get("MUTATION_SPAWNS")
    if target:
        found = {"files": sorted(_files), "anywhere": _anywhere[0]}
        Path(target).write_text(json.dumps(found), "utf-8")
