"""pytest plugin: ``pytest --target-url URL`` runs the create.sites conformance suite (with
``--target-openrpc FILE``, the suite of any OpenRPC document), from any folder (an empty one
included).

Registered under the ``pytest11`` entry point, so it loads in every pytest of an environment
where the kit is installed: without ``--target-url`` (or ``$CONFORMANCE_TARGET_URL``) it does
nothing at all. This module stays light: the runner is imported only inside hooks, once a
target is given. The test items come from ``conformance.pytest_plugin.suite``, one module node
per method (``create.sites``) added to whatever else pytest collected: ids name the method, the
family and the rule, e.g. ``create.sites::test_invalid_rejected[widget_link.text:maxLength]``.
The CI options (baseline, HTML report, saved failures) work with every contract.
hypothesis's own ``--hypothesis-seed`` and profiles control the valid family's budget.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from conformance.pytest_plugin.options import (
    CACERT_OPTION,
    CERT_OPTION,
    EXPECT_SUCCESS_OPTION,
    HEADER_OPTION,
    INSECURE_OPTION,
    KEY_OPTION,
    MAX_CREATES_OPTION,
    MAX_EXAMPLES_OPTION,
    MAX_RESPONSE_TIME_OPTION,
    OPENRPC_OPTION,
    OPTION_BY_SETTING,
    PARAM_STRUCTURE_OPTION,
    PROFILE_OPTION,
    RECORD_OPTION,
    REVISION_OPTION,
    ROLE_OPTION,
    SCENARIO_ID_OPTION,
    SETTINGS_KEY,
    STRICT_OPTION,
    TIMEOUT_OPTION,
    TOKEN_OPTION,
    URL_OPTION,
    USER_ID_OPTION,
    add_options,
    dest,
    openrpc_document,
    proxy_upstream,
    target_url,
)

T = TypeVar("T")


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def _seed_number(seed: Any) -> int:
    """hypothesis takes any string as a seed; the deterministic families need a number, so a
    non-numeric seed is hashed (the same way every run), not dropped."""
    if seed in (None, ""):
        return 0
    text = str(seed)
    return int(text) if text.isdigit() else zlib.crc32(text.encode("utf-8"))


def _profile(config: pytest.Config, openrpc: bool) -> str:
    """``--target-profile``: what judges a document (``document`` when not given); a usage
    error without ``--target-openrpc``, whose contract is the vendor's own."""
    value: str | None = config.getoption(dest(PROFILE_OPTION))
    if value and not openrpc:
        raise pytest.UsageError(
            f"conformance: {PROFILE_OPTION} names what judges an OpenRPC document: add "
            f"{OPENRPC_OPTION}"
        )
    return value or "document"


def settings_from(config: pytest.Config) -> Any:
    """The runner's ``Settings`` from the options; ``pytest.UsageError`` if they do not fit,
    saying why in the plugin's own option names (``--target-user-id``)."""
    from conformance.create_sites import iter_families
    from conformance.engine.settings import Settings
    from conformance.engine.transport import parse_header
    from conformance.errors import ArgumentError

    def number(option: str, convert: Callable[[str], T], expects: str) -> T | None:
        value = config.getoption(dest(option))
        if value in (None, ""):
            return None
        try:
            return convert(value)
        except ValueError:
            raise pytest.UsageError(f"{option} expects {expects}, got {value!r}") from None

    openrpc = openrpc_document(config) is not None
    seed = config.getoption("hypothesis_seed", None)
    timeout = number(TIMEOUT_OPTION, float, "seconds")
    slow = number(MAX_RESPONSE_TIME_OPTION, float, "seconds")
    max_creates = number(MAX_CREATES_OPTION, int, "an integer")
    budget = number(MAX_EXAMPLES_OPTION, int, "an integer")
    if budget is None:
        from hypothesis import settings as hypothesis_settings

        budget = hypothesis_settings().max_examples  # the loaded profile's
    try:
        settings = Settings(
            # a document that names no secret param needs no token (conformance fuzz's too)
            token=config.getoption(dest(TOKEN_OPTION)) or ("no-token" if openrpc else ""),
            role=config.getoption(dest(ROLE_OPTION)) or "customer",
            revision=config.getoption(dest(REVISION_OPTION)) or "seed",
            user_id=number(USER_ID_OPTION, int, "an integer"),
            scenario_id=number(SCENARIO_ID_OPTION, int, "an integer"),
            seed=_seed_number(seed),
            timeout=5.0 if timeout is None else timeout,
            options=OPTION_BY_SETTING,
            max_examples=budget,
            strict=bool(config.getoption(dest(STRICT_OPTION))),
            expect_success=bool(config.getoption(dest(EXPECT_SUCCESS_OPTION))),
            param_structure=config.getoption(dest(PARAM_STRUCTURE_OPTION)) or None,
            profile=_profile(config, openrpc),
            max_response_time=slow,
            max_creates=max_creates,
            # an OpenRPC document's methods create nothing the kit can tell
            creates=frozenset() if openrpc else frozenset({"create.sites"}),
            headers=tuple(
                parse_header(header, HEADER_OPTION)
                for header in config.getoption(dest(HEADER_OPTION))
            ),
            cacert=config.getoption(dest(CACERT_OPTION)) or None,
            insecure=bool(config.getoption(dest(INSECURE_OPTION))),
            cert=config.getoption(dest(CERT_OPTION)) or None,
            key=config.getoption(dest(KEY_OPTION)) or None,
        )
        if not openrpc:  # what the plan needs (an agent's user id) is said now
            next(iter_families(settings), None)
    except (ArgumentError, ValueError) as error:
        raise pytest.UsageError(f"conformance: {error}") from None
    return settings


