"""Session-wide hooks and fixtures: the mutation score of tests/test_mutation_score.py, printed
at the end; the reference server as a target, served once per test process; the hypothesis
profiles, registered once here; the tests that need the npm packages marked slow."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import pytest
from helpers.targets import served
from hypothesis import HealthCheck, settings
from mutants.score import pytest_runtest_logreport, pytest_terminal_summary

__all__ = ["pytest_runtest_logreport", "pytest_terminal_summary"]

# For tests whose examples come from the kit's own generators (schema trees, the zones'
# alphabets, OpenRPC documents): their draws are large and filtered by design, so the health
# checks would only say so, and a draw's time depends on the shared machine, not the code.
# A test writes @settings(parent=settings.get_profile("generation"), max_examples=N).
settings.register_profile(
    "generation", deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
# CI (.ci/run sets CI=true) runs on two shared cores: a deadline there measures the neighbours.
settings.register_profile("ci", deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

#: helper modules whose functions need npm packages (tools/openrpc, tools/ganache)
_NPM_HELPERS = frozenset({"helpers.openrpc_tools", "openrpc_mock_server", "helpers.ganache"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test whose module uses the OpenRPC npm packages is marked slow, so that ``make
    check`` (no npm) leaves it out and ``make test`` runs it after ``make openrpc-tools``."""
    for item in items:
        module = getattr(item, "module", None)
        uses = {getattr(value, "__module__", None) for value in vars(module).values()}
        if module is not None and uses & _NPM_HELPERS:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def reference_url() -> Iterator[str]:
    """The base URL of the reference server, on a free loopback port."""
    with served() as url:
        yield url


def _signal_state() -> tuple[object, ...]:
    """What a child process inherits of SIGINT and SIGTERM: their handlers (an ignored signal
    stays ignored across exec) and whether the main thread blocks them."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    return (
        signal.getsignal(signal.SIGINT),
        signal.getsignal(signal.SIGTERM),
        signal.SIGINT in blocked,
        signal.SIGTERM in blocked,
    )


@pytest.fixture(autouse=True)
def _signals_left_as_found() -> Iterator[None]:
    """A test that leaves SIGINT or SIGTERM ignored, blocked or handled by its own handler
    changes every later test of its worker: a Ctrl-C test's child inherits an ignored SIGINT
    and runs on. The test that did it fails here, by name, instead."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = _signal_state()
    yield
    after = _signal_state()
    assert after == before, (
        f"the test left the process's signals changed (SIGINT handler, SIGTERM handler, "
        f"SIGINT blocked, SIGTERM blocked): {before} -> {after}"
    )
