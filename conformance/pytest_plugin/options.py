"""The plugin's options and the names its parts share: kept apart from the hooks
(``conformance.pytest_plugin``) and the suite (``conformance.pytest_plugin.suite``), which both
import this module and not each other.
"""

from __future__ import annotations

import os
from typing import Any, Final

import pytest

GROUP: Final = "create.sites conformance"
URL_OPTION: Final = "--target-url"
TOKEN_OPTION: Final = "--target-token"
ROLE_OPTION: Final = "--target-role"
REVISION_OPTION: Final = "--target-revision"
USER_ID_OPTION: Final = "--target-user-id"
SCENARIO_ID_OPTION: Final = "--target-scenario-id"
TIMEOUT_OPTION: Final = "--target-timeout"
MAX_EXAMPLES_OPTION: Final = "--target-max-examples"
BASELINE_OPTION: Final = "--target-baseline"
REPORT_HTML_OPTION: Final = "--target-report-html"
SAVE_FAILURES_OPTION: Final = "--target-save-failures"
OPENRPC_OPTION: Final = "--target-openrpc"
STRICT_OPTION: Final = "--target-strict"
EXPECT_SUCCESS_OPTION: Final = "--target-expect-success"
HEADER_OPTION: Final = "--target-header"
CACERT_OPTION: Final = "--target-cacert"
INSECURE_OPTION: Final = "--target-insecure"
CERT_OPTION: Final = "--target-cert"
KEY_OPTION: Final = "--target-key"
MAX_RESPONSE_TIME_OPTION: Final = "--target-max-response-time"
RECORD_OPTION: Final = "--target-record"
MAX_CREATES_OPTION: Final = "--target-max-creates"
CREATED_OPTION: Final = "--target-created"
HOOKS_OPTION: Final = "--target-hooks"
PROXY_OPTION: Final = "--target-proxy"
PARAM_STRUCTURE_OPTION: Final = "--target-param-structure"
PROFILE_OPTION: Final = "--target-profile"

#: Other names of an option: ``--report-html``, as ``conformance fuzz`` spells it.
ALIASES: Final = {REPORT_HTML_OPTION: ("--report-html",)}

#: Each option's environment variable: CONFORMANCE_TARGET_URL, CONFORMANCE_TARGET_TOKEN, ...
ENV_BY_OPTION: Final = {
    option: "CONFORMANCE_" + option.removeprefix("--").replace("-", "_").upper()
    for option in (
        URL_OPTION,
        TOKEN_OPTION,
        ROLE_OPTION,
        REVISION_OPTION,
        USER_ID_OPTION,
        SCENARIO_ID_OPTION,
        TIMEOUT_OPTION,
        MAX_EXAMPLES_OPTION,
        BASELINE_OPTION,
        REPORT_HTML_OPTION,
        SAVE_FAILURES_OPTION,
        OPENRPC_OPTION,
        CACERT_OPTION,
        CERT_OPTION,
        KEY_OPTION,
        MAX_RESPONSE_TIME_OPTION,
        RECORD_OPTION,
        MAX_CREATES_OPTION,
        CREATED_OPTION,
        HOOKS_OPTION,
        PROFILE_OPTION,
    )
}

#: How the runner's messages name each setting under pytest.
OPTION_BY_SETTING: Final = {
    "url": URL_OPTION,
    "token": TOKEN_OPTION,
    "role": ROLE_OPTION,
    "revision": REVISION_OPTION,
    "user_id": USER_ID_OPTION,
    "scenario_id": SCENARIO_ID_OPTION,
    "timeout": TIMEOUT_OPTION,
    "headers": HEADER_OPTION,
    "cacert": CACERT_OPTION,
    "insecure": INSECURE_OPTION,
    "cert": CERT_OPTION,
    "key": KEY_OPTION,
    "max_response_time": MAX_RESPONSE_TIME_OPTION,
    "max_creates": MAX_CREATES_OPTION,
    "param_structure": PARAM_STRUCTURE_OPTION,
    "profile": PROFILE_OPTION,
}

SUITE_NODE_ID: Final = "create.sites"

#: The run's ``conformance.engine.runner.Settings``, kept on the config.
SETTINGS_KEY: Final = pytest.StashKey[Any]()


def dest(option: str) -> str:
    return option.removeprefix("--").replace("-", "_")


