"""The bundled create.sites contract, as the engine runs it: its schemas (per revision) and its
profile, the vendor's conventions.

The profile: the error shape with mnemonics and ``data.field``; the token in
``params.access_token``; ``domain_name`` made unique in every request (a server keeps one site
a domain); the references family (entity ids the caller may not own) and the duplicates
family; roles and the user and scenario ids the user names; the checks of the whole reply
schema, distinct site ids and the other revision's hints (``conformance.engine.checks``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from conformance.engine.checks import CHECKS, Rule
from conformance.engine.contract import Contract
from conformance.engine.settings import REFERENCE_MEMBERS, TOKEN_PLACEHOLDER, Settings
from conformance.errors import ArgumentError
from conformance.generation import cases as case_module
from conformance.generation.cases import SUCCESS, UNIQUE_MEMBER, Base, Case, Expectation
from conformance.generation.decisions import decided
from conformance.generation.protocol import VENDOR_STRING_ID, Envelope, protocol_cases
from conformance.generation.robustness import robustness_cases
from conformance.generation.schema_tree import node_validator, tree
from conformance.validation.masking import SECRET_MEMBERS

METHOD: Final = "create.sites"
"""The method the bundled contract describes."""

TOKEN_MEMBER: Final = next(iter(sorted(SECRET_MEMBERS)))
"""The member of ``params`` that carries the access token."""


#: The vendor's envelope (its Data API docs, https://callgear.github.io/data_api/): batches
#: and notifications get -32099, errors carry mnemonics and ``data.field``, only jsonrpc, id,
#: method and params are members of a request, a wrong token gets -32001.
ENVELOPE: Final = Envelope(
    METHOD,
    string_id=VENDOR_STRING_ID,
    batch_codes=(-32099,),
    notification_codes=(-32099,),
    vendor=True,
    extra_member_refused=True,
    token_member=TOKEN_MEMBER,
    token_error=-32001,
)


def fixed_members(settings: Settings) -> dict[str, Any]:
    """Params members with one value: the token (as ``TOKEN_PLACEHOLDER``, put in place when
    sent), and the ids the user named."""
    fixed: dict[str, Any] = {TOKEN_MEMBER: TOKEN_PLACEHOLDER}
    for member in REFERENCE_MEMBERS:
        if settings.known_id(member) is not None:
            fixed[member] = settings.known_id(member)
    return fixed


def omitted_members(settings: Settings) -> list[str]:
    """Reference members valid requests leave out: the ids the user did not name."""
    return [m for m in REFERENCE_MEMBERS if settings.known_id(m) is None]


def base_of(settings: Settings) -> Base:
    """The base requests of the run: every member, and the required ones, from the schemas."""
    required = tree("params", settings.role, settings.revision).get("required", [])
    missing = [m for m in omitted_members(settings) if m in required]
    if missing:
        options = ", ".join(settings.option(REFERENCE_MEMBERS[m]) for m in missing)
        raise ArgumentError(
            f"{', '.join(missing)} is required for {settings.option('role')} "
            f"{settings.role}: name one the target knows ({options})"
        )
    return case_module.base(
        settings.role,
        fixed=fixed_members(settings),
        omitted=omitted_members(settings),
        revision=settings.revision,
    )


@dataclass
class CreateSites:
    """create.sites as one ``MethodContract``, for the settings' role, ids and revision."""

    settings: Settings
    name: str = METHOD
    checks: Mapping[str, Rule] = field(default_factory=lambda: dict(CHECKS))
    token_member: str | None = TOKEN_MEMBER
    unique_member: str | None = UNIQUE_MEMBER
    unique_valid: Callable[[Any], bool] | None = None
    notes: list[str] = field(default_factory=list)
    #: the page documents success for a valid request (the run names the ids it uses)
    valid_expectation: Expectation = SUCCESS

    def __post_init__(self) -> None:
        self.base = base_of(self.settings)  # ArgumentError before anything is sent
        self.unique_valid = node_validator(
            tree("params", self.settings.role, self.settings.revision)["properties"][UNIQUE_MEMBER]
        )

    def families(self) -> Iterator[tuple[str, list[Case]]]:
        base, settings = self.base, self.settings
        made: dict[str, Callable[[], list[Case]]] = {
            "protocol": lambda: protocol_cases(base, ENVELOPE),
            "boundary": lambda: case_module.boundary_cases(base),
            "invalid": lambda: decided(
                base.params_tree, case_module.invalid_cases(base, list(REFERENCE_MEMBERS))
            ),
            "references": lambda: case_module.reference_cases(
                base, list(REFERENCE_MEMBERS), settings.seed
            ),
            "duplicates": lambda: case_module.duplicate_cases(base),
            "robustness": lambda: robustness_cases(base),
        }
        for family, make in made.items():
            if family in settings.families:
                yield family, make()

    def valid_requests(self, pinned: Mapping[str, Any]) -> Any:
        return valid_requests(self.settings, pinned)

    def pin(self, member: str) -> Any:
        return case_module.member_value(self.base, member)


def valid_requests(settings: Settings, pinned: Mapping[str, Any] | None = None) -> Any:
    """The valid family's hypothesis strategy: requests carrying ``TOKEN_PLACEHOLDER`` (put
    back when sent), so that whatever hypothesis prints or attaches to an exception never
    holds the token. ``pinned`` members (dotted) take one value."""
    from conformance.generation.strategies import requests

    fixed = {**(pinned or {}), **fixed_members(settings)}
    return requests(
        settings.role, fixed=fixed, omitted=omitted_members(settings), revision=settings.revision
    )


def bundled(settings: Settings) -> Contract:
    """The bundled create.sites contract in the settings' revision, for their role and ids."""
    return Contract(
        name=f"{METHOD} ({settings.revision} revision)",
        methods=(CreateSites(settings),),
        revision=settings.revision,
    )


def iter_families(settings: Settings) -> Iterator[tuple[str, list[Case]]]:
    """The deterministic families of a create.sites run, each ``(name, cases)``, made one at a
    time; every case carries ``TOKEN_PLACEHOLDER`` as its token."""
    return CreateSites(settings).families()


def iter_plan(settings: Settings) -> Iterator[Case]:
    """The deterministic cases of a create.sites run, in send order."""
    for _, cases in iter_families(settings):
        yield from cases


def plan(settings: Settings) -> list[Case]:
    """The deterministic cases of a create.sites run, as a list."""
    return list(iter_plan(settings))


__all__ = [
    "METHOD",
    "TOKEN_MEMBER",
    "CreateSites",
    "base_of",
    "bundled",
    "fixed_members",
    "iter_families",
    "iter_plan",
    "omitted_members",
    "plan",
    "valid_requests",
]
