"""``make mutate``'s test selection (tools/mutation/covering.py): a mutant runs the tests that ran
its line on the unmutated module, and every guard test wherever the map cannot say. A wrong
choice would call a mutant killed or survived on tests that never looked at it; here each way
it could choose wrongly is a test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
COVERING = ROOT / "tools" / "mutation" / "covering.py"

MODULE = """\
def small(x):
    return x < 10


def either(a, b):
    if (a and
            b):
        return 1
    return 0
"""

#: which tests ran each line, as mutate.py writes it from coverage.py's per-test contexts
COVERAGE = {
    "1": [""],
    "2": ["tests/test_toy.py::test_small"],
    "5": [""],
    "6": ["tests/test_toy.py::test_either", "tests/test_toy.py::test_either_too"],
    "8": ["tests/test_toy.py::test_either"],
    "9": ["tests/test_toy.py::test_either_too"],
}
GUARD = ["tests/test_toy.py", "tests/test_more.py"]


def _select(
    tmp_path: Path,
    mutated: str,
    code: int = 1,
    then: int | None = None,
    *options: str,
    verdict: int | None = None,
    **fields: object,
) -> list[str]:
    """The test commands covering.py runs for the mutant ``mutated`` (one line each): the
    stand-in exits with ``code``, and with ``then`` on a second run; covering.py's own exit
    code must be ``verdict`` (by default, the last run's)."""
    module, unmutated = tmp_path / "toy.py", tmp_path / "toy.unmutated"
    module.write_text(mutated, "utf-8")
    unmutated.write_text(MODULE, "utf-8")
    script = tmp_path / "echo.py"
    codes = tmp_path / "codes"
    codes.write_text(" ".join(str(c) for c in (code, then) if c is not None), "utf-8")
    script.write_text(
        "import sys; from pathlib import Path\n"
        f"codes = Path({str(codes)!r}).read_text().split()\n"
        f"Path({str(codes)!r}).write_text(' '.join(codes[1:]))\n"
        "print(' '.join(sys.argv[1:])); sys.exit(int(codes[0]))\n",
        "utf-8",
    )
    found = {
        "module": str(module),
        "unmutated": str(unmutated),
        "coverage": COVERAGE,
        "pytest": [sys.executable, str(script), "-x"],
        "guard": GUARD,
        **fields,
    }
    (tmp_path / "map.json").write_text(json.dumps(found), "utf-8")
    run = subprocess.run(
        [sys.executable, str(COVERING), str(tmp_path / "map.json"), *options],
        capture_output=True,
        text=True,
        check=False,
    )
    if verdict is None:
        verdict = code if then is None else then
    assert run.returncode == verdict, run.stderr
    return run.stdout.splitlines()


def test_a_mutant_in_a_body_runs_only_the_tests_that_ran_its_line(tmp_path: Path) -> None:
    assert _select(tmp_path, MODULE.replace("x < 10", "x <= 10")) == [
        "-x tests/test_toy.py::test_small"
    ]


def test_the_verdict_is_the_tests_exit_code(tmp_path: Path) -> None:
    """Killed where a test failed, survived where all passed (cosmic-ray reads the code)."""
    mutated = MODULE.replace("x < 10", "x <= 10")
    assert _select(tmp_path, mutated, code=0) == ["-x tests/test_toy.py::test_small"]


def test_a_continuation_line_runs_the_tests_of_its_statement(tmp_path: Path) -> None:
    """coverage records the condition under the if's first line (6), not line 7."""
    assert _select(tmp_path, MODULE.replace("            b):", "            not b):")) == [
        "-x tests/test_toy.py::test_either tests/test_toy.py::test_either_too"
    ]


def test_a_line_run_at_import_runs_every_guard_test(tmp_path: Path) -> None:
    """A default value or a decorator runs when the module is imported: by every test."""
    mutated = MODULE.replace("def small(x):", "def small(x=1):")
    assert _select(tmp_path, mutated) == ["-x tests/test_toy.py tests/test_more.py"]


def test_a_line_no_test_ran_runs_every_guard_test(tmp_path: Path) -> None:
    """A test in a subprocess may still reach it: coverage of this process never sees that."""
    mutated = MODULE.replace("\n\n\ndef either", "\nZ = 1 < 2\n\ndef either")
    assert _select(tmp_path, mutated) == ["-x tests/test_toy.py tests/test_more.py"]


def test_lines_added_or_removed_run_every_guard_test(tmp_path: Path) -> None:
    mutated = MODULE.replace("    return 0\n", "    return 0\n\n\nX = 1\n")
    assert _select(tmp_path, mutated) == ["-x tests/test_toy.py tests/test_more.py"]


def test_tests_pytest_cannot_find_are_no_kill_every_guard_test_runs(tmp_path: Path) -> None:
    """A map gone stale (a test renamed): pytest's usage error or "no tests" is no verdict on
    the mutant; the guard's answer is."""
    mutated = MODULE.replace("x < 10", "x <= 10")
    for stale in (4, 5):
        assert _select(tmp_path, mutated, code=stale, then=0) == [
            "-x tests/test_toy.py::test_small",
            "-x tests/test_toy.py tests/test_more.py",
        ]


def test_a_failure_of_the_chosen_tests_is_a_kill_without_the_guard(tmp_path: Path) -> None:
    mutated = MODULE.replace("return 1", "return 2")
    assert _select(tmp_path, mutated, code=1) == ["-x tests/test_toy.py::test_either"]


def test_a_survivor_of_the_chosen_tests_meets_every_other_guard_test(tmp_path: Path) -> None:
    """``--rest``: the guard without the tests the mutant already passed."""
    mutated = MODULE.replace("            b):", "            not b):")
    assert _select(tmp_path, mutated, 1, None, "--rest") == [
        "-x tests/test_toy.py tests/test_more.py"
        " --deselect=tests/test_toy.py::test_either --deselect=tests/test_toy.py::test_either_too"
    ]


def test_a_survivor_whose_chosen_tests_were_the_whole_guard_survives(tmp_path: Path) -> None:
    """Every guard test deselected: pytest's "no tests ran" is a survivor's verdict here."""
    mutated = MODULE.replace("x < 10", "x <= 10")
    assert _select(tmp_path, mutated, 5, None, "--rest", verdict=0) == [
        "-x tests/test_toy.py tests/test_more.py --deselect=tests/test_toy.py::test_small"
    ]


def test_a_survivor_that_already_met_the_whole_guard_runs_nothing_more(tmp_path: Path) -> None:
    mutated = MODULE.replace("def small(x):", "def small(x=1):")
    assert _select(tmp_path, mutated, 1, None, "--rest", verdict=0) == []


#: the guard's tests as pytest lists them (mutate.py keeps the list in the map)
LISTED = [
    "tests/test_toy.py::test_small",
    "tests/test_toy.py::test_either",
    "tests/test_toy.py::test_either_too",
    "tests/test_more.py::test_cli",
    "tests/test_more.py::test_other",
]
SURVIVOR = MODULE.replace("x < 10", "x <= 10")


@pytest.mark.parametrize(
    "spawns",
    [{"files": [], "anywhere": False}, {"files": ["tests/test_more.py"], "anywhere": False}],
    ids=["no-process", "a-file-starts-one"],
)
def test_a_survivor_meets_every_other_guard_test_whatever_starts_a_process(
    tmp_path: Path, spawns: dict[str, Any]
) -> None:
    """A test that ran neither the line nor a process can still tell the mutant apart: it may
    read back what the line made for an earlier test (a cached value: validator.py's member
    order, worked out by whichever test asks first, called a survivor on the chosen tests
    alone). Every guard test but the chosen ones runs."""
    assert _select(tmp_path, SURVIVOR, 1, None, "--rest", tests=LISTED, spawns=spawns) == [
        "-x tests/test_toy.py::test_either tests/test_toy.py::test_either_too"
        " tests/test_more.py::test_cli tests/test_more.py::test_other"
    ]


def test_a_process_started_outside_a_tests_call_may_serve_any_test(tmp_path: Path) -> None:
    """A fixture's process (or a map without the plugin's answer): every test but the chosen."""
    for spawns in ({"files": [], "anywhere": True}, None):
        assert _select(tmp_path, SURVIVOR, 1, None, "--rest", tests=LISTED, spawns=spawns) == [
            "-x tests/test_toy.py::test_either tests/test_toy.py::test_either_too"
            " tests/test_more.py::test_cli tests/test_more.py::test_other"
        ]


SPAWNING_TESTS = """import subprocess, sys

import pytest

subprocess.run([sys.executable, "-c", "pass"], check=True)  # at collection, as trio's import


@pytest.fixture
def server():
    subprocess.run([sys.executable, "-c", "pass"], check=True)


def test_starts_a_process():
    subprocess.run([sys.executable, "-c", "pass"], check=True)


def test_starts_none():
    assert True
"""


def _spawns(tmp_path: Path, tests: str, *selected: str) -> object:
    (tmp_path / "test_spawning.py").write_text(tests, "utf-8")
    found = tmp_path / "spawns.json"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "spawns",
         *(selected or ("test_spawning.py",))],
        cwd=tmp_path, capture_output=True, text=True, check=False,
        env={**os.environ, "MUTATION_SPAWNS": str(found), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
             "PYTHONPATH": str(ROOT / "tools" / "mutation")},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout
    return json.loads(found.read_text("utf-8"))


