"""The plugin's hooks (``--target-hooks``) and created ids (``--target-created``), as a team
sees them: pytest in a child process against the reference server, whose own store says what
was created; the hooks' calls logged to a file, the created file read back."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.targets import CUSTOMER_TOKEN, config_document
from helpers.team_hooks import events as logged_events
from helpers.team_hooks import write_hooks

from conformance.server import CreateSitesApp, SiteStore, serve_in_thread
from conformance.server.config import parse

# Pytest runs in subprocesses: make test runs them, make check not.
pytestmark = pytest.mark.slow


def _pytest(folder: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_TARGET_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *argv],
        cwd=folder, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@contextlib.contextmanager
def account() -> Iterator[tuple[str, SiteStore]]:
    with SiteStore(":memory:") as store:
        app = CreateSitesApp(parse(config_document()), store)
        with serve_in_thread(app, read_timeout=2.0) as url:
            yield url, store


def _site_ids(store: SiteStore) -> list[int]:
    return [site_id for site_id, _, _ in store.sites()]


def test_hooks_get_every_creation_and_the_created_file_lists_them(tmp_path: Path) -> None:
    """before_run first (before the check of the target, whose creation after_create is told
    of), after_create once a site the target made, after_run with them all and a client that
    sends with the session's token; the created file names every site, the token masked. The
    module named by its environment variable."""
    write_hooks(tmp_path)
    with account() as (url, store):
        done = _pytest(
            tmp_path, "--target-url", url, "--target-token", CUSTOMER_TOKEN,
            "--target-max-examples", "5", "--target-created", "created.json",
            CONFORMANCE_TARGET_HOOKS="team_hooks",
        )  # fmt: skip
        made = _site_ids(store)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    events = logged_events(tmp_path)
    assert events[0] == ["before_run", url]
    assert len(made) > 20
    assert [e[1] for e in events if e[0] == "after_create"] == made
    assert [e[0] for e in events].count("before_run") == 1
    # after_run last and once: every creation; its call judged by the target (the token taken)
    assert events[-1] == ["after_run", made, -32602, "token ***"]
    assert [e[0] for e in events].count("after_run") == 1
    text = (tmp_path / "created.json").read_text(encoding="utf-8")
    created = json.loads(text)
    assert created["count"] == len(made)
    assert [entry["id"] for entry in created["created"]] == made
    assert all(entry["request"]["method"] == "create.sites" for entry in created["created"])
    assert CUSTOMER_TOKEN not in text and '"access_token": "***"' in text


@pytest.mark.parametrize(
    ("team_test", "code"),
    [
        ("def test_fails():\n    assert False\n", 1),
        # what Ctrl-C raises: pytest ends the session as interrupted
        ("def test_interrupts():\n    raise KeyboardInterrupt\n", 2),
    ],
)
def test_after_run_is_called_when_a_test_fails_or_the_session_is_interrupted(
    tmp_path: Path, team_test: str, code: int
) -> None:
    """A failing test of the team's own, or one that stops the session as Ctrl-C does:
    after_run still runs once with what was created, the created file is still written."""
    write_hooks(tmp_path)
    (tmp_path / "test_team.py").write_text(team_test)
    with account() as (url, store):
        done = _pytest(
            tmp_path, "--target-url", url, "--target-token", CUSTOMER_TOKEN,
            "--target-hooks", "team_hooks", "--target-created", "created.json",
            "--target-max-examples", "2", "test_team.py",
        )  # fmt: skip
        made = _site_ids(store)
    assert done.returncode == code, done.stdout[-3000:] + done.stderr
    events = logged_events(tmp_path)
    # the suite's tests run after the team's: none once interrupted, only the check's site
    assert len(made) == 1 if code == 2 else len(made) > 20
    assert [e[0] for e in events] == ["before_run", *["after_create"] * len(made), "after_run"]
    assert events[-1][1] == made
    assert json.loads((tmp_path / "created.json").read_text())["count"] == len(made)


def test_sigterm_still_calls_after_run_and_writes_the_created_file(tmp_path: Path) -> None:
    """What CI sends on a cancel: the session ends as on Ctrl-C, after_run is called with what
    was created, the created file written, exit 143 (the command's), within seconds."""
    write_hooks(tmp_path)
    (tmp_path / "test_team.py").write_text(
        "import pathlib, time\n"
        "def test_waits():\n"
        "    pathlib.Path('started').touch()\n"
        "    time.sleep(60)\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_TARGET_")}
    with account() as (url, store):
        child = subprocess.Popen(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--target-url", url,
             "--target-token", CUSTOMER_TOKEN, "--target-hooks", "team_hooks",
             "--target-created", "created.json", "test_team.py"],
            cwd=tmp_path, env=clean, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not (tmp_path / "started").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            child.send_signal(signal.SIGTERM)
            out, err = child.communicate(timeout=30)
        finally:
            child.kill()
        made = _site_ids(store)
    assert child.returncode == 143, out[-3000:] + err
    assert "Traceback" not in out + err
    events = logged_events(tmp_path)
    assert [e[0] for e in events] == ["before_run", "after_create", "after_run"]
    assert events[-1][1] == made
    assert json.loads((tmp_path / "created.json").read_text())["count"] == len(made) == 1


