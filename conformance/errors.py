"""The exceptions this kit raises, and only these.

    ConformanceError
    ├── ContractViolation   a payload breaks the contract (``validate`` raises it)
    ├── PayloadError        input that is not a JSON payload at all: not UTF-8, not JSON,
    │                       NaN or Infinity, nested too deeply, a lone surrogate
    └── ArgumentError       a function or command was called with an argument it cannot take
                            (also a ``ValueError``)

Every message names the thing that is wrong and, where it can, what was probably meant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.validation.violations import Violation


class ConformanceError(Exception):
    """The base of every exception raised by this kit."""


class ContractViolation(ConformanceError):
    """A payload breaks the create.sites contract; ``violation`` is the most relevant break."""

    def __init__(self, violation: Violation) -> None:
        super().__init__(violation.message)
        self.violation = violation


class PayloadError(ConformanceError):
    """Input that cannot be read as one JSON payload.

    ``line`` and ``column`` (1-based) locate the problem where it has a place in the text.
    """

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{message}{where}")
        self.reason = message
        self.line = line
        self.column = column


class ArgumentError(ConformanceError, ValueError):
    """An argument that the called function or command cannot take."""
