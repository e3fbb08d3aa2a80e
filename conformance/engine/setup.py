"""The run's own mistakes, told once: a target that gives no JSON-RPC reply at all, a token it
refuses, ids or a role it does not take, the other revision of the bundled contract. Each
stops the run with one message naming the option to fix (the CLI exits 2), instead of hundreds
of failures that all say the same.

Only these: a JSON-RPC reply that breaks a rule (a wrong content type, a bad ``result``) is a
finding of the run, as every other. ``first_exchange`` judges the run's first exchange (is
there a JSON-RPC server at all?), ``first_success`` the first request that should succeed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from conformance.engine.checks import UNPARSED, Exchange
from conformance.errors import ConformanceError
from conformance.validation.masking import mask_string

#: How the ``conformance fuzz`` command names each setting; the pytest plugin passes its own.
CLI_OPTIONS: Final = {
    "url": "the target URL",
    "token": "--token",
    "role": "--role",
    "revision": "--revision",
    "user_id": "--user-id",
    "scenario_id": "--scenario-id",
    "timeout": "--timeout",
    "rate": "--rate",
    "max_failures": "--max-failures",
    "max_response_time": "--max-response-time",
    "headers": "--header",
    "cacert": "--cacert",
    "insecure": "--insecure",
    "cert": "--cert",
    "key": "--key",
    "max_creates": "--max-creates",
    "param_structure": "--param-structure",
    "profile": "--profile",
    "rules": "--rule",
    "exclude_rules": "--exclude-rule",
    "members": "--member",
    "exclude_members": "--exclude-member",
    "test_ids": "--test-id",
    "exclude_test_ids": "--exclude-test-id",
}

#: Codes that mean "this token is not good here" (authentication, access rights).
TOKEN_ERROR_CODES: Final = (-32001, -32003)

#: Params members that name entities, and the setting that names them.
ENTITY_SETTINGS: Final = {"user_id": "user_id", "default_scenario_id": "scenario_id"}


class SetupFailed(ConformanceError):
    """The run cannot go on: the message names the option to fix."""


class Unreachable(SetupFailed):
    """No connection to the target could be opened."""


class TokenRefused(SetupFailed):
    """The target answered the run's first valid request with an access-token error."""


class NoJsonRpc(SetupFailed):
    """The target's answer to the run's first request is no JSON-RPC reply at all."""


class TargetRefusesSettings(SetupFailed):
    """The target refused the ids or the role the run was given, on its first valid request."""


class OtherRevision(SetupFailed):
    """The target answered the run's first valid request as the other revision of the bundled
    contract does: the run's ``--revision`` is not the one the target implements."""


def _looks_like_json_rpc(reply: Any) -> bool:
    if isinstance(reply, list):
        return all(_looks_like_json_rpc(item) for item in reply)
    return isinstance(reply, dict) and bool({"jsonrpc", "result", "error"} & set(reply))


def first_exchange(exchange: Exchange, url: str, options: Mapping[str, str]) -> SetupFailed | None:
    """Why the run's first exchange shows no JSON-RPC server at ``url``, or ``None``."""
    answer = exchange.answer
    where = options.get("url", CLI_OPTIONS["url"])
    if answer.status is None:
        error = answer.error or "no answer"
        if answer.timed_out:
            hint = f"check {where}, or allow more time ({options.get('timeout', '--timeout')})"
        elif "SSL" in error and url.lower().startswith("https:"):
            hint = f"the target does not speak TLS there: check {where}'s scheme (http://?)"
        else:
            hint = f"check {where}: its scheme (http:// or https://), host and port"
        return NoJsonRpc(f"the target {url} gave no HTTP answer to a request: {error}; {hint}")
    if exchange.reply is not UNPARSED and _looks_like_json_rpc(exchange.reply):
        return None
    media = answer.headers.get("content-type") or "no Content-Type"
    body = answer.body[:80].decode("utf-8", "backslashreplace")
    shown = f"{body!r}" + ("…" if len(answer.body) > 80 else "") if body else "an empty body"
    return NoJsonRpc(
        f"the target {url} is no JSON-RPC server: it answered HTTP {answer.status} "
        f"({media}) with {shown}; check {where} (the endpoint's path)"
    )


