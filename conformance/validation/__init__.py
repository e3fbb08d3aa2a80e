"""The validation library other projects import, and the file gate behind ``conformance validate``.

- ``validator``: ``Validator``, ``iter_errors`` / ``is_valid`` / ``validate``, ``best_match``;
- ``violations``: the ``Violation`` value and the sentences people read;
- ``formats``: the ``idn-hostname`` and ``iri`` formats, checked with the ``idna`` package;
- ``payloads``: strict reading of JSON and JSON Lines (UTF-8, depth, NaN, lone surrogates);
- ``files`` and ``reporters``: checking payload files, and their text, json and github reports.

It imports nothing of the fuzzer, the server or pytest (``tests/test_layering.py``).
"""

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
    "MISSING",
    "Validator",
    "Violation",
    "best_match",
    "format_checker",
    "is_valid",
    "iter_errors",
    "loads",
    "relevance",
    "validate",
    "validator_for",
]
