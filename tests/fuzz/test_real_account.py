"""A run against a real account (``conformance fuzz --record/--created/--hooks/--max-creates``),
as a user sees it: the reference server's own store says what was created; the files written
are read back."""

from __future__ import annotations

import contextlib
import io
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import fuzz as _fuzz
from helpers.staging import target
from helpers.targets import CUSTOMER_TOKEN, config_document
from helpers.team_hooks import events as logged_events
from helpers.team_hooks import write_hooks

from conformance.cli import Streams, main
from conformance.server import CreateSitesApp, Response, SiteStore, serve_in_thread
from conformance.server.config import parse
from conformance.traffic.har import read

# Whole runs with their files, hooks and signals: make test runs them, make check not.
pytestmark = pytest.mark.slow

#: a token of three characters: masked by structure, never searched for in text
SHORT_TOKEN = "Zq7"
API_KEY = "team-api-key-5f0e9d"


@contextlib.contextmanager
def account(app_class: type[CreateSitesApp] = CreateSitesApp) -> Iterator[tuple[str, SiteStore]]:
    """The reference server (or a variant) and its store of sites; a short token too."""
    document: dict[str, Any] = config_document()
    document["tokens"] = [*document["tokens"], {"token": SHORT_TOKEN, "role": "customer"}]  # type: ignore[list-item]
    with SiteStore(":memory:") as store:
        app = app_class(parse(document), store)
        with serve_in_thread(app, read_timeout=2.0) as url:
            yield url, store


def _site_ids(store: SiteStore) -> list[int]:
    return [site_id for site_id, _, _ in store.sites()]


# --- the traffic log ---------------------------------------------------------------------------


@pytest.mark.parametrize("token", [CUSTOMER_TOKEN, SHORT_TOKEN])
def test_record_has_every_exchange_with_the_secrets_masked(tmp_path: Path, token: str) -> None:
    """One HAR entry per request sent; the token (long, or too short to be searched for) and
    a secret header never in the file; the body that is not UTF-8 recorded byte for byte."""
    har = tmp_path / "run.har"
    with account() as (url, _):
        code, out, err = _fuzz(
            url, "--token", token, "--max-examples", "10", "--output", "json",
            "--record", str(har), "-H", f"X-Api-Key: {API_KEY}",
        )  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    exchanges = read(har)
    assert len(exchanges) == report["cases_sent"] > 300
    assert f"{len(exchanges)} exchanges recorded in {har} (HAR 1.2)" in err
    text = har.read_text(encoding="utf-8")
    assert API_KEY not in text and CUSTOMER_TOKEN not in text
    for exchange in exchanges:
        assert dict(exchange.request_headers)["X-Api-Key"] == "***"
        with contextlib.suppress(ValueError):
            request = json.loads(exchange.request_body)
            requests = request if isinstance(request, list) else [request]
            for one in requests:
                params = one.get("params") if isinstance(one, dict) else None
                if isinstance(params, dict) and "access_token" in params:
                    assert params["access_token"] in ("***", "", None) or (
                        params["access_token"] != token
                    )
    bodies = [exchange.request_body for exchange in exchanges]
    assert any(b'"2.0\xff"' in body for body in bodies)  # protocol's not-utf8, as sent
    assert sum(exchange.status == 200 for exchange in exchanges) > 300


def test_a_target_that_echoes_secrets_is_masked_in_the_record(tmp_path: Path) -> None:
    """A target that quotes the Authorization and Cookie headers back: *** in the replies."""
    har = tmp_path / "run.har"
    secret = "s3cret-bearer-value-81f2a"
    with target() as (url, _):
        _fuzz(url, "--token", CUSTOMER_TOKEN, "--max-examples", "0", "--max-failures", "3",
              "--record", str(har), "-H", f"Authorization: Bearer {secret}",
              "-H", "Cookie: session=cookie-value-77d1c0")  # fmt: skip
    text = har.read_text(encoding="utf-8")
    assert len(read(har)) >= 3
    assert secret not in text and "cookie-value-77d1c0" not in text
    assert "denied for Bearer ***" in text or "denied for ***" in text


