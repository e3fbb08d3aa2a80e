"""The parts of a JSON value a masking test reasons about: its strings, and its members'
names (each masked by its own rule: a string equal to a token, a name holding a long one)."""

from __future__ import annotations

from typing import Any

__all__ = ["names", "strings"]


def strings(value: Any) -> list[str]:
    """Every string value in ``value``, at any depth (members' names not among them)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


def names(value: Any) -> list[str]:
    """Every member's name in ``value``, at any depth."""
    if isinstance(value, dict):
        return [*value, *(name for item in value.values() for name in names(item))]
    if isinstance(value, list):
        return [name for item in value for name in names(item)]
    return []