@pytest.mark.slow  # a second or more here: make test runs it, make check does not
def test_the_plugin_names_the_files_whose_tests_start_a_process(tmp_path: Path) -> None:
    assert _spawns(tmp_path, SPAWNING_TESTS) == {"files": ["test_spawning.py"], "anywhere": False}
    assert _spawns(tmp_path, SPAWNING_TESTS, "test_spawning.py::test_starts_none") == {
        "files": [],
        "anywhere": False,
    }


def test_the_plugin_says_anywhere_for_a_fixtures_process(tmp_path: Path) -> None:
    tests = SPAWNING_TESTS + "\n\ndef test_uses(server):\n    assert True\n"
    assert _spawns(tmp_path, tests, "test_spawning.py::test_uses") == {
        "files": [],
        "anywhere": True,
    }


def test_a_line_run_at_import_runs_the_guards_tests_by_name_quickest_first(tmp_path: Path) -> None:
    """Where the map lists the guard's tests (quickest first), those run, not the guard's
    arguments; a stale list is no verdict: the guard's own arguments decide."""
    mutated = MODULE.replace("def small(x):", "def small(x=1):")
    assert _select(tmp_path, mutated, tests=LISTED) == ["-x " + " ".join(LISTED)]
    assert _select(tmp_path, SURVIVOR, 4, 1, tests=LISTED) == [
        "-x tests/test_toy.py::test_small",
        "-x tests/test_toy.py tests/test_more.py",
    ]


