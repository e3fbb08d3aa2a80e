"""A team's own code around a run (``--hooks MODULE_OR_PATH``), as schemathesis's and Dredd's
users write it: a Python module with any of these functions::

    def before_run(context): ...               # before the first request
    def after_create(context, created): ...    # after each creation (``Created``)
    def after_run(context, created_all): ...   # at the end, a signal or a stop included

``context`` (``HookContext``) holds the target's URL, the run's settings and a client that
sends JSON-RPC requests as the run does (its headers, TLS options and timeout):
``context.call("sites.delete", {"access_token": context.token, "id": created.id})`` returns
the reply, parsed. ``context.mask(value)`` is ``value`` with the token and the secret headers'
values as ``***``, to print or log safely.

A hook that raises is reported in one line naming the hook and the module, its message masked
(``HookFailed``); a module that cannot be found or loaded is a usage error (``ArgumentError``).
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from conformance.engine.settings import Settings
from conformance.engine.transport import Client, Target
from conformance.errors import ArgumentError, ConformanceError, PayloadError
from conformance.validation.masking import mask, mask_string, quoted_forms
from conformance.validation.payloads import loads

#: The functions a hooks module may define, in the order a run calls them.
HOOK_NAMES: Final = ("before_run", "after_create", "after_run")


class HookFailed(ConformanceError):
    """A hook raised: the message names the hook and its module, in one line."""


class CallFailed(ConformanceError):
    """``HookContext.call`` got no JSON reply (no answer, or a body that is not JSON)."""


@dataclass
class HookContext:
    """What a hook is given: the run's target, settings, a client and masking."""

    url: str
    settings: Settings
    #: the values masked besides the token (the secret headers' values)
    secrets: frozenset[str] = frozenset()
    _client: Client | None = field(default=None, repr=False)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    @property
    def token(self) -> str:
        """The run's access token (``context.mask`` hides it again)."""
        return self.settings.token

    def _all_secrets(self) -> frozenset[str]:
        """The token and the secret headers' values, each also as a message quotes it (a
        hook's ``KeyError(token)`` reads as its repr)."""
        secrets = self.secrets | ({self.settings.token} if self.settings.token else set())
        return secrets.union(*map(quoted_forms, secrets))

    def mask(self, value: Any) -> Any:
        """``value`` (a string or any JSON value) with the token and secret header values as
        ``***``."""
        if isinstance(value, str):
            return mask_string(value, self._all_secrets())
        return mask(value, self._all_secrets())

    def call(self, method: str, params: Any = None) -> Any:
        """Send one JSON-RPC request as the run sends them; the parsed reply. ``CallFailed``
        where no JSON reply comes."""
        if self._client is None:
            target = Target.parse(self.url)
            settings = self.settings
            self._client = Client(
                target,
                settings.timeout,
                headers=settings.headers,
                context=settings.tls_for(self.url),
            )
        request: dict[str, Any] = {"jsonrpc": "2.0", "id": next(self._ids), "method": method}
        if params is not None:
            request["params"] = params
        answer = self._client.post(json.dumps(request, ensure_ascii=False).encode("utf-8"))
        if answer.error is not None:
            raise CallFailed(self.mask(f"{method}: no answer: {answer.error}"))
        try:
            return loads(answer.body)
        except PayloadError:
            shown = answer.body[:200].decode("utf-8", "backslashreplace")
            raise CallFailed(
                self.mask(f"{method}: HTTP {answer.status}, a body that is not JSON: {shown!r}")
            ) from None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


@dataclass
class Hooks:
    """The hooks of one module (``load``); ``call`` runs one, ``HookFailed`` where it raises."""

    source: str
    functions: dict[str, Callable[..., Any]]

    def call(self, name: str, context: HookContext, *args: Any) -> None:
        function = self.functions.get(name)
        if function is None:
            return
        try:
            function(context, *args)
        except Exception as error:  # the team's code: any error is reported in one line
            said = " ".join(str(error).split()) or "(no message)"
            raise HookFailed(
                context.mask(f"hook {name} ({self.source}) raised {type(error).__name__}: {said}")
            ) from None


def _module(spec: str, option: str) -> ModuleType:
    """The module ``spec`` names: a file path (``hooks.py``, ``ci/hooks.py``) or an import
    name (``my_hooks``, ``team.cleanup``) looked up from the working folder too."""
    path = Path(spec)
    as_file = spec.endswith(".py") or os.sep in spec or (os.altsep or os.sep) in spec
    if as_file:
        if not path.is_file():
            raise ArgumentError(f"{option} {spec}: no such file")
        name = f"conformance_hooks_{abs(hash(str(path.resolve())))}"
        found = importlib.util.spec_from_file_location(name, path)
        if found is None or found.loader is None:
            raise ArgumentError(f"{option} {spec}: not a Python module")
        module = importlib.util.module_from_spec(found)
        found.loader.exec_module(module)
        return module
    added = os.getcwd() not in sys.path
    if added:
        sys.path.insert(0, os.getcwd())  # as `python -m` would find it
    try:
        return importlib.import_module(spec)
    except ModuleNotFoundError as error:
        if error.name is not None and spec.startswith(error.name):
            raise ArgumentError(
                f"{option} {spec}: no module named {error.name!r} (give a module importable "
                "from the working folder, or a path to a .py file)"
            ) from None
        raise
    finally:
        if added:
            sys.path.remove(os.getcwd())


def load(spec: str, option: str = "--hooks") -> Hooks:
    """The hooks of the module ``spec``; ``ArgumentError`` for a module that cannot be found or
    loaded (its own error in one line), or that defines no hook."""
    try:
        module = _module(spec, option)
    except ArgumentError:
        raise
    except Exception as error:  # the module's own code failed as it loaded
        said = " ".join(str(error).split())
        raise ArgumentError(
            f"{option} {spec}: the module failed to load: {type(error).__name__}: {said}"
        ) from None
    functions: dict[str, Callable[..., Any]] = {}
    for name in HOOK_NAMES:
        function = getattr(module, name, None)
        if function is None:
            continue
        if not callable(function):
            raise ArgumentError(f"{option} {spec}: {name} is not a function")
        functions[name] = function
    if not functions:
        raise ArgumentError(f"{option} {spec}: defines none of {', '.join(HOOK_NAMES)}")
    return Hooks(spec, functions)


__all__ = ["HOOK_NAMES", "CallFailed", "HookContext", "HookFailed", "Hooks", "load"]
