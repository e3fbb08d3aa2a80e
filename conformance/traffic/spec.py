"""Which contract traffic is judged by, said in a few plain values (``ContractSpec``): what a
command line gives, and what crosses to a Dask worker, which builds the contract itself (a
contract holds compiled validators, which do not pickle) once per process.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from conformance.contract import DEFAULT_REVISION
from conformance.engine.checks import RunState
from conformance.openrpc.profiles import DEFAULT_PROFILE, PROFILES
from conformance.traffic.contracts import BundledTraffic, DocumentTraffic, TrafficContract
from conformance.traffic.tally import Judge


@dataclass(frozen=True)
class ContractSpec:
    """The bundled create.sites contract in ``revision``, or the OpenRPC document at
    ``openrpc`` (a path every worker can read), for callers of ``role``; ``strict``: the
    kit's own decisions judged too; ``profile``: what judges the document
    (``conformance.openrpc.profiles``; ``None``: ``document``, all it says). ``ValueError``
    for a profile that is none, or one without a document (the bundled contract is the
    vendor's own)."""

    revision: str = DEFAULT_REVISION
    role: str = "customer"
    strict: bool = False
    openrpc: str | None = None
    profile: str | None = None

    def __post_init__(self) -> None:
        if self.profile is None:
            return
        if self.profile not in PROFILES:
            raise ValueError(f"no profile {self.profile!r}: one of {', '.join(PROFILES)}")
        if self.openrpc is None:
            raise ValueError("a profile names what judges an OpenRPC document: give openrpc")

    def contract(self) -> TrafficContract:
        """The contract (built once per process and spec); ``OpenRpcError`` for a document
        that cannot be read."""
        return _built(self)

    def judge(self, *, token: str | None = None, show_secrets: bool = False) -> Judge:
        """A fresh ``Judge`` (an empty tally) by this contract."""
        state = RunState(revision=self.revision, role=self.role, hints=False, strict=self.strict)
        return Judge(self.contract(), state, token=token, show_secrets=show_secrets)


@functools.lru_cache(maxsize=8)
def _built(spec: ContractSpec) -> TrafficContract:
    if spec.openrpc is not None:
        from conformance.openrpc.document import load

        profile = spec.profile or DEFAULT_PROFILE
        return DocumentTraffic(load(spec.openrpc), role=spec.role, profile=profile)
    return BundledTraffic(spec.revision, role=spec.role, strict=spec.strict)


__all__ = ["ContractSpec"]