def test_a_line_no_test_ran_runs_only_the_tests_that_start_a_process(tmp_path: Path) -> None:
    """Known which files' tests start a process: those alone may reach a line no test ran
    here; where none does, the mutant survives without a test run."""
    mutated = MODULE.replace("\n\n\ndef either", "\nZ = 1 < 2\n\ndef either")
    spawns = {"files": ["tests/test_more.py"], "anywhere": False}
    assert _select(tmp_path, mutated, tests=LISTED, spawns=spawns) == [
        "-x tests/test_more.py::test_cli tests/test_more.py::test_other"
    ]
    none = {"files": [], "anywhere": False}
    assert _select(tmp_path, mutated, 1, None, verdict=0, tests=LISTED, spawns=none) == []


def test_a_module_level_line_runs_every_guard_test_whatever_test_imported_it(
    tmp_path: Path,
) -> None:
    """A module imported lazily, inside its first test: coverage names that test for its
    module-level lines, but the constant they make serves every later test."""
    module = "LIMITS = {\n    True: 1,\n}\n\n\ndef small(x):\n    return x < LIMITS[True]\n"
    coverage = {"2": ["tests/test_toy.py::test_first"], "7": ["tests/test_toy.py::test_small"]}
    from importlib import util

    spec = util.spec_from_file_location("covering", COVERING)
    assert spec is not None and spec.loader is not None
    covering = util.module_from_spec(spec)
    spec.loader.exec_module(covering)
    assert covering.chosen_tests(coverage, module, [2]) is None
    assert covering.chosen_tests(coverage, module, [7]) == ["tests/test_toy.py::test_small"]
    assert covering.import_time_lines("@d(1)\ndef f(x=2):\n    return 3\n") == {1, 2}


def _covering() -> Any:
    from importlib import util

    spec = util.spec_from_file_location("covering", COVERING)
    assert spec is not None and spec.loader is not None
    covering = util.module_from_spec(spec)
    spec.loader.exec_module(covering)
    return covering


def test_a_change_made_at_import_runs_first_the_tests_that_use_what_it_made(
    tmp_path: Path,
) -> None:
    """A default value of ``either`` changed: every guard test still runs, those that ran
    ``either``'s body first (with -x, the one that fails stops the run: found at once)."""
    mutated = MODULE.replace("def either(a, b):", "def either(a, b=1):")
    first = ["tests/test_toy.py::test_either", "tests/test_toy.py::test_either_too"]
    rest = [t for t in LISTED if t not in first]
    assert _select(tmp_path, mutated, tests=LISTED) == ["-x " + " ".join(first + rest)]


REGISTRY = """\
CHECKS = {}
LIMIT = 10


def check(function):
    CHECKS[function.__name__] = function
    return function


@check
def small(x):
    return x < LIMIT


@check
def large(x):
    return x > 100
"""


def test_a_removed_decorator_or_a_changed_constant_names_the_lines_that_use_it() -> None:
    """A registration removed (lines removed: no line-for-line comparison) points at the
    decorated function's body; a constant changed, at the lines that read it."""
    covering = _covering()
    removed = REGISTRY.replace("@check\ndef large", "def large")
    touched = covering.touched_lines(removed.splitlines(), REGISTRY.splitlines())
    assert touched == [15]
    coverage = {
        "12": ["tests/test_r.py::test_small"],
        "17": ["tests/test_r.py::test_large"],
        "6": ["", "tests/test_r.py::test_first"],
    }
    assert covering.first_tests(coverage, REGISTRY, touched) == ["tests/test_r.py::test_large"]
    assert covering.first_tests(coverage, REGISTRY, [2]) == ["tests/test_r.py::test_small"]
    # the registry itself: every line that reads CHECKS, here the decorator's own body
    assert covering.first_tests(coverage, REGISTRY, [1]) == ["tests/test_r.py::test_first"]