#: The temporary folder hypothesis stores in during a run the user gave no folder for.
_STORAGE_KEY = pytest.StashKey[str]()


def _keep_hypothesis_storage_out(config: pytest.Config) -> None:
    """hypothesis writes ``.hypothesis/`` (its example database, a cache of constants) in the
    working folder; a run against a target leaves none there unless the user chose one (an
    existing ``.hypothesis/``, ``$HYPOTHESIS_STORAGE_DIRECTORY``): it stores in a temporary
    folder, removed at the end. The valid family's test also keeps its database off unless a
    profile set one (``conformance.pytest_plugin.suite``)."""
    import os
    import tempfile
    from pathlib import Path

    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY") or (Path.cwd() / ".hypothesis").exists():
        return
    from hypothesis.configuration import set_hypothesis_home_dir

    folder = tempfile.mkdtemp(prefix="conformance-hypothesis-")
    config.stash[_STORAGE_KEY] = folder
    set_hypothesis_home_dir(folder)


def pytest_configure(config: pytest.Config) -> None:
    upstream = proxy_upstream(config)
    if upstream is not None:
        from conformance.pytest_plugin import proxy

        proxy.start(config, upstream)
    if target_url(config) is None:
        return
    config.stash[SETTINGS_KEY] = settings_from(config)
    _keep_hypothesis_storage_out(config)
    _mask_secret_headers(config)
    _record_traffic(config)
    from conformance.engine.runner import new_report
    from conformance.pytest_plugin import account
    from conformance.pytest_plugin.ci import register

    account.register(config)  # --target-hooks, --target-created: the settings' on_create
    from conformance.pytest_plugin.shared import CONTRACT_KEY, REPORT_KEY

    contract = _contract(config)
    config.stash[CONTRACT_KEY] = contract
    config.stash[REPORT_KEY] = new_report(
        target_url(config) or "", contract, config.stash[SETTINGS_KEY]
    )
    register(config)


def _contract(config: pytest.Config) -> Any:
    """The contract the run judges: the document of ``--target-openrpc`` (a file, or
    ``rpc.discover``: the target's answer to it), else the bundled create.sites contract; a
    usage error where a document cannot be read, or names a secret param and no token is
    given."""
    from conformance.errors import ArgumentError
    from conformance.openrpc.discovery import DISCOVER, discover
    from conformance.openrpc.document import load

    settings = config.stash[SETTINGS_KEY]
    path = openrpc_document(config)
    if path is None:
        from conformance.create_sites import bundled

        try:
            return bundled(settings)
        except ArgumentError as error:
            raise pytest.UsageError(f"conformance: {error}") from None
    from conformance.openrpc.contract import document_contract

    try:
        if path == DISCOVER:
            url = target_url(config)
            assert url is not None
            document = discover(url, settings.timeout, settings.tls_for(url), settings.headers)
        else:
            document = load(path)
        secret = any(p.extensions.get("x-secret") for m in document.methods for p in m.params)
        if secret and not config.getoption(dest(TOKEN_OPTION)):
            raise ArgumentError(f"the document names a secret param: {TOKEN_OPTION} TOKEN")
        return document_contract(document, settings)
    except ArgumentError as error:
        raise pytest.UsageError(f"conformance: {OPENRPC_OPTION} {path}: {error}") from None


#: The secret headers' values masked while the session lasts (closed at its end).
_MASKING_KEY = pytest.StashKey[Any]()


def _mask_secret_headers(config: pytest.Config) -> None:
    """The values of the secret headers the run sends, masked as the token is in everything
    the session shows and writes."""
    import contextlib

    from conformance.reporting.redaction import masked_headers

    stack = contextlib.ExitStack()
    stack.enter_context(masked_headers(config.stash[SETTINGS_KEY].headers))
    config.stash[_MASKING_KEY] = stack


