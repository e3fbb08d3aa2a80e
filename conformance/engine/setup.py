"""The run's own mistakes, told once: a target that gives no JSON-RPC reply at all, a token it
refuses, ids or a role it does not take. Each stops the run with one message naming the option
to fix (the CLI exits 2), instead of hundreds of failures that all say the same.

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


def first_success(exchange: Exchange, settings: Any) -> SetupFailed | None:
    """Why the first request that should succeed shows the run's own mistake, or ``None``.

    ``settings`` is the run's ``conformance.engine.runner.Settings``; messages quote the target,
    so the token is masked in them.
    """
    reply = exchange.reply
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


__all__ = [
    "CLI_OPTIONS",
    "NoJsonRpc",
    "SetupFailed",
    "TargetRefusesSettings",
    "TokenRefused",
    "Unreachable",
    "first_exchange",
    "first_success",
]
