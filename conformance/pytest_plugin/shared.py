"""What the suite and the CI hooks share: the failure a test raises, the run's contract and
report of this test process, and the site ids shared by pytest-xdist's workers. Both import
this module, and not each other."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pytest
from _pytest.outcomes import Failed

from conformance.engine.checks import RunState
from conformance.engine.results import Defect, Failure, defect_of

#: The contract the run judges (``conformance.engine.contract.Contract``), made when pytest is
#: configured: the bundled create.sites contract, or the document of ``--target-openrpc``.
CONTRACT_KEY: Final = pytest.StashKey[Any]()

#: This test process's report: every method's session writes its cases and failures in it.
REPORT_KEY: Final = pytest.StashKey[Any]()

#: The whole run's report, on the controller at the session's end: its own part and each
#: xdist worker's (``workeroutput``) merged by the CI hooks; what the summary lists.
RUN_REPORT_KEY: Final = pytest.StashKey[Any]()

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


class KnownDefects:
    """The baseline's defects, which the valid family's test sets aside instead of failing on.

    hypothesis stops drawing soon after a test first fails (it looks on about as long again as
    the first failure took to find): a known defect met on an early draw would end the search,
    and a new defect on another member could go unseen behind it. The test sets a known
    failure aside here and draws on; the CI hooks report what was set aside (an xfail where
    nothing new failed, as a known failure raised would have been).
    """

    def __init__(self, is_known: Callable[[Failure], bool]) -> None:
        self._is_known = is_known
        self._met: dict[str, dict[Defect, Failure]] = {}

    def set_aside(self, failures: list[Failure]) -> list[Failure]:
        """The ``failures`` the baseline does not know; of the known, the first of each
        defect is kept for its test."""
        new = []
        for failure in failures:
            if self._is_known(failure):
                met = self._met.setdefault(failure.test_id, {})
                met.setdefault(defect_of(failure), failure)
            else:
                new.append(failure)
        return new

    def met(self, test_id: str) -> list[Failure]:
        """The known failures the test ``test_id`` set aside (then forgotten)."""
        return list(self._met.pop(test_id, {}).values())


#: The baseline's ``KnownDefects``, where ``--target-baseline`` is given.
KNOWN_KEY: Final = pytest.StashKey[KnownDefects]()


def run_state(config: pytest.Config) -> RunState:
    """The site ids of the run: a file shared with the other workers under xdist."""
    folder = getattr(config, "workerinput", {}).get(SHARED_IDS)
    if folder is None:
        return RunState()
    from conformance.engine.shared_ids import SharedRunState

    return SharedRunState(Path(folder) / "result-ids")


__all__ = [
    "CONTRACT_KEY",
    "KNOWN_KEY",
    "REPORT_KEY",
    "RUN_REPORT_KEY",
    "SHARED_IDS",
    "KnownDefects",
    "RulesBroken",
    "run_state",
]
