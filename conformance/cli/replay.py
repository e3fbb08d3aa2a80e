"""``conformance replay [FILE|DIR]...``: send saved failures again and say which still fail.

Each saved failure (``conformance fuzz`` writes them to ``.conformance/failures/``) is sent
``--times`` times (3), each time with a fresh unique domain name where the case makes one,
and judged by the rule it broke: ``FIXED`` (the rule held every time), ``FAILED`` (broken every
time), ``FLAKY`` (both), ``HELD`` (a rule judged across a run's requests, such as distinct site
ids, held on the sends of this case alone: that proves nothing fixed, a run does), ``ERROR``
(the file is no saved failure, or its case cannot be made).

Exit 0 when every failure is fixed; 1 otherwise; 2 for a usage error: no token, no saved
failure found, a path that does not exist, an unreachable target or a refused token.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from conformance.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from conformance.cli.fuzz import DEFAULT_TIMEOUT, TOKEN_ENV
from conformance.cli.fuzz.ci import DEFAULT_SAVE_FOLDER

if TYPE_CHECKING:
    from conformance.cli import Streams
    from conformance.engine.contract import Contract, MethodContract
    from conformance.engine.settings import Settings
    from conformance.generation.cases import Case
    from conformance.reporting.saved import Saved

HELP = "Send saved failures again; say FIXED, FAILED, FLAKY, HELD or ERROR for each."

#: A failure is FIXED when its rule holds on this many sends in a row.
DEFAULT_TIMES: Final = 3

VERDICTS: Final = ("FIXED", "FAILED", "FLAKY", "HELD", "ERROR")


EPILOG = """\
exit codes:
  0    every saved failure is FIXED
  1    some failure is FAILED, FLAKY, HELD or ERROR
  2    usage error: no token, no saved failure found, a path that does not exist, an
       unreachable target, a refused token, or a target the run cannot use (no JSON-RPC
       server, ids it does not know, the other revision of the contract)
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument(
        "paths",
        metavar="FILE|DIR",
        nargs="*",
        type=Path,
        help=f"saved failures, or folders of them (default {DEFAULT_SAVE_FOLDER})",
    )
    parser.add_argument("--url", help="send to this endpoint (default: the one each was found on)")
    parser.add_argument(
        "--openrpc",
        metavar="FILE",
        help="the OpenRPC document of failures found with --openrpc (default: the path each "
        "saved failure names)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV),
        help=f"an access token the target accepts (default: ${TOKEN_ENV})",
    )
    parser.add_argument(
        "--timeout", type=float, metavar="S", help="per request (default: the run's)"
    )
    parser.add_argument(
        "--times",
        type=int,
        default=DEFAULT_TIMES,
        metavar="N",
        help=f"sends per failure; FIXED needs the rule to hold on all (default {DEFAULT_TIMES})",
    )


def _settings(saved: Saved, args: argparse.Namespace) -> Settings:
    from conformance.contract import DEFAULT_REVISION
    from conformance.engine.settings import PROFILES, Settings
    from conformance.engine.setup import CLI_OPTIONS

    info: dict[str, Any] = saved.info
    # the run's ids and seed where the file holds them as integers; else Settings' defaults
    numbers: dict[str, Any] = {
        name: value
        for name in ("user_id", "scenario_id", "seed")
        if isinstance(value := info.get(name), int) and not isinstance(value, bool)
    }
    timeout = args.timeout or info.get("timeout") or DEFAULT_TIMEOUT
    role = info.get("role")
    revision = info.get("contract_revision")
    # what judged the document's run (absent in a file saved before profiles: the default)
    profile = info.get("profile")
    return Settings(
        # the revision is the saved run's: a message about it names the option that chose it
        options={**CLI_OPTIONS, "revision": "conformance fuzz --revision"},
        token=args.token,
        role=role if isinstance(role, str) else "customer",
        revision=revision if isinstance(revision, str) else DEFAULT_REVISION,
        strict=info.get("strict") is True,
        profile=profile if isinstance(profile, str) else PROFILES[0],
        timeout=float(timeout),
        **numbers,
    )


def _contract(saved: Saved, settings: Settings, args: argparse.Namespace) -> Contract:
    """The contract the saved failure was found against: the bundled one, or the OpenRPC
    document it names (``--openrpc`` overrides where the file has moved)."""
    from conformance.create_sites import bundled
    from conformance.openrpc.contract import document_contract
    from conformance.openrpc.discovery import discover
    from conformance.openrpc.document import load

    source = args.openrpc or saved.contract.get("openrpc")
    if source is None:
        return bundled(settings)
    method = saved.failure.method
    document = (
        discover(
            url := source.removesuffix(DISCOVERED),
            settings.timeout,
            settings.tls_for(url),
            settings.headers,
        )
        if source.endswith(DISCOVERED)
        else load(source)
    )
    return document_contract(document, settings, [method] if method else [])


#: How a contract read from the target's ``rpc.discover`` is named in saved failures.
DISCOVERED: Final = " rpc.discover"


def _method(saved: Saved, contract: Contract) -> MethodContract:
    from conformance.errors import ArgumentError

    wanted = saved.failure.method
    for method in contract.methods:
        if wanted is None or method.name == wanted:
            if saved.failure.rule not in method.checks:
                raise ArgumentError(
                    f"rule {saved.failure.rule!r} is no rule of {contract.name} "
                    f"{method.name}: {sorted(method.checks)}"
                )
            return method
    raise ArgumentError(f"{contract.name} has no method {wanted!r}")