class _DiesOnNull(CreateSitesApp):
    """Killed by a body of ``null``: it answers it, then takes no connection again."""

    server: Any

    def handle(self, body: bytes) -> Response:
        answer = super().handle(body)
        if body.strip() == b"null":
            self.server.shutdown()
            self.server.server_close()
            return Response(answer.body, answer.status, answer.content_type, close=True)
        return answer


def test_the_record_is_whole_when_the_target_dies(tmp_path: Path) -> None:
    """The run stops at the dead target; the HAR file is whole, its last entry the request
    that got no connection (status 0, the reason in _error)."""
    from conformance.server.httpd import RpcHTTPServer

    har = tmp_path / "run.har"
    with SiteStore(":memory:") as store:
        app = _DiesOnNull(parse(config_document()), store)
        server = RpcHTTPServer(("127.0.0.1", 0), app, read_timeout=2.0)
        app.server = server
        with server.running():
            code, out, err = _fuzz(server.url, "--token", CUSTOMER_TOKEN, "--max-examples", "0",
                                   "--record", str(har), "--output", "json")  # fmt: skip
    assert code == 1 and "the target stopped answering" in err
    exchanges = read(har)
    assert any(exchange.request_body == b"null" for exchange in exchanges)
    assert exchanges[-1].status is None and "Connection" in (exchanges[-1].error or "")
    assert len(exchanges) >= json.loads(out)["cases_sent"]


class _Slow(CreateSitesApp):
    def handle(self, body: bytes) -> Response:
        time.sleep(0.02)
        return super().handle(body)


