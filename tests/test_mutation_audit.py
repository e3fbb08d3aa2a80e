"""``make audit`` (tools/mutation/audit.py): issue 20's bugs applied by hand, each against the
tests that must fail on it. Here: every entry of tools/mutation/audit.toml still applies to the
code as it is (a refactoring that moves an entry's code says so here, not months later), and
the audit's verdicts, exit code and restoring, on a small tree of its own (the audit changes
modules in place: run on this tree, it would change modules other tests are importing)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AUDIT = ROOT / "tools" / "mutation" / "audit.py"

TOY = "def double(x):\n    return x * 2\n"
TOY_TEST = "from toy import double\n\n\ndef test_double():\n    assert double(2) == 4\n"
ENTRIES = """
[[entry]]
id = "caught"
row = 1
words = "doubles into triples"
module = "toy.py"
old = "x * 2"
new = "x * 3"
tests = ["test_toy.py"]

[[entry]]
id = "unseen"
row = 2
words = "adds two: the same on the only value the test tries"
module = "toy.py"
old = "x * 2"
new = "x + 2"
tests = ["test_toy.py::test_double"]

[[entry]]
id = "moved"
row = 3
words = "code that is no longer there"
module = "toy.py"
old = "x * 4"
new = "x * 5"
tests = ["test_toy.py"]
"""


def _audit(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(AUDIT), *argv], capture_output=True, text=True, timeout=120
    )


def test_every_entry_of_the_audit_still_applies() -> None:
    """Each entry's ``old`` occurs once in its module and ``new`` leaves valid Python: where
    this fails, the code moved; rewrite the entry in tools/mutation/audit.toml (never drop it)."""
    entries = tomllib.loads(AUDIT.with_suffix(".toml").read_text("utf-8"))["entry"]
    assert len(entries) >= 19  # issue 20's 15 bugs and 4 scrub_* identities: the proof stays
    run = _audit("--check")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count(": applies\n") == len(entries), run.stdout


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_the_audit_says_killed_survived_or_no_longer_applies_and_restores(tmp_path: Path) -> None:
    """Killed where the test fails, SURVIVED where it passes with the bug, "no longer applies"
    where the code moved; exit 1; the module as it was after, and a module an earlier audit
    killed outright left changed put back from its copy first."""
    (tmp_path / "toy.py").write_text("def double(x):\n    return None  # left by a killed run\n")
    (tmp_path / ".mutation" / "audit").mkdir(parents=True)
    (tmp_path / ".mutation" / "audit" / "toy.py").write_text(TOY)
    (tmp_path / "test_toy.py").write_text(TOY_TEST)
    (tmp_path / "audit.toml").write_text(ENTRIES)
    run = _audit("--root", str(tmp_path), "--entries", str(tmp_path / "audit.toml"))
    out = run.stdout
    assert run.returncode == 1, out + run.stderr
    assert "restored toy.py from a copy an earlier audit left" in out
    assert "the tests pass on the unchanged tree" in out
    assert "| 1 | `caught` | `toy.py` | killed |" in out, out
    assert "test_toy.py::test_double (AssertionError at test_toy.py:5)" in out, out
    assert "| 2 | `unseen` | `toy.py` | SURVIVED |" in out, out
    assert (
        "| 3 | `moved` | `toy.py` | NO LONGER APPLIES | 0 | no longer applies: `old` occurs 0"
        in out
    )
    assert "1 of 3 killed" in out
    assert (tmp_path / "toy.py").read_text() == TOY
    assert not list((tmp_path / ".mutation" / "audit").iterdir())


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_an_audit_whose_entries_all_fail_their_tests_exits_0(tmp_path: Path) -> None:
    """Every bug seen: exit 0, the module as it was."""
    (tmp_path / "toy.py").write_text(TOY)
    (tmp_path / "test_toy.py").write_text(TOY_TEST)
    (tmp_path / "audit.toml").write_text("[[entry]]" + ENTRIES.split("[[entry]]")[1])
    run = _audit("--root", str(tmp_path), "--entries", str(tmp_path / "audit.toml"), "caught")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 of 1 killed" in run.stdout
    assert (tmp_path / "toy.py").read_text() == TOY
