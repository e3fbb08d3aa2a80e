"""How a run goes: the caller's identity on the target, the budget, the pace, the callbacks.

``Settings`` is the same for every contract. ``role``, ``user_id`` and ``scenario_id`` say who
calls (a contract whose methods name roles or entity ids reads them; others ignore them);
``revision`` names a revision of the bundled create.sites contract.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from conformance.contract import DEFAULT_REVISION, REVISIONS, ROLES
from conformance.engine.creations import DEFAULT_CREATING
from conformance.engine.selection import Selection
from conformance.engine.setup import CLI_OPTIONS
from conformance.errors import ArgumentError
from conformance.generation.cases import FAMILIES

#: Params members that name entities on the target, and the setting that names a known one:
#: sent in valid requests only with ids the user names; random ones go to ``references``.
REFERENCE_MEMBERS: Final = {"user_id": "user_id", "default_scenario_id": "scenario_id"}

#: A token value that requests carry wherever they are drawn or shown (hypothesis prints the
#: requests it draws): replaced by the real token only when sent.
TOKEN_PLACEHOLDER: Final = "***"

#: The values of OpenRPC's ``paramStructure``: params as an object, an array, or either.
PARAM_STRUCTURES: Final = ("either", "by-name", "by-position")

#: What judges an OpenRPC document's run (``conformance.openrpc.profiles``): ``document``, all it
#: says, its vendor ``x-`` extensions included; ``jsonrpc``, JSON-RPC 2.0 and its schemas alone.
PROFILES: Final = ("document", "jsonrpc")

DEFAULT_MAX_EXAMPLES: Final = 100
"""hypothesis examples of the valid family by default: about 1 s of generation here."""


@dataclass(frozen=True)
class Settings:
    """How to run a contract against a target."""

    token: str
    role: str = "customer"
    #: the bundled contract's revision the target implements (``conformance.contract.REVISIONS``)
    revision: str = DEFAULT_REVISION
    user_id: int | None = None
    scenario_id: int | None = None
    seed: int = 0
    max_examples: int = DEFAULT_MAX_EXAMPLES
    timeout: float = 5.0
    #: requests per second at most (``None``: as fast as the target answers)
    rate: float | None = None
    #: seconds the run may wait in total on -32029 limit_exceeded replies before it stops
    max_limit_wait: float = 60.0
    families: tuple[str, ...] = FAMILIES
    #: the cases sent and the rules judged, by member, test id and rule (the user's choice)
    selection: Selection = field(default_factory=Selection)
    stop_at_first: bool = False
    #: called with the number of cases sent so far and the family of the last one
    progress: Callable[[int, str], None] | None = field(default=None, compare=False)
    #: called as each family starts, with its number of cases (the valid family: its budget)
    on_family: Callable[[str, int], None] | None = field(default=None, compare=False)
    #: called with each failure (``conformance.engine.results.Failure``) as it is recorded (the
    #: valid family's once shrunk): a CLI prints each new defect as it is found (typed as the
    #: other callbacks are: the results import these settings)
    on_failure: Callable[[Any], None] | None = field(default=None, compare=False)
    #: how messages name each setting (``conformance.engine.setup.CLI_OPTIONS`` by default)
    options: Mapping[str, str] = field(default_factory=lambda: dict(CLI_OPTIONS), compare=False)
    #: judge the kit's decisions too (``conformance.generation.decisions``), not only what the
    #: method page, JSON-RPC 2.0 and the standards decide
    strict: bool = False
    #: judge a document's valid requests answered with an application error as failures
    #: (by default a stateful server's "not found" is counted, not judged)
    expect_success: bool = False
    #: requests in a row with no answer within the timeout, from a target that answered
    #: before, after which the run stops (the target hangs)
    max_timeouts: int = 3
    #: the run stops once this many failures are recorded (``None``: never)
    max_failures: int | None = None
    #: seconds an answer may take before it breaks ``max-response-time`` (``None``: rule off)
    max_response_time: float | None = None
    #: headers sent with every request, as (name, value) pairs
    headers: tuple[tuple[str, str], ...] = ()
    #: TLS: a CA bundle to verify the target with, or no verification at all; a client
    #: certificate and its key (PEM files)
    cacert: str | None = None
    insecure: bool = False
    cert: str | None = None
    key: str | None = None
    #: the methods whose successes are creations (``conformance.engine.creations``)
    creates: frozenset[str] = DEFAULT_CREATING
    #: successful creations after which the cases that may create are not sent (``None``: no
    #: bound)
    max_creates: int | None = None
    #: called with each creation (``conformance.engine.creations.Created``) as it is seen; a
    #: ``Stop`` it raises ends the run
    on_create: Callable[[Any], None] | None = field(default=None, compare=False)
    #: called with every HTTP exchange (``conformance.engine.session.Sent``), for a traffic
    #: log; ``None`` (the default) costs nothing
    on_sent: Callable[[Any], None] | None = field(default=None, compare=False)
    #: an OpenRPC document's run: the param structure every method is judged by, in place of
    #: its document's ``paramStructure`` (``None``: the document's)
    param_structure: str | None = None
    #: an OpenRPC document's run: what judges it (``PROFILES``); the bundled contract has one
    profile: str = PROFILES[0]

    def tls_for(self, url: str) -> ssl.SSLContext | None:
        """The TLS context of requests to ``url`` under these settings (``--cacert``,
        ``--insecure``, ``--cert``, ``--key``); ``None`` where ``url`` is not ``https://``.
        ``ArgumentError`` for a file that cannot be read."""
        from conformance.engine.transport import tls_context

        if not url.lower().startswith("https://"):
            return None
        return tls_context(self.cacert, self.insecure, self.cert, self.key)

    def option(self, setting: str) -> str:
        """The name the user knows ``setting`` by (``--user-id``, ``--target-user-id``)."""
        return self.options.get(setting, CLI_OPTIONS.get(setting, setting))

    def __post_init__(self) -> None:
        if not isinstance(self.token, str) or not self.token:
            raise ArgumentError(
                f"a token is required: {self.option('token')}, the access token the target accepts"
            )
        if self.role not in ROLES:
            raise ArgumentError(
                f"{self.option('role')} must be one of {', '.join(ROLES)}; got {self.role!r}"
            )
        if self.revision not in REVISIONS:
            raise ArgumentError(
                f"{self.option('revision')} must be one of the contract's revisions "
                f"{', '.join(REVISIONS)}; got {self.revision!r}"
            )
        for name in ("user_id", "scenario_id"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise ArgumentError(f"{self.option(name)} must be an integer; got {value!r}")
        if self.max_examples < 0:
            raise ArgumentError(f"max_examples must be >= 0; got {self.max_examples!r}")
        if not 0 < self.timeout < float("inf"):  # NaN too: sockets refuse it
            raise ArgumentError(
                f"{self.option('timeout')} must be a number of seconds > 0; got {self.timeout!r}"
            )
        if self.rate is not None and not 0 < self.rate < float("inf"):
            raise ArgumentError(
                f"{self.option('rate')} must be a number of requests per second > 0; "
                f"got {self.rate!r}"
            )
        if not 0 <= self.max_limit_wait < float("inf"):
            raise ArgumentError(f"max_limit_wait must be seconds >= 0; got {self.max_limit_wait!r}")
        if self.param_structure not in (None, *PARAM_STRUCTURES):
            raise ArgumentError(
                f"{self.option('param_structure')} must be one of {', '.join(PARAM_STRUCTURES)}; "
                f"got {self.param_structure!r}"
            )
        if self.profile not in PROFILES:
            raise ArgumentError(
                f"{self.option('profile')} must be one of {', '.join(PROFILES)}; "
                f"got {self.profile!r}"
            )
        unknown = set(self.families) - set(FAMILIES)
        if unknown:
            raise ArgumentError(f"unknown families {sorted(unknown)}; expected some of {FAMILIES}")
        _check_run_bounds(self)

    def known_id(self, member: str) -> Any:
        """The id the user named for the reference member ``member`` (``None``: none)."""
        setting = REFERENCE_MEMBERS.get(member)
        return getattr(self, setting) if setting is not None else None


def _check_run_bounds(settings: Settings) -> None:
    """The bounds of a run and its TLS options, each refused where it cannot work."""
    if settings.max_timeouts < 1:
        raise ArgumentError(f"max_timeouts must be >= 1; got {settings.max_timeouts!r}")
    if settings.max_failures is not None and settings.max_failures < 1:
        raise ArgumentError(
            f"{settings.option('max_failures')} must be >= 1; got {settings.max_failures!r}"
        )
    limit = settings.max_response_time
    if limit is not None and not 0 < limit < float("inf"):
        raise ArgumentError(
            f"{settings.option('max_response_time')} must be a number of seconds > 0; got {limit!r}"
        )
    if settings.max_creates is not None and settings.max_creates < 0:
        raise ArgumentError(
            f"{settings.option('max_creates')} must be >= 0; got {settings.max_creates!r}"
        )
    if settings.key is not None and settings.cert is None:
        raise ArgumentError(f"{settings.option('key')} needs {settings.option('cert')}")


__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "PARAM_STRUCTURES",
    "PROFILES",
    "REFERENCE_MEMBERS",
    "TOKEN_PLACEHOLDER",
    "Settings",
]