def test_sigterm_still_writes_the_record_and_the_created_ids(tmp_path: Path) -> None:
    har, created = tmp_path / "run.har", tmp_path / "created.json"
    with account(_Slow) as (url, store):
        process = subprocess.Popen(
            [sys.executable, "-m", "conformance", "fuzz", url, "--token", CUSTOMER_TOKEN,
             "--record", str(har), "--created", str(created)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        )  # fmt: skip
        try:
            assert process.stderr is not None
            assert process.stderr.readline()  # the run has started: its first progress line
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        made = _site_ids(store)
    assert process.returncode == 143, err
    assert "Traceback" not in err
    exchanges = read(har)
    assert len(exchanges) > 10
    entries = json.loads(created.read_text())["created"]
    confirmed = [entry["id"] for entry in entries if entry["confirmed"]]
    unconfirmed = [entry for entry in entries if not entry["confirmed"]]
    # the request SIGTERM cut short may have created a site whose id the run never read: it is
    # listed unconfirmed, with its request (the domain name to look for)
    assert made[: len(confirmed)] == confirmed and len(unconfirmed) <= 1
    assert len(made) - len(confirmed) <= len(unconfirmed)
    assert all(entry["id"] is None and entry["request"]["params"] for entry in unconfirmed)


# --- what the run created, and its budget ------------------------------------------------------


def test_created_names_every_site_the_target_made(tmp_path: Path) -> None:
    """Each site in the target's store is one entry, with the request that made it (its
    domain name, the token masked), in order."""
    created = tmp_path / "created.json"
    with account() as (url, store):
        code, _, err = _fuzz(url, "--token", CUSTOMER_TOKEN, "--max-examples", "10",
                             "--created", str(created))  # fmt: skip
        sites = list(store.sites())
    assert code == 0, err
    document = json.loads(created.read_text())
    entries = document["created"]
    assert document["count"] == len(entries) == len(sites) > 100
    assert [entry["id"] for entry in entries] == [site_id for site_id, _, _ in sites]
    for entry, (_, _, domain) in zip(entries, sites, strict=True):
        request = entry["request"]
        assert request["params"]["domain_name"] == domain
        assert request["params"]["access_token"] == "***"
        assert entry["method"] == "create.sites" and entry["test_id"].startswith("test_")
    assert CUSTOMER_TOKEN not in created.read_text()


def _deterministic_creations() -> int:
    """How many sites a run without the valid family creates on the reference server."""
    with account() as (url, store):
        code, _, err = _fuzz(url, "--token", CUSTOMER_TOKEN, "--max-examples", "0")
        assert code == 0, err
        return len(_site_ids(store))


def test_max_creates_cuts_the_cases_that_create(tmp_path: Path) -> None:
    """--max-creates 12: the target holds 12 sites, the run still conforms (no duplicate case
    sent without its first), and the report says how many cases were not sent, and why."""
    with account() as (url, store):
        code, out, err = _fuzz(url, "--token", CUSTOMER_TOKEN, "--max-examples", "20",
                               "--max-creates", "12", "--output", "json")  # fmt: skip
        made = len(_site_ids(store))
    assert code == 0, out + err
    report = json.loads(out)
    assert made == report["created"] == 12
    assert report["not_sent"]["valid"] == 20 and report["not_sent"]["duplicates"] >= 1
    note = next(note for note in report["notes"] if "cases not sent" in note)
    assert "--max-creates 12 reached after 12 creations" in note
    assert f"{sum(report['not_sent'].values())} cases not sent" in note


def test_max_creates_stops_the_valid_family_midway() -> None:
    """A budget reached inside the valid family: hypothesis sends nothing more."""
    before = _deterministic_creations()
    with account() as (url, store):
        code, out, err = _fuzz(url, "--token", CUSTOMER_TOKEN, "--max-examples", "40",
                               "--max-creates", str(before + 5), "--output", "json")  # fmt: skip
        made = len(_site_ids(store))
    assert code == 0, out + err
    report = json.loads(out)
    assert made == before + 5
    assert report["families"]["valid"] == 5 and report["not_sent"] == {"valid": 35}


class _StringSiteIds(CreateSitesApp):
    """Broken: ``result.id`` is a string, so every site created is a failure."""

    def success(self, request_id: Any, site_id: int) -> dict[str, Any]:
        reply = super().success(request_id, site_id)
        reply["result"]["id"] = str(site_id)
        return reply


def test_a_valid_family_failure_found_before_the_budget_is_still_reported() -> None:
    """The budget is spent while hypothesis shrinks a failure: its replays send nothing and
    the failure is reported once, as found (not as a flaky one)."""
    before = _deterministic_creations()
    with account(_StringSiteIds) as (url, store):
        code, out, err = _fuzz(url, "--token", CUSTOMER_TOKEN, "--max-examples", "40",
                               "--max-creates", str(before + 3), "--output", "json")  # fmt: skip
        made = len(_site_ids(store))
    assert code == 1, err
    report = json.loads(out)
    assert made == before + 3
    assert [f for f in report["failures"] if f["test_id"] == "test_valid_accepted[valid]"]
    assert not [note for note in report["notes"] if "did not always repeat" in note]


# --- hooks -------------------------------------------------------------------------------------


def test_hooks_are_called_before_after_each_creation_and_after(tmp_path: Path) -> None:
    write_hooks(tmp_path)
    with account() as (url, store):
        code, _, err = _fuzz(url, "--token", CUSTOMER_TOKEN, "--max-examples", "5",
                             "--hooks", "team_hooks")  # fmt: skip
        made = _site_ids(store)
    assert code == 0, err
    events = logged_events(tmp_path)
    assert events[0] == ["before_run", url]
    assert [e[1] for e in events if e[0] == "after_create"] == made
    last = events[-1]
    # after_run: every creation, and a call sent with the run's settings (its token accepted:
    # the params are judged, -32602), the token masked by context.mask
    assert last == ["after_run", made, -32602, "token ***"]


def test_the_hook_client_sends_the_run_headers(tmp_path: Path) -> None:
    (tmp_path / "hooks.py").write_text(
        "def after_run(context, created_all):\n    context.call('cleanup', {'ids': []})\n"
    )
    with target() as (url, server):
        _fuzz(url, "--token", CUSTOMER_TOKEN, "--max-examples", "0", "--max-failures", "2",
              "--hooks", "hooks.py", "-H", "X-Team: cleaners")  # fmt: skip
    assert server.seen[-1]["X-Team"] == "cleaners"


def test_a_hook_that_raises_is_one_line_and_exit_3(tmp_path: Path) -> None:
    """after_create raising stops the run at the first creation: one line names the hook
    (its message masked), no traceback, exit 3; after_run is still called."""
    (tmp_path / "hooks.py").write_text(
        "def after_create(context, created):\n"
        "    raise ValueError('cannot delete with ' + context.token)\n"
        "def after_run(context, created_all):\n"
        "    with open('after_run.txt', 'w') as out:\n"
        "        out.write(str(len(created_all)))\n"
    )
    with account() as (url, store):
        code, out, err = _fuzz(url, "--token", CUSTOMER_TOKEN, "--hooks", "hooks.py")
        made = _site_ids(store)
    assert code == 3
    assert err.splitlines()[-1] == (
        "conformance fuzz: error: hook after_create (hooks.py) raised ValueError: "
        "cannot delete with ***"
    )
    assert err.count("hook after_create") == 1 and "Traceback" not in err + out
    assert len(made) == 1 and (tmp_path / "after_run.txt").read_text() == "1"


def test_a_before_run_that_raises_sends_nothing(tmp_path: Path) -> None:
    (tmp_path / "hooks.py").write_text("def before_run(context):\n    1 / 0\n")
    har = tmp_path / "run.har"
    with account() as (url, store):
        code, _, err = _fuzz(url, "--token", CUSTOMER_TOKEN, "--hooks", "hooks.py",
                             "--record", str(har))  # fmt: skip
        made = _site_ids(store)
    assert code == 3 and made == [] and read(har) == []
    assert "hook before_run (hooks.py) raised ZeroDivisionError: division by zero" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("spec", "text", "said"),
    [
        ("no_such_hooks", None, "--hooks no_such_hooks: no module named 'no_such_hooks'"),
        ("missing/hooks.py", None, "--hooks missing/hooks.py: no such file"),
        (
            "broken.py",
            "def before_run(:\n",
            "--hooks broken.py: the module failed to load: SyntaxError",
        ),
        ("empty.py", "x = 1\n", "--hooks empty.py: defines none of before_run, after_create"),
    ],
)
def test_hooks_that_cannot_be_loaded_are_a_usage_error(
    tmp_path: Path, spec: str, text: str | None, said: str
) -> None:
    if text is not None:
        (tmp_path / spec).write_text(text)
    with account() as (url, store):
        code, _, err = _fuzz(url, "--token", CUSTOMER_TOKEN, "--hooks", spec)
        made = _site_ids(store)
    assert code == 2 and said in err and made == []
    assert "Traceback" not in err and len(err.splitlines()) == 1


def test_an_openrpc_document_creates_only_what_creates_names(tmp_path: Path) -> None:
    """A document's methods create nothing unless --creates names them."""
    document = tmp_path / "create-sites.openrpc.json"
    assert main(["export", "openrpc", "-o", str(document)], Streams(stdin=io.BytesIO(),
                stdout=io.StringIO(), stderr=io.StringIO())) == 0  # fmt: skip
    with account() as (url, store):
        base = (url, "--token", CUSTOMER_TOKEN, "--openrpc", str(document), "--max-examples",
                "3", "--output", "json")  # fmt: skip
        _, out, _ = _fuzz(*base)
        assert json.loads(out)["created"] == 0
        before = len(_site_ids(store))
        _, out, _ = _fuzz(*base, "--creates", "create.sites")
        assert json.loads(out)["created"] == len(_site_ids(store)) - before > 0
