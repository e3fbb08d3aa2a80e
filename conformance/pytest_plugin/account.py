"""The plugin against a real account: the team's hooks (``--target-hooks``) and the ids of
what the session created (``--target-created``), with the engine's code for both
(``conformance.engine.hooks``, ``conformance.engine.creations``) and the file
``conformance fuzz --created`` writes (``conformance.reporting.created``).

As on the command line, the hooks are given a ``HookContext`` (the target, the settings, a
client that sends with them, masking):

- ``before_run`` once, before anything is sent (before the check of the target that precedes
  collection, which sends a request that may create);
- ``after_create`` after each creation (the check's one included);
- ``after_run`` once at the session's end, with every creation, whatever ended it (its end, a
  failed test, Ctrl-C, SIGTERM, a set-up error, a hook that raised). SIGTERM is taken as
  Ctrl-C (``conformance.engine.interrupts``), and the session exits 143, as the command.

A hook that raises ends the session with one line naming the hook (its message masked), no
traceback, exit 3 (``conformance fuzz``'s code): ``before_run`` raising sends nothing;
``after_create`` raising stops the session after the test it raised in, which is skipped
(the hook's line is the session's last). A module that cannot be loaded is a usage error.

Under pytest-xdist the hooks are refused (a usage error): each worker is a process of its own,
so ``before_run`` and ``after_run`` would run once a worker, and a hook that raised in a
worker could not stop the session. ``--target-created`` works there: each worker hands its
creations to the controller, which writes the one file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Generator
from pathlib import Path
from typing import Any, Final

import pytest

from conformance.engine.creations import Created
from conformance.engine.hooks import HookContext, HookFailed, Hooks
from conformance.engine.interrupts import CtrlC, kept
from conformance.pytest_plugin.options import (
    CREATED_OPTION,
    HOOKS_OPTION,
    SETTINGS_KEY,
    dest,
    target_url,
)
from conformance.pytest_plugin.shared import REPORT_KEY

#: The exit code of a session a hook ended, as ``conformance fuzz``'s (``EXIT_HOOK``).
EXIT_HOOK: Final = 3

#: The exit codes after which pytest prints the terminal summary (``TerminalReporter``).
_SUMMARY_EXIT_CODES: Final = frozenset(
    {
        pytest.ExitCode.OK,
        pytest.ExitCode.TESTS_FAILED,
        pytest.ExitCode.INTERRUPTED,
        pytest.ExitCode.USAGE_ERROR,
        pytest.ExitCode.NO_TESTS_COLLECTED,
    }
)

#: The exit code of a session SIGTERM ended, as ``conformance fuzz``'s (128 + 15).
EXIT_TERMINATED: Final = 143

#: The key of a worker's creations in ``workeroutput``.
WORKER_CREATED: Final = "conformance_created"


def _distributed(config: pytest.Config) -> bool:
    """Whether pytest-xdist runs the tests in workers (``-n N`` with N > 0)."""
    option = config.option
    return getattr(option, "dist", "no") != "no" and bool(getattr(option, "tx", None))


class _XdistCreated:
    """The xdist hook that gathers each worker's creations, registered only where xdist is
    (pluggy refuses unknown hooks)."""

    def __init__(self, parts: list[str]) -> None:
        self.parts = parts

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        part = getattr(node, "workeroutput", {}).get(WORKER_CREATED)
        if part is not None:
            self.parts.append(part)


class Account:
    """One test process's hooks and creations; see the module docstring."""

    def __init__(self, config: pytest.Config, hooks: Hooks | None) -> None:
        self.config = config
        self.hooks = hooks
        self.worker = hasattr(config, "workerinput")
        #: the creations this process saw, in order (the check of the target's included)
        self.created: list[Created] = []
        #: the workers' creations, a JSON list of their ``as_dict`` each (the controller's)
        self.parts: list[str] = []
        self.context: HookContext | None = None
        #: the one line of the first hook that raised
        self.error: str | None = None
        self.in_test = False
        #: SIGTERM (what CI sends on a cancel or a timeout) taken as Ctrl-C, so that the
        #: session ends with after_run and the created file instead of dying with neither
        self._signals = contextlib.ExitStack()
        self.ctrl_c: CtrlC | None = None
        if not self.worker:
            self.ctrl_c = self._signals.enter_context(kept())
            # a cleanup, not pytest_unconfigure: cleanups run last registered first, so this
            # one and pytest's own of sys.unraisablehook undo their changes in turn
            config.add_cleanup(self._signals.close)
        if not self.worker and config.pluginmanager.hasplugin("xdist"):
            config.pluginmanager.register(_XdistCreated(self.parts), "conformance-created")

    # --- before the run ------------------------------------------------------------------------

    def start(self) -> None:
        """Call ``before_run`` (once: in the process the user started, before the target is
        checked); a hook that raises ends the session here, nothing sent."""
        if self.hooks is None or self.context is not None:
            return
        from conformance.reporting.redaction import header_secrets

        settings = self.config.stash[SETTINGS_KEY]
        self.context = HookContext(
            target_url(self.config) or "", settings, header_secrets(settings.headers)
        )
        try:
            self.hooks.call("before_run", self.context)
        except HookFailed as failed:
            self._raised(failed)

    def _raised(self, failed: HookFailed) -> None:
        """End the session at a hook that raised: in a test, as its skip and a stop once it
        ends (a skip hypothesis re-raises at once; a failure, or ``pytest.exit``'s exception,
        it would shrink on, sending and creating again); out of one, at once."""
        self.error = self.error or str(failed)
        if self.in_test:
            session = self.config.stash[_SESSION_KEY]
            session.shouldstop = f"conformance: {failed}"
            pytest.skip("conformance: the session stops: a hook raised (said below)")
        pytest.exit(f"conformance: {failed}", returncode=EXIT_HOOK)

    # --- each creation -------------------------------------------------------------------------

    def on_create(self, created: Created) -> None:
        """``Settings.on_create``: keep ``created`` and call ``after_create``."""
        self.created.append(created)
        if self.hooks is None or self.context is None or self.error is not None:
            return
        try:
            self.hooks.call("after_create", self.context, created)
        except HookFailed as failed:
            self._raised(failed)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.config.stash[_SESSION_KEY] = session

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        self.in_test = True
        try:
            return (yield)
        finally:
            self.in_test = False

    # --- the end -------------------------------------------------------------------------------

    def _all_created(self) -> list[Created]:
        """This process's creations, then the requests a Ctrl-C left unanswered (kept in the
        report only: ``Settings.on_create`` is told of confirmed creations)."""
        report = self.config.stash.get(REPORT_KEY, None)
        unconfirmed = [c for c in report.created if not c.confirmed] if report is not None else []
        return self.created + unconfirmed

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        created = self._all_created()
        if self.worker:
            output: dict[str, Any] = getattr(self.config, "workeroutput")  # noqa: B009
            # as JSON text: execnet's own serializer takes no integer past 32 bits, and the
            # kit's requests hold some on purpose
            output[WORKER_CREATED] = json.dumps([item.as_dict() for item in created])
            return
        created += [Created(**entry) for part in self.parts for entry in json.loads(part)]
        path = self.config.getoption(dest(CREATED_OPTION))
        if path:
            self._write(session, exitstatus, path, created)
        if self.hooks is not None and self.context is not None:
            try:
                self.hooks.call("after_run", self.context, created)
            except HookFailed as failed:
                self._say(exitstatus, f"conformance: {failed}")
                self.error = self.error or str(failed)
            finally:
                self.context.close()
        if self.error is not None:
            session.exitstatus = EXIT_HOOK
        elif self.ctrl_c is not None and self.ctrl_c.terminated:
            session.exitstatus = EXIT_TERMINATED

    def _write(
        self, session: pytest.Session, exitstatus: int, path: str, created: list[Created]
    ) -> None:
        from conformance.reporting.created import write_created

        settings = self.config.stash[SETTINGS_KEY]
        try:
            write_created(path, created, target_url(self.config), settings.token)
        except OSError as error:  # its folder was checked before the run; it may have gone
            why = error.strerror or str(error)
            self._say(exitstatus, f"conformance: cannot write {CREATED_OPTION} {path}: {why}")
            session.exitstatus = pytest.ExitCode.USAGE_ERROR

    def _say(self, exitstatus: int, line: str) -> None:
        """Print ``line`` once: in the terminal summary, or now on stderr where the session
        ends without one (pytest prints it for these exit codes only)."""
        if exitstatus in _SUMMARY_EXIT_CODES:
            self._lines.append(line)
        else:
            import sys

            sys.stderr.write(line + "\n")

    @property
    def _lines(self) -> list[str]:
        return self.config.stash.setdefault(_LINES_KEY, [])

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for line in self._lines:
            terminalreporter.write_line(line, red=True)


