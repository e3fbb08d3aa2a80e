"""The server's configuration: who may call it and which scenarios exist.

A TOML file (``--config``) lists the access tokens with their roles; ``--token`` adds customer
tokens on the command line; with neither, ``generated`` makes one customer token, which the
``serve`` command prints. The format, with every key::

    scenario_ids = [1, 2, 3]          # default_scenario_id must be one of these

    [[tokens]]
    token = "customer-secret"
    role = "customer"
    user_id = 100                     # the customer user the token acts as (default 1)

    [[tokens]]
    token = "agent-secret"
    role = "agent"
    customer_user_ids = [100, 101]    # user_id in a request must be one of these
"""

from __future__ import annotations

import secrets
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from conformance.errors import ConformanceError

#: The customer user that ``--token`` tokens, generated tokens and customer tokens without a
#: ``user_id`` act as.
DEFAULT_CUSTOMER_USER_ID: Final = 1
#: The scenarios that exist when the configuration names none.
DEFAULT_SCENARIO_IDS: Final = (1, 2, 3)
_ROLES: Final = ("customer", "agent")
_TOKEN_KEYS: Final = frozenset({"token", "role", "user_id", "customer_user_ids"})
_TOP_KEYS: Final = frozenset({"tokens", "scenario_ids"})


class ConfigError(ConformanceError):
    """A configuration file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Caller:
    """What an access token may do: its role and the customer users it acts for.

    A customer acts for one user (``user_id``); an agent for any of ``customer_user_ids``.
    """

    role: str
    user_id: int | None = None
    customer_user_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Config:
    """Tokens by value and the scenario ids that exist."""

    tokens: Mapping[str, Caller] = field(default_factory=dict)
    scenario_ids: frozenset[int] = frozenset(DEFAULT_SCENARIO_IDS)

    def with_customer_tokens(self, tokens: Iterable[str]) -> Config:
        """A copy with ``tokens`` added as customer tokens of the default customer user."""
        added = dict(self.tokens)
        for token in tokens:
            added[token] = Caller("customer", DEFAULT_CUSTOMER_USER_ID)
        return replace(self, tokens=added)


def generated() -> tuple[Config, str]:
    """A configuration with one fresh customer token, and that token."""
    token = secrets.token_urlsafe(24)
    return Config().with_customer_tokens([token]), token


def load(path: Path) -> Config:
    """The configuration in the TOML file at ``path``, or ``ConfigError`` saying what is wrong."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the configuration: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not TOML: {error}") from None
    return parse(document, str(path))


def parse(document: Mapping[str, Any], source: str = "<config>") -> Config:
    """The configuration in a decoded TOML ``document``; ``source`` names it in errors."""
    _refuse_unknown(document, _TOP_KEYS, source)
    scenario_ids = _ids(
        document.get("scenario_ids", DEFAULT_SCENARIO_IDS), f"{source}: scenario_ids"
    )
    entries = document.get("tokens", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{source}: tokens must be an array of tables ([[tokens]])")
    tokens: dict[str, Caller] = {}
    for index, entry in enumerate(entries):
        where = f"{source}: tokens[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a table")
        _refuse_unknown(entry, _TOKEN_KEYS, where)
        token = entry.get("token")
        if not isinstance(token, str) or not token:
            raise ConfigError(f"{where}.token must be a non-empty string")
        if token in tokens:
            raise ConfigError(f"{where}.token repeats an earlier token")
        tokens[token] = _caller(entry, where)
    return Config(tokens=tokens, scenario_ids=scenario_ids)


def _caller(entry: Mapping[str, Any], where: str) -> Caller:
    role = entry.get("role", "customer")
    if role not in _ROLES:
        raise ConfigError(f'{where}.role must be "customer" or "agent"; got {role!r}')
    if role == "agent":
        if "user_id" in entry:
            raise ConfigError(f"{where}.user_id is for customers; an agent has customer_user_ids")
        customers = _ids(entry.get("customer_user_ids", []), f"{where}.customer_user_ids")
        return Caller("agent", customer_user_ids=customers)
    if "customer_user_ids" in entry:
        raise ConfigError(f"{where}.customer_user_ids is for agents; a customer has user_id")
    user_id = entry.get("user_id", DEFAULT_CUSTOMER_USER_ID)
    if not _is_id(user_id):
        raise ConfigError(f"{where}.user_id must be an integer from 1 to 2147483647")
    return Caller("customer", user_id)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 2**31 - 1


def _ids(values: Any, where: str) -> frozenset[int]:
    if not isinstance(values, list | tuple) or not all(_is_id(value) for value in values):
        raise ConfigError(f"{where} must be an array of integers from 1 to 2147483647")
    return frozenset(values)


def _refuse_unknown(table: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r}; the keys are {', '.join(sorted(known))}"
        )
