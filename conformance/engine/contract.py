"""A contract, as the engine runs it: an API's methods, each with its cases, checks and valid
requests.

The engine knows no API. A contract is data plus a profile: the bundled create.sites contract
(``conformance.create_sites``: its schemas per revision, and the vendor's conventions) and any
OpenRPC document (``conformance.openrpc.contract``: the document, and JSON-RPC 2.0's generic
profile, or the vendor's where the document's ``x-`` extensions say so) are both a
``Contract`` of ``MethodContract``\\ s, and one engine (``conformance.engine.run``) drives them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from conformance.engine.checks import Rule
from conformance.generation.cases import Case, Expectation

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from conformance.engine.results import Failure

#: A first pass over the target before any family is sent (``Contract.prepare``): given the
#: contract, a way to open a session (``conformance.engine.session.Session``) for one of its
#: methods, and whether to record what it finds in the run's report, the contract as it then
#: runs and the failures found. The session is typed ``Any`` here so that this module, which
#: the session module reads, need not read it back.
Prepare = Callable[
    ["Contract", Callable[["MethodContract"], Any], bool],
    tuple["Contract", list["Failure"]],
]


class MethodContract(Protocol):
    """One method: what to send it and how to judge what comes back."""

    @property
    def name(self) -> str:
        """The method's name (``create.sites``, ``eth_call``)."""
        ...

    @property
    def checks(self) -> Mapping[str, Rule]:
        """The checks every reply to this method goes through, in order."""
        ...

    @property
    def token_member(self) -> str | None:
        """The params member the access token goes in (``None``: the method takes none)."""
        ...

    @property
    def unique_member(self) -> str | None:
        """The params member made unique in every request (a server keeps it unique)."""
        ...

    @property
    def unique_valid(self) -> Callable[[Any], bool] | None:
        """The judge of a unique value of ``unique_member``."""
        ...

    @property
    def notes(self) -> list[str]:
        """What the plan could not make or generate, said once in the report."""
        ...

    @property
    def valid_expectation(self) -> Expectation:
        """What a request the schemas accept gets: success, or, for a stateful server the
        run knows nothing of, success or an application error."""
        ...

    def families(self) -> Iterator[tuple[str, list[Case]]]:
        """The deterministic families to send, each ``(name, cases)``, made one at a time (the
        first case goes out at once)."""
        ...

    def valid_requests(self, pinned: Mapping[str, Any]) -> SearchStrategy[Any] | None:
        """The valid family's strategy of whole requests (the token a placeholder), with the
        ``pinned`` params members (dotted) at one value; ``None``: no valid request can be
        drawn (said in ``notes``)."""
        ...

    def pin(self, member: str) -> Any:
        """The value ``member`` takes once pinned (``conformance.generation.cases.ABSENT``:
        it cannot be)."""
        ...


@dataclass(frozen=True)
class Contract:
    """What a run judges a target against."""

    #: how reports name it: ``create.sites`` or the OpenRPC document's path or URL
    name: str
    methods: tuple[MethodContract, ...]
    #: the bundled contract's revision (``None``: an OpenRPC document)
    revision: str | None = None
    #: test ids carry the method's name (``method::test_id``): a contract of several methods
    qualified: bool = False
    #: how a saved failure finds the contract again (``{"openrpc": path}``; ``{}``: bundled)
    locator: Mapping[str, str] | None = None
    #: what to learn of the target before the families (an OpenRPC document: which param
    #: structure each method takes, ``conformance.openrpc.structure``); ``None``: nothing
    prepare: Prepare | None = None


__all__ = ["Contract", "MethodContract", "Prepare"]
