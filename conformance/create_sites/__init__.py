"""The bundled create.sites contract, run by the engine: ``run(url, settings=...)``.

The API for tools built on the runner (mutation tests, benchmarks)::

    from conformance.create_sites import Settings, run

    report = run("http://127.0.0.1:8080/", settings=Settings(token="..."))
    report.conforms            # no failure at all
    report.failures            # [Failure(rule, family, label, case, message, ...)], in send order
    report.rules               # {"expected-outcome": RuleCount(cases=412, failures=0), ...}
    report.cases_sent          # every request sent, hypothesis's shrinking included
    report.first_failure_at    # cases sent until the first failure (None if none)

``run`` raises ``ArgumentError`` for settings it cannot use, ``Unreachable`` when no TCP
connection to the target opens, another ``SetupFailed`` when the first answers show the run's
own mistake, and ``Interrupted`` (a ``KeyboardInterrupt``) carrying the report so far.
"""

from __future__ import annotations

from conformance.create_sites.contract import (
    METHOD,
    TOKEN_MEMBER,
    bundled,
    iter_families,
    iter_plan,
    plan,
    valid_requests,
)
from conformance.engine import runner as engine_run
from conformance.engine.results import Failure, Interrupted, Report, RuleCount
from conformance.engine.session import Session
from conformance.engine.settings import DEFAULT_MAX_EXAMPLES, Settings
from conformance.engine.setup import SetupFailed, TokenRefused, Unreachable
from conformance.engine.transport import Target


def run(target_url: str, *, settings: Settings) -> Report:
    """Run the bundled contract (in ``settings.revision``) against ``target_url``."""
    return engine_run.run(target_url, bundled(settings), settings=settings)


def probe(target_url: str, settings: Settings) -> None:
    """Send the first valid case alone; raise ``SetupFailed`` where its answer shows the run's
    own mistake (no JSON-RPC server, a token, ids or a role the target refuses)."""
    engine_run.probe(target_url, bundled(settings), settings)


def session(target_url: str, settings: Settings) -> Session:
    """A session on the bundled contract's one method, with a report of its own: for tools
    that send cases one at a time (``exchange`` then ``evaluate``)."""
    contract = bundled(settings)
    return Session(
        Target.parse(target_url),
        settings,
        engine_run.new_report(target_url, contract, settings),
        contract.methods[0],
    )


def check_token(target_url: str, settings: Settings) -> None:
    """Deprecated since 0.2: the name of ``probe`` in 0.1.0, when it judged the token only."""
    import warnings

    warnings.warn(
        "check_token is deprecated: use conformance.create_sites.probe",
        DeprecationWarning,
        stacklevel=2,
    )
    probe(target_url, settings)


__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "METHOD",
    "TOKEN_MEMBER",
    "Failure",
    "Interrupted",
    "Report",
    "RuleCount",
    "Settings",
    "SetupFailed",
    "TokenRefused",
    "Unreachable",
    "bundled",
    "check_token",
    "iter_families",
    "iter_plan",
    "plan",
    "probe",
    "run",
    "session",
    "valid_requests",
]
