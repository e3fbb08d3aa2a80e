"""The access token taken out of what the kit keeps or hands on (saved failures, the baseline,
the HTML report), by structure: the token member's value, and the strings that hold the token.

Text reports mask the token where it is printed (``conformance.fuzz.report.Masker``); files
that outlive the run are scrubbed here, before anything is written, and never offer a
``--show-secrets``:

- in a request, the token member's value, where it is the run's token, becomes
  ``TOKEN_PLACEHOLDER``, which a replay puts the replay's token back in place of (the runner
  does the same for the requests hypothesis draws); any other string that holds the token has
  it replaced by ``MASK``;
- in a reply, every string (values and member names) that holds the token has it replaced;
- in raw bytes (a body that is no JSON), the token's UTF-8 and JSON-escaped forms, and a
  beginning of it cut off by the end of the body (the protocol family's half body), are
  replaced.
"""

from __future__ import annotations

import json
from typing import Any, Final

from conformance.fuzz.runner import TOKEN_PLACEHOLDER
from conformance.validation.masking import SECRET_MEMBERS

MASK: Final = "***"

#: A token's beginning cut off by the end of a body is masked from this many characters on:
#: a shorter one is no more a secret than any few characters are.
_SHORTEST_MASKED_PREFIX: Final = 4


def _forms(token: str) -> list[str]:
    """The token as text and in the forms JSON writes it, longest first."""
    forms = {token, json.dumps(token)[1:-1], json.dumps(token, ensure_ascii=False)[1:-1]}
    return sorted(forms, key=len, reverse=True)


def scrub_text(text: str, token: str) -> str:
    """``text`` with every form of ``token`` replaced by ``MASK``."""
    for form in _forms(token):
        text = text.replace(form, MASK)
    return text


def scrub_value(value: Any, token: str) -> Any:
    """A JSON value with the token replaced in every string, member names included."""
    if isinstance(value, str):
        return scrub_text(value, token)
    if isinstance(value, list):
        return [scrub_value(item, token) for item in value]
    if isinstance(value, dict):
        return {scrub_text(key, token): scrub_value(item, token) for key, item in value.items()}
    return value


def scrub_request(value: Any, token: str) -> Any:
    """A request with the token member's value, where it is ``token``, set to the placeholder
    a replay fills in; the token replaced anywhere else."""
    if isinstance(value, list):
        return [scrub_request(item, token) for item in value]
    if isinstance(value, dict):
        return {
            scrub_text(key, token): (
                TOKEN_PLACEHOLDER
                if key in SECRET_MEMBERS and item == token
                else scrub_request(item, token)
            )
            for key, item in value.items()
        }
    return scrub_value(value, token)


def scrub_bytes(data: bytes, token: str) -> bytes:
    """Raw bytes with the token's encoded forms replaced, and a beginning of the token that
    ends the data (a body cut in half) masked too."""
    mask = MASK.encode()
    for form in _forms(token):
        data = data.replace(form.encode("utf-8", "surrogatepass"), mask)
    encoded = token.encode("utf-8", "surrogatepass")
    for length in range(len(encoded) - 1, _SHORTEST_MASKED_PREFIX - 1, -1):
        if data.endswith(encoded[:length]):
            return data[:-length] + mask
    return data


def holds_token(data: bytes | str, token: str) -> bool:
    """Whether ``data`` holds the token in any of the forms ``scrub_bytes`` replaces."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return scrub_bytes(raw, token) != raw


__all__ = [
    "MASK",
    "holds_token",
    "scrub_bytes",
    "scrub_request",
    "scrub_text",
    "scrub_value",
]
