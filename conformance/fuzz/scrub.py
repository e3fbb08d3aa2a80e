"""The access token taken out of what the kit keeps or hands on (saved failures, the baseline,
the HTML report), by structure: the token member's value, and the strings that hold the token.

Text reports mask the token where it is printed (``conformance.fuzz.report.Masker``); files
that outlive the run are scrubbed here, before anything is written, and never offer a
``--show-secrets``:

- in a request, the token member's value, where it is the run's token, becomes
  ``TOKEN_PLACEHOLDER``, which a replay puts the replay's token back in place of (the runner
  does the same for the requests hypothesis draws);
- elsewhere, as the text reports do (``conformance.validation.masking``): a string that is the
  token, and a token long enough to be told from chance (``MIN_ECHO_LENGTH``) inside a longer
  string or in raw bytes (with a beginning of it cut off by the end of a body). A short token
  is never searched for inside other text: ``--token 1`` must leave "-32602" as it is.
"""

from __future__ import annotations

import json
from typing import Any, Final

from conformance.fuzz.runner import TOKEN_PLACEHOLDER
from conformance.validation.masking import MIN_ECHO_LENGTH, SECRET_MEMBERS, mask

MASK: Final = "***"

#: A token's beginning cut off by the end of a body is masked from this many characters on:
#: a shorter one is no more a secret than any few characters are.
_SHORTEST_MASKED_PREFIX: Final = 4


def _forms(token: str) -> list[str]:
    """The token as text and in the forms JSON writes it, longest first."""
    forms = {token, json.dumps(token)[1:-1], json.dumps(token, ensure_ascii=False)[1:-1]}
    return sorted(forms, key=len, reverse=True)


def scrub_text(text: str, token: str) -> str:
    """Target-made text (a check's message, a header) with the token masked where it shows, as
    the text report masks it (``Masker.text``): a short token only where it is the whole text,
    so that ``--token 1`` leaves "-32602" as it is."""
    from conformance.fuzz.report import Masker

    return Masker(token).text(text)


def scrub_value(value: Any, token: str) -> Any:
    """A JSON value with each string that is the token, or holds a token long enough to be told
    from chance, masked (``conformance.validation.masking.mask``)."""
    return mask(value, frozenset({token}) if token else frozenset())


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
    ends the data (a body cut in half) masked too; a token too short to be told from chance
    (``MIN_ECHO_LENGTH``) is left alone, as the text report leaves it."""
    if len(token) < MIN_ECHO_LENGTH:
        return data
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
