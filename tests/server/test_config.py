"""The server's TOML configuration: tokens with roles, customers, scenarios, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.server.config import (
    DEFAULT_CUSTOMER_USER_ID,
    DEFAULT_SCENARIO_IDS,
    Caller,
    ConfigError,
    generated,
    load,
)

EXAMPLE = """
scenario_ids = [1, 2, 3]

[[tokens]]
token = "customer-secret"
role = "customer"
user_id = 100

[[tokens]]
token = "agent-secret"
role = "agent"
customer_user_ids = [100, 101]
"""


def write(tmp_path: Path, text: str) -> Path:
    """``text`` in a file ``server.toml`` under ``tmp_path``."""
    path = tmp_path / "server.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_read(tmp_path: Path) -> None:
    """The documented example gives a customer, an agent of two customers, three scenarios."""
    config = load(write(tmp_path, EXAMPLE))
    assert config.scenario_ids == {1, 2, 3}
    assert config.tokens == {
        "customer-secret": Caller("customer", 100),
        "agent-secret": Caller("agent", customer_user_ids=frozenset({100, 101})),
    }


def test_defaults(tmp_path: Path) -> None:
    """Without scenario_ids or user_id, the defaults apply."""
    config = load(write(tmp_path, '[[tokens]]\ntoken = "t"\n'))
    assert config.tokens == {"t": Caller("customer", DEFAULT_CUSTOMER_USER_ID)}
    assert config.scenario_ids == set(DEFAULT_SCENARIO_IDS)


def test_generated_config_has_one_random_customer_token() -> None:
    """A generated token is long, random, and a customer's."""
    (config, token), (_, other) = generated(), generated()
    assert config.tokens == {token: Caller("customer", DEFAULT_CUSTOMER_USER_ID)}
    assert len(token) >= 32 and token != other


def test_command_line_tokens_are_added_as_customers(tmp_path: Path) -> None:
    """``--token`` adds customer tokens beside the file's."""
    config = load(write(tmp_path, EXAMPLE)).with_customer_tokens(["extra"])
    assert config.tokens["extra"].role == "customer"
    assert len(config.tokens) == 3


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("scenario_ids = [", "not TOML"),
        ("colour = 1", "'colour'"),
        ("scenario_ids = [0]", "scenario_ids"),
        ('scenario_ids = ["1"]', "scenario_ids"),
        ("tokens = 1", "tokens"),
        ("[[tokens]]\nrole = 'customer'", "tokens[0].token"),
        ("[[tokens]]\ntoken = ''", "tokens[0].token"),
        ("[[tokens]]\ntoken = 'a'\n[[tokens]]\ntoken = 'a'", "tokens[1].token"),
        ("[[tokens]]\ntoken = 'a'\nrole = 'admin'", "tokens[0].role"),
        ("[[tokens]]\ntoken = 'a'\nuser_id = true", "tokens[0].user_id"),
        ("[[tokens]]\ntoken = 'a'\nrole = 'agent'\nuser_id = 1", "tokens[0].user_id"),
        ("[[tokens]]\ntoken = 'a'\ncustomer_user_ids = [1]", "tokens[0].customer_user_ids"),
        ("[[tokens]]\ntoken = 'a'\nrole = 'agent'\ncustomer_user_ids = 5", "customer_user_ids"),
        ("[[tokens]]\ntoken = 'a'\nsecret = 1", "'secret'"),
    ],
)
def test_config_errors_name_file_and_key(tmp_path: Path, text: str, names: str) -> None:
    """Each mistake is a ConfigError naming the file and the key at fault."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(path) in str(caught.value) and names in str(caught.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    """A file that cannot be read is a ConfigError naming it."""
    with pytest.raises(ConfigError, match=r"absent\.toml"):
        load(tmp_path / "absent.toml")