def first_success(exchange: Exchange, settings: Any, revisions: bool = False) -> SetupFailed | None:
    """Why the first request that should succeed shows the run's own mistake, or ``None``.

    ``settings`` is the run's ``conformance.engine.runner.Settings``; messages quote the target,
    so the token is masked in them. ``revisions``: the run is of the bundled contract, whose
    other revision the target may implement (``other_revision``).
    """
    reply = exchange.reply
    if revisions:
        found = other_revision(exchange, settings)
        if found is not None:
            return found
    error = reply.get("error") if isinstance(reply, dict) else None
    if not isinstance(error, dict):
        return None
    option = settings.option
    data: dict[str, Any] = error["data"] if isinstance(error.get("data"), dict) else {}
    mnemonic = data.get("mnemonic")
    said = mask_string(json.dumps(mnemonic or error.get("message"))[:200], {settings.token})
    code = error.get("code")
    if code in TOKEN_ERROR_CODES:
        return TokenRefused(
            f"the target refused the token on a valid request: error {code} {said}; "
            f"check {option('token')} (and {option('role')}, {option('user_id')})"
        )
    field = data.get("field")
    if code != -32602 or field not in ENTITY_SETTINGS:
        return None
    setting = ENTITY_SETTINGS[field]
    named = getattr(settings, setting)
    if named is not None:
        return TargetRefusesSettings(
            f"the target refused {option(setting)} {named}: error {code} {said} for field "
            f"{field!r} on a valid request; name one it knows"
        )
    if mnemonic == "required_parameter_missed":
        agent = (
            f"; an agent's token needs {option('role')} agent and {option('user_id')} N"
            if field == "user_id" and settings.role != "agent"
            else ""
        )
        return TargetRefusesSettings(
            f"the target requires {field} on a valid request (error {code} {said}): "
            f"name one it knows with {option(setting)}{agent}"
        )
    return None


def other_revision(exchange: Exchange, settings: Any) -> OtherRevision | None:
    """``OtherRevision`` where the first request that should succeed was answered as the other
    revision of the bundled contract answers it, else ``None`` (``_other_revision``); a
    payload or a reply the validator cannot read is no sign of either revision."""
    try:
        return _other_revision(exchange, settings)
    except ConformanceError:
        return None


def _other_revision(exchange: Exchange, settings: Any) -> OtherRevision | None:
    """What ``other_revision`` finds: a success reply that keeps only the other revision's
    reply contract (``result.data`` where the seed has ``result.success``), or a -32602 naming
    the very member the other revision's request schema refuses first (``name``, which the
    seed page does not have; ``industry_id`` 20 where the current page has 19). Said once
    instead of a failure for every case: the run's setting is wrong, or the target is so far
    from the run's revision that each case would say the same. Only the first valid answer is
    judged so: a target right on it and wrong later gets its failures, each with its hint
    (``conformance.engine.checks``)."""
    from conformance.contract import REVISIONS
    from conformance.validation.validator import best_match, validator_for

    reply, payload, revision = exchange.reply, exchange.payload, settings.revision
    if not isinstance(reply, dict) or not isinstance(payload, dict):
        return None
    option = settings.option("revision")
    for other in REVISIONS:
        if other == revision:
            continue
        if "result" in reply:
            # judged as the reply-schema check judges it (the kit's decisions under --strict
            # alone); the other revision leniently: a hint, not a verdict
            here = validator_for("reply", revision=revision, strict=settings.strict)
            if here.is_valid(reply) or not validator_for(
                "reply", revision=other, strict=False
            ).is_valid(reply):
                continue
            broken = best_match(here.iter_errors(reply))
            why = f" ({mask_string(broken.message, {settings.token})})" if broken else ""
            return OtherRevision(
                f"the target answered a valid request with a success reply that keeps the "
                f"{other!r} revision's contract, not the {revision!r} one the run checks{why}: "
                f"check {option} ({option} {other} if the target implements it; if it "
                f"implements {revision!r}, that reply is its defect)"
            )
        error = reply.get("error")
        data = error.get("data") if isinstance(error, dict) else None
        if not isinstance(error, dict) or error.get("code") != -32602 or not isinstance(data, dict):
            continue
        field = data.get("field")
        if not isinstance(field, str):
            continue
        worst = best_match(
            validator_for("request", settings.role, revision=other).iter_errors(payload)
        )
        if worst is None or worst.field != f"params.{field}":
            continue
        said = mask_string(
            json.dumps(data.get("mnemonic") or error.get("message"))[:200], {settings.token}
        )
        return OtherRevision(
            f"the target refused a valid request at {field!r} (error -32602 {said}), as the "
            f"{other!r} revision's contract does ({mask_string(worst.message, {settings.token})}), "
            f"not the {revision!r} one "
            f"the run checks: check {option} ({option} {other} if the target implements it; "
            f"if it implements {revision!r}, that refusal is its defect)"
        )
    return None


__all__ = [
    "CLI_OPTIONS",
    "NoJsonRpc",
    "OtherRevision",
    "SetupFailed",
    "TargetRefusesSettings",
    "TokenRefused",
    "Unreachable",
    "first_exchange",
    "first_success",
    "other_revision",
]
