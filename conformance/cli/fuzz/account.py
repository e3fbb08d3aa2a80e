"""The options of ``conformance fuzz`` for a run against a real account: the traffic log
(``--record``), the ids of what the run created (``--created``), the team's hooks
(``--hooks``) and the budget on creations (``--max-creates``, ``--creates``).

``Account.prepare`` checks every path and loads the hooks before anything is sent;
``callbacks`` are the settings' ``on_sent`` and ``on_create``; ``start`` calls ``before_run``;
``finish`` ends the HAR file, writes the created ids and calls ``after_run``, whatever ended
the run (its end, Ctrl-C, SIGTERM, a target that stopped, a hook that raised), and returns
``EXIT_HOOK`` where a hook raised.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conformance.cli import EXIT_HOOK, EXIT_USAGE
from conformance.cli.fuzz.output import check_writable
from conformance.errors import ArgumentError

if TYPE_CHECKING:
    from conformance.cli import Streams
    from conformance.engine.creations import Created
    from conformance.engine.hooks import HookContext, Hooks
    from conformance.engine.results import Report
    from conformance.engine.settings import Settings
    from conformance.traffic.recorder import Recorder


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the options of a run against a real account."""
    group = parser.add_argument_group(
        "a real account",
        "A run creates what it sends successfully (a default run of create.sites: about 150 "
        "sites): keep their ids, delete them in a hook, bound them.",
    )
    group.add_argument(
        "--record",
        metavar="FILE",
        help="write every exchange of the run to FILE as HAR 1.2 (the token and secret headers "
        "masked), even when the run is stopped",
    )
    group.add_argument(
        "--created",
        metavar="FILE",
        help="write the ids of everything the run created to FILE (JSON: one entry a creation, "
        "with the request that created it, the token masked)",
    )
    group.add_argument(
        "--hooks",
        metavar="MODULE_OR_PATH",
        help="a Python module (an import name or a .py file) with any of before_run(context), "
        "after_create(context, created), after_run(context, created_all); exit 3 if one raises",
    )
    group.add_argument(
        "--max-creates",
        type=int,
        metavar="N",
        help="after N creations, send no more cases that may create (the valid family, cases "
        "expected to succeed); the report says how many were not sent",
    )
    group.add_argument(
        "--creates",
        action="append",
        metavar="METHOD",
        help="a method whose successes are creations (repeatable; default: create.sites; an "
        "OpenRPC document's methods create nothing unless named)",
    )


@dataclass
class Account:
    """One run's account options; see the module docstring."""

    args: argparse.Namespace
    recorder: Recorder | None = None
    hooks: Hooks | None = None
    context: HookContext | None = None
    #: the one-line error of a hook that raised
    hook_error: str | None = None
    started: bool = False
    created: list[Created] = field(default_factory=list)

    @classmethod
    def prepare(cls, args: argparse.Namespace, token: str) -> Account:
        """Check the paths and load the hooks, before any case is sent; ``ArgumentError`` for
        what cannot work. Opens the HAR file."""
        for option, path in (("--record", args.record), ("--created", args.created)):
            if path:
                why = check_writable(path)
                if why is not None:
                    raise ArgumentError(f"cannot write {option} {path}: {why}")
        if args.max_creates is not None and args.max_creates < 0:
            raise ArgumentError(f"--max-creates must be >= 0; got {args.max_creates}")
        account = cls(args)
        if args.hooks:
            from conformance.engine.hooks import load

            account.hooks = load(args.hooks)
        if args.record:
            from conformance.traffic.recorder import Recorder

            account.recorder = Recorder(args.record, token)
        return account

    def settings(self, document: bool) -> dict[str, Any]:
        """The settings the options give: the callbacks, the budget, the creating methods
        (``document``: an OpenRPC document's, whose methods create nothing unless named)."""
        chosen: dict[str, Any] = {"max_creates": self.args.max_creates}
        if self.args.creates:
            chosen["creates"] = frozenset(self.args.creates)
        elif document:
            chosen["creates"] = frozenset()
        if self.recorder is not None:
            chosen["on_sent"] = self.recorder
        if self.hooks is not None:
            chosen["on_create"] = self._after_create
        return chosen

    def _after_create(self, created: Created) -> None:
        from conformance.engine.hooks import HookFailed
        from conformance.engine.session import Stop

        if self.hooks is None or self.context is None:
            return
        try:
            self.hooks.call("after_create", self.context, created)
        except HookFailed as failed:
            self.hook_error = str(failed)
            raise Stop(f"{failed}; the run stops here") from None

    def start(self, url: str, settings: Settings) -> None:
        """Call ``before_run``; ``HookFailed`` where it raises (nothing is sent then)."""
        if self.hooks is None:
            return
        from conformance.engine.hooks import HookContext, HookFailed
        from conformance.reporting.redaction import header_secrets

        self.context = HookContext(url, settings, header_secrets(settings.headers))
        self.started = True
        try:
            self.hooks.call("before_run", self.context)
        except HookFailed as failed:
            self.hook_error = str(failed)
            raise

    def finish(self, report: Report | None, streams: Streams) -> int | None:
        """End the HAR file, write the created ids, call ``after_run``; the exit code that
        overrides the run's (``EXIT_HOOK``, ``EXIT_USAGE`` for a file not written), or
        ``None``."""
        from conformance.engine.hooks import HookFailed

        code: int | None = None
        created = list(report.created) if report is not None else []
        if self.recorder is not None:
            self.recorder.close()
            if self.recorder.error is not None:
                streams.stderr.write(f"conformance fuzz: error: --record {self.recorder.error}\n")
                code = EXIT_USAGE
            else:
                streams.stderr.write(
                    f"conformance fuzz: {self.recorder.count} exchanges recorded in "
                    f"{self.args.record} (HAR 1.2)\n"
                )
        if self.args.created:
            try:
                from conformance.reporting.created import write_created

                target = report.target if report is not None else None
                token = report.settings.token if report is not None else ""
                write_created(self.args.created, created, target, token)
            except OSError as error:
                streams.stderr.write(
                    f"conformance fuzz: error: cannot write --created {self.args.created}: "
                    f"{error.strerror or error}\n"
                )
                code = EXIT_USAGE
        if self.hooks is not None and self.context is not None and self.started:
            try:
                self.hooks.call("after_run", self.context, created)
            except HookFailed as failed:
                self.hook_error = self.hook_error or str(failed)
                if str(failed) != self.hook_error:
                    streams.stderr.write(f"conformance fuzz: error: {failed}\n")
            finally:
                self.context.close()
        if self.hook_error is not None:
            streams.stderr.write(f"conformance fuzz: error: {self.hook_error}\n")
            return EXIT_HOOK
        return code


__all__ = ["Account", "configure"]
