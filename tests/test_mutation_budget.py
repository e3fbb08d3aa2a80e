"""``make mutate MINUTES=N`` (tools/mutation/mutate.py --minutes): a module's mutants stop after
N minutes, and the score of those run, a random sample, is said with its 95% interval as the
module's estimate. Here: the interval, the score line, and that stopping a run stops the tests
it started (a pytest left running would keep mutating the module)."""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mutate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutate", ROOT / "tools/mutation/mutate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("killed", "run", "low", "high"),
    [  # Wilson's score interval at 95%, as tables give it
        (90, 100, 0.8256, 0.9448),
        (50, 50, 0.9287, 1.0),
        (0, 10, 0.0, 0.2775),
        (0, 0, 0.0, 1.0),
    ],
)
def test_the_interval_is_wilsons(
    mutate: ModuleType, killed: int, run: int, low: float, high: float
) -> None:
    got = mutate._wilson(killed, run)
    assert got == pytest.approx((low, high), abs=5e-4)


def test_a_whole_run_says_its_score_and_a_stopped_one_its_estimate(mutate: ModuleType) -> None:
    whole = mutate._score_line("m.py", 9, 1, 2, 0, " in 5 s")
    assert whole == "m.py: 90% killed (9 of 10; 2 equivalent) in 5 s"
    stopped = mutate._score_line("m.py", 90, 10, 2, 300, " in 60 s")
    assert stopped == (
        "m.py: 90% killed (90 of 100 run; 2 equivalent; 300 not run) in 60 s; the module's, "
        "estimated from those run at random: 83% to 94% (95%)"
    )
    none = mutate._score_line("m.py", 0, 0, 1, 8, " in 9 s")
    assert none == "m.py: no mutant run (8 not run; 1 equivalent) in 9 s"


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_a_run_past_its_deadline_is_stopped_with_the_processes_it_started(
    mutate: ModuleType, tmp_path: Path
) -> None:
    """cosmic-ray runs pytest as a child: both stop at the deadline, none left running."""
    pid_file = tmp_path / "child.pid"
    script = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    started = time.monotonic()
    finished = mutate._until([sys.executable, "-c", script], time.monotonic() + 2.0)
    assert finished is False and time.monotonic() - started < 15
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.05)
    assert not _alive(child), "the test run cosmic-ray started is still running"


def test_a_run_within_its_deadline_finishes_and_a_failure_raises(mutate: ModuleType) -> None:
    import subprocess

    assert mutate._until([sys.executable, "-c", "pass"], time.monotonic() + 30) is True
    assert mutate._until([sys.executable, "-c", "pass"], None) is True
    with pytest.raises(subprocess.CalledProcessError):
        mutate._until([sys.executable, "-c", "raise SystemExit(3)"], None)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its parent's parent) is not running
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")
