"""The conformance runner: cases derived from the schemas, sent to a live server, every reply
checked. ``conformance fuzz`` and ``pytest --target-url`` both run it.

- generation: ``schema_tree`` (the schemas inlined), ``strategies`` (hypothesis), ``cases``
  (the deterministic families);
- ``checks`` (the registry of rules), ``transport`` (HTTP), ``runner`` (the run), ``report``
  (its text, JSON and JUnit forms).

The API for tools built on the runner::

    from conformance.engine import Settings, run

    report = run("http://127.0.0.1:8080/", settings=Settings(token="..."))
"""

from conformance.engine.runner import (
    Failure,
    Interrupted,
    Report,
    Settings,
    SetupFailed,
    TokenRefused,
    Unreachable,
    plan,
    run,
)

__all__ = [
    "Failure",
    "Interrupted",
    "Report",
    "Settings",
    "SetupFailed",
    "TokenRefused",
    "Unreachable",
    "plan",
    "run",
]
