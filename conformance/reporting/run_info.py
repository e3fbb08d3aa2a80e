"""What a run was, for the files that outlive it (saved failures, the HTML report): the target,
the contract and its revision, the code revision under test, the settings and the headers sent
(a secret one's value masked), never the token."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final

from conformance.engine.contract import Contract
from conformance.engine.settings import Settings
from conformance.reporting.redaction import MASK, is_secret_header

#: Where the revision under test is read from, first found first: the kit's own variable,
#: then what GitHub Actions and GitLab CI set for the commit being built.
REVISION_VARIABLES: Final = ("CONFORMANCE_REVISION", "GITHUB_SHA", "CI_COMMIT_SHA")


def revision_from(environ: Mapping[str, str]) -> str | None:
    """The revision under test named by the environment, or ``None``."""
    return next((environ[name] for name in REVISION_VARIABLES if environ.get(name)), None)


def kit_version() -> str:
    """The kit's version, from the one place it is written (``conformance.__version__``)."""
    from conformance import __version__

    return __version__


@dataclass(frozen=True)
class RunInfo:
    """A run's settings as people read them; ``as_dict`` for JSON."""

    target: str
    role: str
    user_id: int | None
    scenario_id: int | None
    seed: int
    max_examples: int
    timeout: float
    families: tuple[str, ...]
    revision: str | None
    kit: str
    #: what was run: ``create.sites (seed revision)`` or the OpenRPC document
    contract: str = "create.sites"
    #: the bundled contract's revision (``None``: an OpenRPC document)
    contract_revision: str | None = None
    #: the kit's decisions judged too (``--strict``)
    strict: bool = False
    #: the headers sent with every request (``-H``), a secret one's value ``***``
    headers: tuple[tuple[str, str], ...] = ()
    #: what judged an OpenRPC document (``document`` or ``jsonrpc``; ``None``: create.sites)
    profile: str | None = None

    @property
    def subject(self) -> str:
        """What the report's heading names: ``create.sites``, or ``OpenRPC`` for a document's
        run (its path is in the run's settings)."""
        return "create.sites" if self.contract_revision is not None else "OpenRPC"

    @classmethod
    def of(
        cls,
        target: str,
        settings: Settings,
        revision: str | None = None,
        *,
        contract: Contract | None = None,
    ) -> RunInfo:
        """The info of a run of ``settings`` against ``target``; the code revision, when not
        given, from the environment (``REVISION_VARIABLES``)."""
        return cls(
            target=target,
            role=settings.role,
            user_id=settings.user_id,
            scenario_id=settings.scenario_id,
            seed=settings.seed,
            max_examples=settings.max_examples,
            timeout=settings.timeout,
            families=tuple(settings.families),
            revision=revision or revision_from(os.environ),
            kit=kit_version(),
            contract=contract.name if contract is not None else "create.sites",
            contract_revision=(contract.revision if contract is not None else settings.revision),
            strict=settings.strict,
            profile=profile_of(settings, contract),
            headers=tuple(
                (name, MASK if is_secret_header(name) else value)
                for name, value in settings.headers
            ),
        )

    def as_dict(self) -> dict[str, Any]:
        document = asdict(self)
        document["families"] = list(self.families)
        document["headers"] = [list(pair) for pair in self.headers]
        return document


def profile_of(settings: Settings, contract: Contract | None) -> str | None:
    """What judged a run: the settings' profile for an OpenRPC document, ``None`` for the
    bundled contract (which has the vendor's alone)."""
    if contract is None or contract.revision is not None:
        return None
    return settings.profile


#: How reports name each profile of an OpenRPC run.
PROFILE_WORDS: Final = {
    "document": "the document with its x- extensions",
    "jsonrpc": "JSON-RPC 2.0 and the document's schemas alone",
}


def profile_text(profile: str) -> str:
    """``profile jsonrpc (JSON-RPC 2.0 and the document's schemas alone)``."""
    return f"profile {profile} ({PROFILE_WORDS.get(profile, profile)})"


def contract_text(info: RunInfo) -> str:
    """The contract a run judged, with its revision: ``create.sites (seed revision)``, or
    ``the OpenRPC document PATH, profile P (...)``."""
    if info.contract_revision is None:
        judged = f", {profile_text(info.profile)}" if info.profile else ""
        return f"the OpenRPC document {info.contract}{judged}"
    if f"{info.contract_revision} revision" in info.contract:
        return info.contract
    return f"{info.contract} ({info.contract_revision} revision)"


__all__ = [
    "PROFILE_WORDS",
    "REVISION_VARIABLES",
    "RunInfo",
    "contract_text",
    "kit_version",
    "profile_of",
    "profile_text",
    "revision_from",
]