@pytest.mark.parametrize(
    ("raise_at", "argv"),
    [
        # the check of the target's creation: the session stops before collection
        (1, ()),
        # a creation of the valid family's test, under hypothesis (which would shrink on a
        # failure, sending and creating again)
        (2, ("-k", "test_valid_accepted")),
        # a creation of a parametrized test
        (2, ("-k", "test_boundary_accepted")),
    ],
)
def test_an_after_create_that_raises_stops_the_session_once(
    tmp_path: Path, raise_at: int, argv: tuple[str, ...]
) -> None:
    """One line names the hook (its message masked), no traceback, exit 3; no request is sent
    after it, after_run is still called with every creation."""
    (tmp_path / "hooks.py").write_text(
        "made = []\n"
        "def after_create(context, created):\n"
        "    made.append(created.id)\n"
        f"    if len(made) == {raise_at}:\n"
        "        raise ValueError('cannot delete with ' + context.token)\n"
        "def after_run(context, created_all):\n"
        "    with open('after_run.txt', 'w') as out:\n"
        "        out.write(str(len(created_all)))\n"
    )
    with account() as (url, store):
        done = _pytest(
            tmp_path, "--target-url", url, "--target-token", CUSTOMER_TOKEN,
            "--target-hooks", "hooks.py", "--target-created", "created.json", *argv,
        )  # fmt: skip
        made = _site_ids(store)
    said = done.stdout + done.stderr
    assert done.returncode == 3, said[-3000:]
    line = "hook after_create (hooks.py) raised ValueError: cannot delete with ***"
    assert said.count(line) == 1, said[-3000:]
    assert "Traceback" not in said and CUSTOMER_TOKEN not in said
    assert len(made) == raise_at
    assert (tmp_path / "after_run.txt").read_text() == str(raise_at)
    assert json.loads((tmp_path / "created.json").read_text())["count"] == raise_at


def test_a_before_run_that_raises_sends_nothing(tmp_path: Path) -> None:
    (tmp_path / "hooks.py").write_text(
        "def before_run(context):\n    1 / 0\n"
        "def after_run(context, created_all):\n    open('after_run.txt', 'w').close()\n"
    )
    with account() as (url, store):
        done = _pytest(tmp_path, "--target-url", url, "--target-token", CUSTOMER_TOKEN,
                       "--target-hooks", "hooks.py")  # fmt: skip
        made = _site_ids(store)
    said = done.stdout + done.stderr
    assert done.returncode == 3 and made == [], said[-3000:]
    assert said.count("hook before_run (hooks.py) raised ZeroDivisionError: division by zero") == 1
    assert "Traceback" not in said
    assert (tmp_path / "after_run.txt").exists()


def test_an_after_run_that_raises_is_said_once_with_exit_3(tmp_path: Path) -> None:
    (tmp_path / "hooks.py").write_text(
        "def after_run(context, created_all):\n    raise RuntimeError('cleanup failed')\n"
    )
    with account() as (url, _):
        done = _pytest(tmp_path, "--target-url", url, "--target-token", CUSTOMER_TOKEN,
                       "--target-max-examples", "2", "--target-hooks", "hooks.py")  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 3, said[-3000:]
    assert said.count("hook after_run (hooks.py) raised RuntimeError: cleanup failed") == 1
    assert "Traceback" not in said


@pytest.mark.parametrize(
    ("spec", "text", "line"),
    [
        ("no_such_hooks", None, "--target-hooks no_such_hooks: no module named 'no_such_hooks'"),
        ("broken.py", "import no_such_package_here\n", "--target-hooks broken.py: the module "
         "failed to load: ModuleNotFoundError: No module named 'no_such_package_here'"),
    ],
)  # fmt: skip
def test_hooks_that_cannot_be_loaded_are_one_usage_error(
    tmp_path: Path, spec: str, text: str | None, line: str
) -> None:
    if text is not None:
        (tmp_path / spec).write_text(text)
    with account() as (url, store):
        done = _pytest(tmp_path, "--target-url", url, "--target-token", CUSTOMER_TOKEN,
                       "--target-hooks", spec)  # fmt: skip
        made = _site_ids(store)
    said = done.stdout + done.stderr
    assert done.returncode == 4 and made == [], said[-3000:]
    assert said.count(line) == 1 and "Traceback" not in said


def test_a_created_file_in_no_folder_is_a_usage_error_before_anything_is_sent(
    tmp_path: Path,
) -> None:
    with account() as (url, store):
        done = _pytest(tmp_path, "--target-url", url, "--target-token", CUSTOMER_TOKEN,
                       "--target-created", "missing/created.json")  # fmt: skip
        made = _site_ids(store)
    said = done.stdout + done.stderr
    assert done.returncode == 4 and made == [], said[-3000:]
    assert said.count("conformance: --target-created missing/created.json: no folder missing") == 1


def test_under_xdist_the_hooks_are_refused_and_one_created_file_has_every_worker(
    tmp_path: Path,
) -> None:
    (tmp_path / "hooks.py").write_text("def after_run(context, created_all):\n    pass\n")
    with account() as (url, store):
        refused = _pytest(tmp_path, "--target-url", url, "--target-token", CUSTOMER_TOKEN,
                          "--target-hooks", "hooks.py", "-n", "2")  # fmt: skip
        assert _site_ids(store) == []
        done = _pytest(
            tmp_path, "--target-url", url, "--target-token", CUSTOMER_TOKEN, "-n", "2",
            "--target-max-examples", "3", "--target-created", "created.json",
        )  # fmt: skip
        made = _site_ids(store)
    assert refused.returncode == 4
    assert (
        "conformance: --target-hooks runs before_run and after_run once, in one process: leave "
        "out -n (pytest-xdist), or use -n 0" in refused.stdout + refused.stderr
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    created = json.loads((tmp_path / "created.json").read_text())
    assert sorted(entry["id"] for entry in created["created"]) == made
    assert created["count"] == len(made) > 20
