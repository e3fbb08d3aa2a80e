"""``make audit``: issue 20's audit kept as a check. Each entry of tools/mutation/audit.toml is
one bug a user would feel, applied by hand to its module, and the user-level tests that must
fail on it; the audit applies each in turn, runs its tests, restores the module, and prints a
table: the entry, ``killed`` (a test failed) or ``SURVIVED``, the seconds, the first test
that failed and what it raised where.

    .venv/bin/python tools/mutation/audit.py [ID ...] [--check] [--timeout SECONDS]

``--check`` only says whether each entry still applies (its ``old`` occurs exactly once in its
module, and ``new`` leaves valid Python): "no longer applies" means the code moved and the
entry must be rewritten. Exit 1 if any entry survived, no longer applies, timed out or ran no
test; 0 if every one was killed.

The tests first run once on the unchanged tree (where they fail already, every bug would count
as killed). The module is copied aside to .mutation/audit/ before it is changed and restored
from the copy in a ``finally``; a copy left there by a run killed outright is restored before
anything else. The module is changed in place: run it in a tree no other test run is using.
Not part of ``make test``: it runs tests once per entry.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from mutate import ROOT, _stop

ENTRIES = ROOT / "tools" / "mutation" / "audit.toml"

#: An entry's tests get this long before the run is stopped and the entry called TIMEOUT (not
#: killed: on a loaded machine a slow run is no proof that the bug was seen).
DEFAULT_TIMEOUT = 600.0

#: Tests naming a folder, or this many files or more, run under pytest-xdist on two workers.
XDIST_FROM = 3

#: The suite's own pytest configuration and plugins, as ``make test`` runs it (the OpenRPC and
#: browser tests need theirs), against the audited tree's package whatever the venv's editable
#: install points at.
PYTEST = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]


@dataclass(frozen=True)
class Entry:
    """One bug: ``old`` replaced by ``new`` in ``module``; ``tests`` must fail on it."""

    id: str
    row: int | str
    words: str
    module: str
    old: str
    new: str
    tests: tuple[str, ...]


def entries(path: Path) -> list[Entry]:
    tables = tomllib.loads(path.read_text("utf-8"))["entry"]
    found = [
        Entry(t["id"], t["row"], t["words"], t["module"], t["old"], t["new"], tuple(t["tests"]))
        for t in tables
    ]
    ids = [entry.id for entry in found]
    if len(set(ids)) != len(ids):
        sys.exit(f"{path}: an id is given twice")
    return found


def applies(entry: Entry, root: Path) -> str | None:
    """Why ``entry`` cannot be applied in ``root`` (``None``: it can)."""
    path = root / entry.module
    if not path.exists():
        return f"no longer applies: {entry.module} does not exist"
    text = path.read_text("utf-8")
    count = text.count(entry.old)
    if count != 1:
        return f"no longer applies: `old` occurs {count} times in {entry.module}, not once"
    if entry.old == entry.new:
        return "no longer applies: `new` is `old`"
    try:  # a bug that does not even compile would be "killed" by any test: it proves nothing
        compile(text.replace(entry.old, entry.new, 1), entry.module, "exec")
    except SyntaxError as error:
        return f"no longer applies: `new` makes {entry.module} invalid Python ({error.msg})"
    return None


def _command(tests: tuple[str, ...], root: Path) -> list[str]:
    files = {test.split("::")[0] for test in tests}
    many = len(files) >= XDIST_FROM or any((root / name).is_dir() for name in files)
    return PYTEST + (["-n", "2"] if many else []) + list(tests)


def _pytest(tests: tuple[str, ...], root: Path, timeout: float) -> tuple[str, str]:
    """Run ``tests``: (``passed``, ``failed``, ``timeout`` or ``no tests``; what pytest printed)."""
    environment = {**os.environ, "PYTHONPATH": str(root)}
    process = subprocess.Popen(
        _command(tests, root),
        cwd=root,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own group: a timeout ends the servers it started too
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        return "timeout", output
    finally:  # stopped by SIGTERM (``_stop``) while waiting: its group is ended too
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process.returncode == 0:
        return "passed", output
    if process.returncode == 5:  # pytest: no tests collected
        return "no tests", output
    return "failed", output  # a test failed, or the bug broke the module's import: killed


def _first_failed(output: str, root: Path) -> str:
    """The first test that failed, and what raised where (the traceback's last line), so that
    a bug killed by a crash rather than by an assertion shows."""
    test = re.search(r"^(?:FAILED|ERROR) (\S+)", output, re.MULTILINE)
    raised = re.search(r"^(\S+:\d+): (\w[\w.]*)$", output, re.MULTILINE)
    if test is None:
        return ""
    if raised is None:
        return test.group(1)
    place = raised.group(1).removeprefix(f"{root}/")
    return f"{test.group(1)} ({raised.group(2)} at {place})"


def _restore_leftovers(copies: Path, root: Path) -> None:
    """Put back modules a run stopped outright (SIGKILL) left changed: their copies remain."""
    for copy in sorted(copies.rglob("*.py")) if copies.exists() else []:
        module = root / copy.relative_to(copies)
        shutil.copyfile(copy, module)
        copy.unlink()
        print(f"restored {module.relative_to(root)} from a copy an earlier audit left", flush=True)


def audit(entry: Entry, root: Path, timeout: float) -> tuple[str, float, str]:
    """Apply ``entry``, run its tests, restore the module: (outcome, seconds, detail)."""
    why = applies(entry, root)
    if why is not None:
        return "NO LONGER APPLIES", 0.0, why
    path = root / entry.module
    copy = root / ".mutation" / "audit" / entry.module
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, copy)
    started = time.monotonic()
    try:
        text = path.read_text("utf-8")
        path.write_text(text.replace(entry.old, entry.new, 1), "utf-8")
        outcome, output = _pytest(entry.tests, root, timeout)
    finally:
        shutil.copyfile(copy, path)
        copy.unlink()
    took = time.monotonic() - started
    if outcome == "failed":
        return "killed", took, _first_failed(output, root)
    if outcome == "passed":
        return "SURVIVED", took, "every test passed with the bug in place"
    if outcome == "timeout":
        return "TIMEOUT", took, f"stopped after {timeout:.0f} s"
    return "NO TESTS", took, output.strip().splitlines()[-1] if output.strip() else ""


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)  # a CI's time limit: the finally restores the module
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*", help="entries to run (default: all)")
    parser.add_argument("--check", action="store_true", help="only check each entry applies")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds a run")
    parser.add_argument(
        "--no-clean-run", action="store_true", help="skip running the tests on the unchanged tree"
    )
    parser.add_argument("--entries", type=Path, default=ENTRIES, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    root = args.root.resolve()
    chosen = entries(args.entries)
    unknown = set(args.ids) - {entry.id for entry in chosen}
    if unknown:
        parser.error(f"no such entry: {sorted(unknown)}")
    if args.ids:
        chosen = [entry for entry in chosen if entry.id in args.ids]
    _restore_leftovers(root / ".mutation" / "audit", root)
    if args.check:
        problems = [(entry, applies(entry, root)) for entry in chosen]
        for entry, why in problems:
            print(f"{entry.id}: {why or 'applies'}")
        return 1 if any(why for _, why in problems) else 0
    if not args.no_clean_run:
        tests = tuple(dict.fromkeys(test for entry in chosen for test in entry.tests))
        started = time.monotonic()
        outcome, output = _pytest(tests, root, args.timeout)
        if outcome != "passed":
            print(output[-3000:])
            sys.exit(f"the audit's tests do not pass on the unchanged tree ({outcome}); fix first")
        print(f"the tests pass on the unchanged tree ({time.monotonic() - started:.0f} s)")
    rows = []
    started = time.monotonic()
    for entry in chosen:
        outcome, took, detail = audit(entry, root, args.timeout)
        rows.append((entry, outcome, took, detail))
        print(f"{entry.id}: {outcome} in {took:.0f} s {detail}", flush=True)
    print("\n| # | entry | module | outcome | seconds | first test failed, or why |")
    print("|---|---|---|---|---|---|")
    for entry, outcome, took, detail in rows:
        cells = (str(entry.row), f"`{entry.id}`", f"`{entry.module}`", outcome, f"{took:.0f}")
        print(f"| {' | '.join(cells)} | {detail} |")
    killed = sum(outcome == "killed" for _, outcome, _, _ in rows)
    print(f"\n{killed} of {len(rows)} killed in {time.monotonic() - started:.0f} s")
    return 0 if killed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
