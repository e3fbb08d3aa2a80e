"""What the suite and the CI hooks share: the failure a test raises, the run's contract and
report of this test process, and the site ids shared by pytest-xdist's workers. Both import
this module, and not each other."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import pytest
from _pytest.outcomes import Failed

from conformance.engine.checks import RunState
from conformance.engine.results import Failure

#: The contract the run judges (``conformance.engine.contract.Contract``), made when pytest is
#: configured: the bundled create.sites contract, or the document of ``--target-openrpc``.
CONTRACT_KEY: Final = pytest.StashKey[Any]()

#: This test process's report: every method's session writes its cases and failures in it.
REPORT_KEY: Final = pytest.StashKey[Any]()

#: The key of the shared ids' folder in ``workerinput``.
SHARED_IDS: Final = "conformance_shared_ids"


# pytest.fail.Exception is the documented name of this class, but an attribute of a function,
# which mypy cannot see as a type
class RulesBroken(Failed):
    """A test of the suite failed: ``failures`` are the broken rules, the message their
    report (each with its request, reply and curl)."""

    def __init__(self, failures: list[Failure], message: str) -> None:
        super().__init__(message, pytrace=False)
        self.failures = failures


def run_state(config: pytest.Config) -> RunState:
    """The site ids of the run: a file shared with the other workers under xdist."""
    folder = getattr(config, "workerinput", {}).get(SHARED_IDS)
    if folder is None:
        return RunState()
    from conformance.engine.shared_ids import SharedRunState

    return SharedRunState(Path(folder) / "result-ids")


__all__ = ["CONTRACT_KEY", "REPORT_KEY", "SHARED_IDS", "RulesBroken", "run_state"]