_SESSION_KEY: Final = pytest.StashKey[pytest.Session]()
_LINES_KEY: Final = pytest.StashKey[list[str]]()
_ACCOUNT_KEY: Final = pytest.StashKey[Account]()


def register(config: pytest.Config) -> None:
    """Load the hooks and register the account's hooks, where ``--target-hooks`` or
    ``--target-created`` is given; a usage error for what cannot work."""
    spec: str | None = config.getoption(dest(HOOKS_OPTION)) or None
    path: str | None = config.getoption(dest(CREATED_OPTION)) or None
    if spec is None and path is None:
        return
    if path is not None and not Path(path).absolute().parent.is_dir():
        raise pytest.UsageError(
            f"conformance: {CREATED_OPTION} {path}: no folder {Path(path).parent}"
        )
    hooks: Hooks | None = None
    if spec is not None:
        if _distributed(config):
            raise pytest.UsageError(
                f"conformance: {HOOKS_OPTION} runs before_run and after_run once, in one "
                "process: leave out -n (pytest-xdist), or use -n 0"
            )
        from conformance.engine.hooks import load
        from conformance.errors import ArgumentError

        try:
            hooks = load(spec, HOOKS_OPTION)
        except ArgumentError as error:
            raise pytest.UsageError(f"conformance: {error}") from None
    account = Account(config, hooks)
    config.stash[_ACCOUNT_KEY] = account
    settings = config.stash[SETTINGS_KEY]
    config.stash[SETTINGS_KEY] = dataclasses.replace(settings, on_create=account.on_create)
    config.pluginmanager.register(account, "conformance-account")


def start(config: pytest.Config) -> None:
    """``before_run``, where hooks are given (see ``Account.start``)."""
    account = config.stash.get(_ACCOUNT_KEY, None)
    if account is not None:
        account.start()


__all__ = ["EXIT_HOOK", "EXIT_TERMINATED", "Account", "register", "start"]
