"""Deliberately broken create.sites servers ("mutants") that the conformance runner must catch.

``MUTANTS`` (in ``servers``) maps each mutant's name to its class, the defect and the runner's
rule that must catch it. ``serve`` serves a fresh app, the reference one or a mutant, over an
in-memory store on a free loopback port, and yields its URL and a customer token::

    with serve(MUTANTS["range-unchecked"].app) as (url, token):
        report = run(url, settings=Settings(token=token))

The README's "The mutants" section tables them; ``tests/test_mutation_score.py`` proves each
one caught and the reference server passed; ``benchmarks/runner.py`` times the catches against
schemathesis.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from conformance.server import App, Config, CreateSitesApp, SiteStore, serve_in_thread
from mutants.servers import MUTANTS, Mutant

#: The customer token every served app accepts.
TOKEN = "mutation-token-5d2e"
#: The scenarios every served app knows.
SCENARIO_IDS = (1, 2, 3)


@contextlib.contextmanager
def serve(
    app: type[CreateSitesApp] = CreateSitesApp,
    *,
    wrap: Callable[[App], App] | None = None,
    revision: str = "seed",
) -> Iterator[tuple[str, str]]:
    """Serve a fresh ``app`` (over a new in-memory store) in the contract's ``revision``; yield
    its base URL and the token.

    ``wrap`` puts an app in front of it (the benchmark's request log).

    An app with a ``close()`` method (the hanging mutant) is closed before the server stops,
    so no request thread outlives the block.
    """
    config = Config(scenario_ids=frozenset(SCENARIO_IDS)).with_customer_tokens([TOKEN])
    with SiteStore(":memory:") as store:
        served = app(config, store, revision=revision)
        with serve_in_thread(wrap(served) if wrap else served, read_timeout=2.0) as url:
            try:
                yield url, TOKEN
            finally:
                close = getattr(served, "close", None)
                if close is not None:
                    close()


__all__ = ["MUTANTS", "SCENARIO_IDS", "TOKEN", "Mutant", "serve"]
