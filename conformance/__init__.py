"""The create.sites conformance kit: the contract's schemas, a validator, a reference server
and a conformance runner.

    >>> import conformance
    >>> conformance.is_valid({"jsonrpc": "2.0", "id": 1, "method": "create.sites", "params": {}})
    False
"""

# The one place the version is written: hatch reads it into the wheel's metadata
# (pyproject.toml, [tool.hatch.version]) and ``conformance --version`` prints it.
__version__ = "0.1.0"

from conformance.contract import DEFAULT_REVISION, KINDS, REVISIONS, ROLES, registry, schema
from conformance.errors import ArgumentError, ConformanceError, ContractViolation, PayloadError
from conformance.validation.formats import format_checker
from conformance.validation.payloads import loads
from conformance.validation.validator import (
    Validator,
    best_match,
    is_valid,
    iter_errors,
    validate,
    validator_for,
)
from conformance.validation.violations import MISSING, Violation, relevance

__all__ = [
    "DEFAULT_REVISION",
    "KINDS",
    "MISSING",
    "REVISIONS",
    "ROLES",
    "ArgumentError",
    "ConformanceError",
    "ContractViolation",
    "PayloadError",
    "Validator",
    "Violation",
    "best_match",
    "format_checker",
    "is_valid",
    "iter_errors",
    "loads",
    "registry",
    "relevance",
    "schema",
    "validate",
    "validator_for",
]
