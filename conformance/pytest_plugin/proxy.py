"""``pytest --target-url URL --target-proxy``: the proxy in front of the server for the whole
session, for teams whose client tests already run under pytest.

The tests point their client at the ``conformance_proxy_url`` fixture (the proxy's URL)
instead of the server's; every exchange is forwarded unchanged and judged
(``conformance.proxy``). At the session's end the proxy stops, its violations are listed in
the terminal summary (masked), and a session whose tests passed fails (exit 1) if any exchange
broke the contract, by the client or by the server. The contract is ``--target-openrpc FILE``'s
document (judged by ``--target-profile``, as ``conformance proxy --profile``), else create.sites
in ``--target-revision`` for ``--target-role`` callers.

One proxy per process: under pytest-xdist each worker starts its own and judges its own tests'
traffic; the controller's exit code does not see a worker's violations, so run proxied
sessions without ``-n``.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

import pytest

from conformance.pytest_plugin.options import (
    OPENRPC_OPTION,
    PROFILE_OPTION,
    PROXY_OPTION,
    REVISION_OPTION,
    ROLE_OPTION,
    STRICT_OPTION,
    TOKEN_OPTION,
    dest,
)

#: The running proxy: ``(ExitStack, url, recorder, stream)``.
PROXY_KEY = pytest.StashKey[Any]()


def start(config: pytest.Config, upstream: str) -> None:
    """Start the session's proxy in front of ``upstream``."""
    from conformance.contract import DEFAULT_REVISION, REVISIONS
    from conformance.errors import ArgumentError
    from conformance.proxy import BundledTraffic, DocumentTraffic, proxy_for

    role = config.getoption(dest(ROLE_OPTION)) or "customer"
    revision = config.getoption(dest(REVISION_OPTION)) or DEFAULT_REVISION
    if revision not in REVISIONS:
        raise pytest.UsageError(f"conformance: {REVISION_OPTION} must be one of {REVISIONS}")
    document = config.getoption(dest(OPENRPC_OPTION))
    strict = bool(config.getoption(dest(STRICT_OPTION)))
    profile = config.getoption(dest(PROFILE_OPTION))
    if profile and not document:
        raise pytest.UsageError(
            f"conformance: {PROFILE_OPTION} names what judges an OpenRPC document: add "
            f"{OPENRPC_OPTION}"
        )
    try:
        if document:
            from conformance.openrpc.document import load
            from conformance.openrpc.profiles import DEFAULT_PROFILE

            contract: Any = DocumentTraffic(
                load(document), role=role, profile=profile or DEFAULT_PROFILE
            )
        else:
            contract = BundledTraffic(revision, role=role, strict=strict)
        stack = contextlib.ExitStack()
        stream = io.StringIO()
        url, recorder = stack.enter_context(
            proxy_for(
                upstream,
                contract=contract,
                stream=stream,
                token=config.getoption(dest(TOKEN_OPTION)),
                strict=strict,
            )
        )
    except (ArgumentError, OSError) as error:
        raise pytest.UsageError(f"conformance: {PROXY_OPTION}: {error}") from None
    config.stash[PROXY_KEY] = (stack, url, recorder, stream)


def url(config: pytest.Config) -> str:
    """The running proxy's URL; a usage error where the session runs none."""
    running = config.stash.get(PROXY_KEY, None)
    if running is None:
        raise pytest.UsageError(
            f"conformance: the conformance_proxy_url fixture needs {PROXY_OPTION} (and "
            "--target-url URL, the server it forwards to)"
        )
    found: str = running[1]
    return found


def finish(session: pytest.Session) -> None:
    """Stop the proxy (every exchange judged whole); a passing session with violations fails."""
    running = session.config.stash.get(PROXY_KEY, None)
    if running is None:
        return
    stack, _, recorder, _ = running
    stack.close()
    if recorder.tally.count and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The violations the proxy printed as they happened, and its verdict."""
    running = config.stash.get(PROXY_KEY, None)
    if running is None:
        return
    from conformance.reporting.run_info import profile_text
    from conformance.traffic.reports import verdict

    _, _, recorder, stream = running
    terminalreporter.section("conformance proxy")
    for line in stream.getvalue().splitlines():
        terminalreporter.write_line(line)
    profile = recorder.contract.profile
    judged = f" ({profile_text(profile)})" if profile is not None else ""
    terminalreporter.write_line(f"conformance proxy: {verdict(recorder.tally)}{judged}")


__all__ = ["PROXY_KEY", "finish", "start", "summary", "url"]