def add_options(parser: pytest.Parser) -> None:
    """Register the options under one group, each with its environment variable."""
    group = parser.getgroup("conformance", GROUP)
    helps = {
        URL_OPTION: "run the create.sites conformance suite against this endpoint",
        TOKEN_OPTION: "an access token the target accepts",
        ROLE_OPTION: "the token's role: customer (default) or agent",
        REVISION_OPTION: "the contract's revision the target implements: seed (default) or current",
        USER_ID_OPTION: "an agent's customer user id (required for agents)",
        SCENARIO_ID_OPTION: "a scenario id that exists on the target",
        TIMEOUT_OPTION: "seconds to wait for each reply (default 5)",
        MAX_EXAMPLES_OPTION: "valid requests hypothesis draws (default: the hypothesis "
        "profile's max_examples, 100 unless a profile says otherwise)",
        BASELINE_OPTION: "known failures (TOML, as `conformance fuzz --baseline` writes): "
        "their tests xfail",
        REPORT_HTML_OPTION: "also write a self-contained HTML report of the run",
        SAVE_FAILURES_OPTION: "save each failure as JSON here, for `conformance replay` "
        "(default: none)",
        OPENRPC_OPTION: "run every method of this OpenRPC document instead of create.sites: "
        "a file, or rpc.discover for the document the target answers it with; ids read "
        "method::test_invalid_rejected[param:keyword]",
        CACERT_OPTION: "verify an https:// target with this CA bundle (PEM)",
        CERT_OPTION: "a client certificate (PEM) for TLS",
        KEY_OPTION: "the client certificate's key (PEM)",
        MAX_RESPONSE_TIME_OPTION: "a rule: every answer within this many seconds (off by default)",
        RECORD_OPTION: "write every exchange to this HAR 1.2 file, secrets masked (under "
        "pytest-xdist, one file a worker: NAME.gw0.har, ...)",
        MAX_CREATES_OPTION: "after N creations, send no more cases that may create (under "
        "pytest-xdist: N a worker)",
        CREATED_OPTION: "write the ids of everything the session created to this JSON file "
        "(one entry a creation, with its request, the token masked; under pytest-xdist, every "
        "worker's in the one file)",
        HOOKS_OPTION: "a Python module (an import name or a .py file) with any of "
        "before_run(context), after_create(context, created), after_run(context, created_all), "
        "as conformance fuzz --hooks; exit 3 if one raises; not with -n (pytest-xdist)",
        PROFILE_OPTION: "with --target-openrpc: what judges the document: document (default: "
        "all it says, its vendor x- extensions included) or jsonrpc (JSON-RPC 2.0 and its "
        "schemas alone)",
    }
    for option, env in ENV_BY_OPTION.items():
        group.addoption(
            option,
            *ALIASES.get(option, ()),
            dest=dest(option),
            default=os.environ.get(env),
            metavar="VALUE",
            help=f"{helps[option]} (${env})",
        )
    strict_env = "CONFORMANCE_TARGET_STRICT"
    group.addoption(
        STRICT_OPTION,
        action="store_true",
        dest=dest(STRICT_OPTION),
        default=os.environ.get(strict_env, "").lower() in ("1", "true", "yes"),
        help="also judge the kit's own decisions, where the method page, JSON-RPC 2.0 and the "
        f"standards leave a point open (${strict_env}=1)",
    )
    group.addoption(
        EXPECT_SUCCESS_OPTION,
        action="store_true",
        dest=dest(EXPECT_SUCCESS_OPTION),
        default=False,
        help="with --target-openrpc: fail a valid request answered with an application error "
        "(by default counted, not judged: a stateful server's 'not found')",
    )
    group.addoption(
        PARAM_STRUCTURE_OPTION,
        dest=dest(PARAM_STRUCTURE_OPTION),
        default=None,
        choices=("either", "by-name", "by-position"),
        help="with --target-openrpc: judge every method by this paramStructure in place of its "
        "document's; a target that takes one structure only is told once, then run in it",
    )
    group.addoption(
        HEADER_OPTION,
        dest=dest(HEADER_OPTION),
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="send this header with every request (repeatable); the values of Authorization, "
        "Cookie and key- or token-named headers show as ***",
    )
    proxy_env = "CONFORMANCE_TARGET_PROXY"
    group.addoption(
        PROXY_OPTION,
        action="store_true",
        dest=dest(PROXY_OPTION),
        default=os.environ.get(proxy_env, "").lower() in ("1", "true", "yes"),
        help=f"instead of the suite, put the proxy in front of {URL_OPTION} for the session: "
        "point your client at the conformance_proxy_url fixture; the session fails if any "
        f"exchange breaks the contract (${proxy_env}=1)",
    )
    group.addoption(
        INSECURE_OPTION,
        dest=dest(INSECURE_OPTION),
        action="store_true",
        help="do not verify an https:// target's certificate",
    )


def openrpc_document(config: pytest.Config) -> str | None:
    """The OpenRPC document's path, or ``None``: then the suite is create.sites's."""
    value: str | None = config.getoption(dest(OPENRPC_OPTION))
    return value or None


def target_url(config: pytest.Config) -> str | None:
    """The target URL of the suite, or ``None``: then the suite is not run (no target, or
    ``--target-proxy``: the target is the proxy's upstream)."""
    value: str | None = config.getoption(dest(URL_OPTION))
    if config.getoption(dest(PROXY_OPTION)):
        return None
    return value or None


def proxy_upstream(config: pytest.Config) -> str | None:
    """The URL the session's proxy forwards to (``--target-proxy``), or ``None``."""
    if not config.getoption(dest(PROXY_OPTION)):
        return None
    value: str | None = config.getoption(dest(URL_OPTION))
    if not value:
        raise pytest.UsageError(f"conformance: {PROXY_OPTION} needs {URL_OPTION} URL (the server)")
    return value
