"""The engine: a contract run against a live JSON-RPC server, every reply checked.

- ``contract``: what a run judges (``Contract`` of ``MethodContract``\\ s; the bundled
  create.sites contract is ``conformance.create_sites``, an OpenRPC document's is
  ``conformance.openrpc.contract``);
- ``settings``, ``session`` (one connection, cases sent and checked), ``valid`` (the
  hypothesis-driven family), ``runner`` (the run), ``results`` (``Failure``, ``Report``);
- ``checks`` (the registry of rules), ``transport`` (HTTP), ``limits`` (rate limits), ``setup``
  (the run's own mistakes, said once), ``interrupts`` (Ctrl-C), ``reproduce`` (bodies in parts
  for ``curl``).

The API::

    from conformance.engine import Settings, run
    from conformance.create_sites import bundled

    settings = Settings(token="...")
    report = run("http://127.0.0.1:8080/", bundled(settings), settings=settings)
"""

from conformance.engine.contract import Contract, MethodContract
from conformance.engine.results import Failure, Interrupted, Report, RuleCount
from conformance.engine.runner import probe, run
from conformance.engine.settings import Settings
from conformance.engine.setup import SetupFailed, TokenRefused, Unreachable

__all__ = [
    "Contract",
    "Failure",
    "Interrupted",
    "MethodContract",
    "Report",
    "RuleCount",
    "Settings",
    "SetupFailed",
    "TokenRefused",
    "Unreachable",
    "probe",
    "run",
]