#: The traffic log of this test process (``--target-record``), closed at its end.
_RECORDER_KEY = pytest.StashKey[Any]()


def _record_traffic(config: pytest.Config) -> None:
    """``--target-record FILE``: every exchange of this process into a HAR file (a worker of
    pytest-xdist writes ``FILE``'s name with its id before the suffix), the secrets masked."""
    import dataclasses
    from pathlib import Path

    path = config.getoption(dest(RECORD_OPTION))
    if not path:
        return
    worker = getattr(config, "workerinput", {}).get("workerid")
    target = Path(path)
    if worker is not None:
        target = target.with_name(f"{target.stem}.{worker}{target.suffix}")
    if not target.absolute().parent.is_dir():
        raise pytest.UsageError(f"{RECORD_OPTION} {path}: no folder {target.parent}")
    from conformance.traffic.recorder import Recorder

    settings = config.stash[SETTINGS_KEY]
    recorder = Recorder(target, settings.token)
    config.stash[_RECORDER_KEY] = recorder
    config.stash[SETTINGS_KEY] = dataclasses.replace(settings, on_sent=recorder)


@pytest.fixture(scope="session")
def conformance_proxy_url(request: pytest.FixtureRequest) -> str:
    """The URL of the proxy ``--target-proxy`` runs in front of ``--target-url``: point the
    client under test at it; the session fails if any exchange breaks the contract."""
    from conformance.pytest_plugin import proxy

    return proxy.url(request.config)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if proxy_upstream(session.config) is not None:
        from conformance.pytest_plugin import proxy

        proxy.finish(session)


def pytest_unconfigure(config: pytest.Config) -> None:
    recorder = config.stash.get(_RECORDER_KEY, None)
    if recorder is not None:
        recorder.close()
    masking = config.stash.get(_MASKING_KEY, None)
    if masking is not None:
        masking.close()
    folder = config.stash.get(_STORAGE_KEY, None)
    if folder is not None:
        import shutil

        from hypothesis.configuration import set_hypothesis_home_dir

        set_hypothesis_home_dir(None)
        shutil.rmtree(folder, ignore_errors=True)


def pytest_report_header(config: pytest.Config) -> str | None:
    if target_url(config) is None:
        return None
    settings = config.stash[SETTINGS_KEY]
    if openrpc_document(config) is not None:
        return f"OpenRPC conformance target: {target_url(config)} ({openrpc_document(config)})"
    return (
        f"create.sites conformance target: {target_url(config)} "
        f"(role {settings.role}, revision {settings.revision})"
    )


#: The target could not be used: the session ends with that one message and nothing else.
_SETUP_FAILED_KEY = pytest.StashKey[bool]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    """The target proven usable before anything is collected. Here rather than at the
    session's start: an exit there is printed twice (on stderr and in the summary), here
    once."""
    config = session.config
    if target_url(config) is None or hasattr(config, "workerinput"):
        return
    from conformance.create_sites import probe
    from conformance.engine.setup import SetupFailed
    from conformance.engine.transport import Target, reachable
    from conformance.errors import ArgumentError
    from conformance.pytest_plugin import account

    account.start(config)  # before_run: before anything is sent
    url = target_url(config)
    assert url is not None
    try:
        why = reachable(Target.parse(url), min(config.stash[SETTINGS_KEY].timeout, 5.0))
    except ArgumentError as error:
        raise pytest.UsageError(str(error)) from None
    if why is not None:
        config.stash[_SETUP_FAILED_KEY] = True
        pytest.exit(
            f"conformance: the target {url} is unreachable: {why}; check {URL_OPTION}",
            returncode=2,
        )
    if openrpc_document(config) is not None:
        return  # a document's target is proven by its first case, in a test
    try:
        probe(url, config.stash[SETTINGS_KEY])
    except SetupFailed as error:
        config.stash[_SETUP_FAILED_KEY] = True
        pytest.exit(f"conformance: {error}", returncode=2)


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if target_url(config) is None:
        return
    from conformance.pytest_plugin.suite import collect_suite

    items.extend(collect_suite(session))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if proxy_upstream(config) is not None:
        from conformance.pytest_plugin import proxy

        proxy.summary(terminalreporter, config)
    if target_url(config) is None or config.stash.get(_SETUP_FAILED_KEY, False):
        return
    if hasattr(config, "workerinput"):
        return  # an xdist worker's part is listed by the controller, with every other part
    from conformance.pytest_plugin.shared import REPORT_KEY, RUN_REPORT_KEY
    from conformance.reporting.formats import unjudged_lines

    # the whole run's report; where no test ran there is none, and this process's own (empty)
    # still names what the contract never judges
    report = config.stash.get(RUN_REPORT_KEY, None)
    if report is None:
        report = config.stash[REPORT_KEY]
    for line in unjudged_lines(report):
        terminalreporter.write_line(line)