def _case(saved: Saved, method: MethodContract) -> Case:
    """The case to send: the saved one, or, where its raw body held the token (which a saved
    file never keeps), the same case made again by the current plan with this token."""
    from conformance.errors import ArgumentError

    failure = saved.failure
    if failure.source is None:
        raise ArgumentError("the saved failure has no expected outcome to judge the reply by")
    if not saved.body_masked:
        return failure.source
    for _, cases in method.families():
        for case in cases:
            if (case.family, case.name) == (failure.family, failure.case):
                return case
    raise ArgumentError(
        f"its body held the token, and this kit no longer makes case {failure.family} "
        f"{failure.case} to send it again"
    )


def _replay(
    saved: Saved, url: str, settings: Settings, contract: Contract, times: int
) -> tuple[str, str]:
    """The verdict on one saved failure, and what was seen."""
    from conformance.engine.checks import RUN_WIDE_RULES, RunState
    from conformance.engine.runner import new_report
    from conformance.engine.session import Proof, Session
    from conformance.engine.transport import Target

    method = _method(saved, contract)
    case = _case(saved, method)
    # the target and the token are checked once for the whole replay, before it; a saved
    # failure is no first exchange of a run (its answer may well be no JSON-RPC reply)
    session = Session(
        Target.parse(url),
        settings,
        new_report(url, contract, settings),
        method,
        state=RunState(
            revision=settings.revision,
            role=settings.role,
            hints=contract.revision is not None,
            strict=settings.strict,
        ),
        proof=Proof(target=True, token=True),
        qualified=contract.qualified,
    )
    broken: list[str] = []
    try:
        for _ in range(times):
            failures = session.evaluate(session.exchange(case))
            # a rule fails at most once an exchange
            found = next((f.explained for f in failures if f.rule == saved.failure.rule), None)
            if found is not None:
                broken.append(found)
    finally:
        session.close()
    if saved.failure.rule in RUN_WIDE_RULES:
        # the run broke it across two requests (two sites given one id): the replay's own
        # sends are the only others here, so the first can never break it (no FLAKY), and this
        # case alone need not meet the request it clashed with: holding proves nothing fixed
        if broken:
            return "FAILED", broken[-1]
        return "HELD", (
            f"the rule held on {times} sends of this case alone; it is judged across a run's "
            "requests, so only a run (conformance fuzz) can say it is fixed"
        )
    if not broken:
        return "FIXED", f"the rule held on {times} sends"
    if len(broken) == times:
        return "FAILED", broken[-1]
    return "FLAKY", f"broken on {len(broken)} of {times} sends: {broken[-1]}"


def run(args: argparse.Namespace, streams: Streams) -> int:
    from conformance.engine.runner import probe
    from conformance.engine.setup import SetupFailed
    from conformance.engine.transport import Target, reachable
    from conformance.errors import ArgumentError
    from conformance.reporting import saved as saved_module
    from conformance.reporting.redaction import mask_url, scrub_text, unmask_url

    def error(message: str) -> int:
        streams.stderr.write(f"conformance replay: error: {message}\n")
        return EXIT_USAGE

    if not args.token:
        return error(f"a token is required: --token TOKEN or ${TOKEN_ENV}")
    if args.times < 1:
        return error(f"--times must be at least 1; got {args.times}")
    default = Path(DEFAULT_SAVE_FOLDER)
    paths = args.paths or [default]
    if not args.paths and not default.exists():
        return error(
            f"no saved failures: {DEFAULT_SAVE_FOLDER} does not exist "
            "(conformance fuzz saves failures there; or name files or folders)"
        )
    try:
        files = saved_module.saved_files(paths)
    except ArgumentError as problem:
        return error(str(problem))
    if not files:
        return error(f"no saved failures (*{saved_module.SUFFIX}) in {', '.join(map(str, paths))}")
    counts = dict.fromkeys(VERDICTS, 0)
    checked: set[tuple[str, str, str]] = set()
    for path in files:
        try:
            saved = saved_module.load(path)
            # a key the run's target URL held is saved masked: the token puts it back
            url = args.url or unmask_url(saved.failure.target, args.token)
            settings = _settings(saved, args)
            contract = _contract(saved, settings, args)
            if (url, settings.role, contract.name) not in checked:
                why = reachable(Target.parse(url), min(settings.timeout, 5.0))
                if why is not None:
                    shown = mask_url(url, args.token)
                    return error(f"the target {shown} is unreachable: {why}")
                probe(url, contract, settings)
                checked.add((url, settings.role, contract.name))
            verdict, said = _replay(saved, url, settings, contract, args.times)
        except SetupFailed as refused:  # the probe's: what the target takes, once
            return error(str(refused))
        except ArgumentError as problem:
            verdict, said = "ERROR", str(problem)
            name = "?"
        else:
            name = f"{saved.failure.rule} {saved.failure.test_id}"
            if saved.failure.case != saved.failure.label:
                name += f" (case {saved.failure.case})"
        counts[verdict] += 1
        said = scrub_text(said, args.token)
        streams.stdout.write(f"{verdict:<6} {name}: {said} [{path}]\n")
    streams.stdout.write(
        f"{len(files)} saved failures replayed: "
        + ", ".join(f"{counts[v]} {v.lower()}" for v in VERDICTS[:4])
        + f", {counts['ERROR']} errors"
        + "\n"
    )
    return EXIT_OK if counts["FIXED"] == len(files) else EXIT_FAILED


__all__ = ["DEFAULT_TIMES", "HELP", "VERDICTS", "configure", "run"]
