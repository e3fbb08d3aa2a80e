"""Which conventions judge an OpenRPC document's run: its profile (``--profile``).

``document`` (the default) judges everything the document says, the vendor's ``x-`` extensions
included: mnemonics and ``error.data.field`` asked for, ``error.data`` against its schema, a
wrong or missing token refused with the error ``x-secret-error`` names, a repeated unique param
refused, ids that may name nothing answered as the vendor does, result ids never given twice.
``jsonrpc`` judges the document by JSON-RPC 2.0 and its schemas alone (a team bringing a
vendor's document, or a stateless mock of it, wants that verdict): none of the above is judged.

A profile never adds a verdict: ``jsonrpc`` only removes the vendor's. So the extensions that
say what to *send* stay as the run's inputs, and only their verdicts go:

- ``x-secret``: the param still carries ``--token``, and its value is masked in every report
  and file (masking is no verdict; a drawn credential would be refused by a server that checks
  it, a false alarm); the ``token-wrong`` and ``token-missing`` cases are not sent.
- ``x-unique``: the param is still fresh in every request (a server that keeps it unique would
  refuse a repeat); the ``duplicates`` family is not sent.
- ``x-references``: the param is still sent only with an id the user names (``--user-id``,
  ``--scenario-id``) or left out (a server would refuse an id of nothing); the ``references``
  family is not sent.
- ``x-error-mnemonics``, ``x-params-error-field``, ``x-secret-error``, ``x-error-data`` and
  ``x-result-unique`` only judge: they are ignored, as if the document did not carry them.

``x-roles`` (the params each ``--role`` must send) and ``x-additional-params`` (params the
method does not describe are refused) are part of what the params schema accepts, and stay;
``x-decisions`` are judged only with ``--strict`` in either profile.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from conformance.engine.settings import PROFILES
from conformance.openrpc.document import Method

#: Everything the document says, the vendor's extensions included (the default).
DOCUMENT: Final = PROFILES[0]
#: JSON-RPC 2.0 and the document's schemas alone.
JSONRPC: Final = PROFILES[1]
DEFAULT_PROFILE: Final = DOCUMENT

#: The method extensions that only judge: ``jsonrpc`` ignores them.
VENDOR_METHOD_EXTENSIONS: Final = (
    "x-error-mnemonics",
    "x-params-error-field",
    "x-secret-error",
    "x-error-data",
    "x-result-unique",
)
#: The families whose cases judge the vendor's param extensions (``x-references``,
#: ``x-unique``): not sent under ``jsonrpc``.
VENDOR_FAMILIES: Final = ("references", "duplicates")


def judged_method(method: Method, profile: str) -> Method:
    """``method`` as ``profile`` judges it: as it is (``document``), or without the vendor's
    method extensions that only judge (``jsonrpc``); ``ValueError`` for another profile."""
    if profile == DOCUMENT:
        return method
    if profile != JSONRPC:
        raise ValueError(f"no profile {profile!r}: one of {', '.join(PROFILES)}")
    kept = {k: v for k, v in method.extensions.items() if k not in VENDOR_METHOD_EXTENSIONS}
    return dataclasses.replace(method, extensions=kept)


def judges_vendor_params(profile: str) -> bool:
    """Whether ``profile`` sends the cases that judge the vendor's param extensions: the
    credential's (``x-secret``), ``VENDOR_FAMILIES``."""
    return profile == DOCUMENT


__all__ = [
    "DEFAULT_PROFILE",
    "DOCUMENT",
    "JSONRPC",
    "PROFILES",
    "VENDOR_FAMILIES",
    "VENDOR_METHOD_EXTENSIONS",
    "judged_method",
    "judges_vendor_params",
]
