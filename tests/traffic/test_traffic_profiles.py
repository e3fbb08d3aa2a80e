"""``--profile document|jsonrpc`` on the traffic side, as ``conformance fuzz --profile`` has it
(``conformance.openrpc.profiles``): traffic judged by the exported create.sites document breaks
the vendor's conventions under the default profile and keeps ``jsonrpc``'s; a break of JSON-RPC
2.0 itself is a violation under both; ``x-secret`` values stay masked; the reports name the
profile; a profile without a document is refused. For ``validate --traffic``, the proxy and
the Dask recipe."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
from helpers.cli import run as _run
from helpers.proxy_process import start_proxy, stop_proxy
from helpers.targets import CUSTOMER_TOKEN, served
from mutants.servers import MUTANTS

from conformance.traffic.spec import ContractSpec

#: A token the server does not know: a request the params schema accepts, answered -32001.
UNKNOWN_TOKEN = "profile-unknown-token-8c1e"


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The create.sites document as ``conformance export openrpc`` writes it."""
    path = tmp_path_factory.mktemp("profiles") / "create.sites.openrpc.json"
    code, _, err = _run("export", "openrpc", "--output", str(path))
    assert code == 0, err
    return path


def _create(request_id: Any = 1, token: str = UNKNOWN_TOKEN) -> dict[str, Any]:
    params = {"access_token": token, "domain_name": "profile.example.com",
              "default_phone_number": "74951819160", "industry_id": 5}  # fmt: skip
    return {"jsonrpc": "2.0", "id": request_id, "method": "create.sites", "params": params}


def _entry(request: Any, reply: Any) -> dict[str, Any]:
    """One HAR 1.2 entry of a JSON-RPC POST and its JSON reply."""
    json_type = [{"name": "content-type", "value": "application/json"}]
    return {
        "startedDateTime": "2026-03-01T12:00:00.000Z",
        "time": 3,
        "request": {"method": "POST", "url": "http://api.example.org/rpc", "headers": json_type,
                    "postData": {"mimeType": "application/json", "text": json.dumps(request)}},
        "response": {"status": 200, "headers": json_type,
                     "content": {"mimeType": "application/json", "text": json.dumps(reply)}},
    }  # fmt: skip


def _har(path: Path, *entries: dict[str, Any]) -> Path:
    creator = {"name": "hand", "version": "1"}
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": creator,
                                        "entries": list(entries)}}), encoding="utf-8")  # fmt: skip
    return path


def _error(request_id: Any, code: int, message: str, **data: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if data:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": request_id, "error": error}


#: Exchanges each breaking a convention of the vendor's alone (the document's x- extensions),
#: none JSON-RPC 2.0: an error without the mnemonic x-error-data asks for; an accepted request
#: refused with a schema mnemonic; a batch and a notification, which x-error-mnemonics says
#: the API refuses (batch_operations_not_supported, notifications_not_supported).
VENDOR_ONLY = (
    _entry(_create(1), _error(1, -32001, "unknown token")),
    _entry(
        _create(2),
        _error(2, -32602, "refused", mnemonic="invalid_parameter_value", field="domain_name"),
    ),
    _entry(
        [_create(3)], _error(None, -32099, "no batches", mnemonic="batch_operations_not_supported")
    ),
    _entry(
        {k: v for k, v in _create().items() if k != "id"},
        _error(None, -32099, "no notifications", mnemonic="notifications_not_supported"),
    ),
)
#: What the default profile finds in them: the rule of each, by side.
VENDOR_RULES = {
    ("server", "reply-shape"),
    ("server", "expected-outcome"),
    ("client", "request-batch"),
    ("client", "request-notification"),
}

#: JSON-RPC 2.0's own breaks (§5: the id MUST be the request's; jsonrpc MUST be exactly
#: "2.0"), the unknown token echoed in a message.
JSONRPC_BREAKS = (
    _entry(_create(4), {"jsonrpc": "2.0", "error": {"code": -32001, "data": {"mnemonic":
           "access_token_invalid"}, "message": f"unknown {UNKNOWN_TOKEN}"}}),
    _entry(_create(5), {**_error(5, -32001, "no", mnemonic="auth_error"), "jsonrpc": "2"}),
)  # fmt: skip


def _rules(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(v["side"], v["rule"]) for v in report["violations"]}


# --- validate --traffic ---------------------------------------------------------------------


def test_validate_traffic_judges_the_vendors_conventions_only_under_the_document_profile(
    document: Path, tmp_path: Path
) -> None:
    har = _har(tmp_path / "vendor.har", *VENDOR_ONLY)
    code, out, err = _run("validate", "--traffic", str(har), "--openrpc", str(document),
                          "--output", "json")  # fmt: skip
    assert code == 1, err
    report = json.loads(out)
    assert _rules(report) == VENDOR_RULES and report["profile"] == "document"

    junit = tmp_path / "jsonrpc.xml"
    code, out, err = _run("validate", "--traffic", str(har), "--openrpc", str(document),
                          "--profile", "jsonrpc", "--junitxml", str(junit))  # fmt: skip
    assert code == 0, out + err
    first, *_, last = out.splitlines()
    assert first == (
        f"conformance validate --traffic: {document}, profile jsonrpc (JSON-RPC 2.0 and the "
        f"document's schemas alone), in {har}"
    )
    assert last == "4 exchanges judged: client and server kept the contract"
    suite = ElementTree.parse(junit).getroot()
    assert [(p.get("name"), p.get("value")) for p in suite.iter("property")] == [
        ("profile", "jsonrpc")
    ]
    assert not [case for case in suite.iter("testcase") if case.find("failure") is not None]


@pytest.mark.parametrize("profile", ["document", "jsonrpc"])
def test_a_break_of_json_rpc_itself_is_a_violation_under_both_profiles(
    document: Path, tmp_path: Path, profile: str
) -> None:
    har = _har(tmp_path / "broken.har", *JSONRPC_BREAKS)
    code, out, err = _run("validate", "--traffic", str(har), "--openrpc", str(document),
                          "--profile", profile, "--output", "jsonl")  # fmt: skip
    assert code == 1, err
    *violations, summary = (json.loads(line) for line in out.splitlines())
    assert {(v["side"], v["rule"]) for v in violations} == {
        ("server", "reply-id"),
        ("server", "jsonrpc-version"),
    }
    assert summary["profile"] == profile and summary["conforms"] is False
    assert UNKNOWN_TOKEN not in out


#: A document whose secret param has a name no masking knows by itself: only its x-secret
#: says to mask it.
SECRET_DOCUMENT = {
    "openrpc": "1.3.2",
    "info": {"title": "vault", "version": "1"},
    "methods": [
        {
            "name": "open",
            "paramStructure": "by-name",
            "params": [
                {
                    "name": "phrase",
                    "required": True,
                    "schema": {"type": "string"},
                    "x-secret": True,
                },
            ],
            "result": {"name": "opened", "schema": {"type": "boolean"}},
            "x-error-mnemonics": {"-32001": ["phrase_wrong"]},
            "x-error-data": {"type": "object", "required": ["mnemonic"]},
        }
    ],
}


def test_x_secret_values_stay_masked_under_the_jsonrpc_profile(tmp_path: Path) -> None:
    doc = tmp_path / "vault.json"
    doc.write_text(json.dumps(SECRET_DOCUMENT), encoding="utf-8")
    phrase = "open-sesame-4417"
    request = {"jsonrpc": "2.0", "id": 1, "method": "open", "params": {"phrase": phrase}}
    # no id in the reply (JSON-RPC 2.0's break), the phrase echoed in its message
    har = _har(tmp_path / "vault.har", _entry(request, {"jsonrpc": "2.0", "error": {
        "code": -32001, "message": f"{phrase} is wrong"}}))  # fmt: skip
    for output in ("text", "json", "jsonl"):
        code, out, err = _run("validate", "--traffic", str(har), "--openrpc", str(doc),
                              "--profile", "jsonrpc", "--output", output)  # fmt: skip
        assert code == 1, err
        assert "reply-id" in out
        assert phrase not in out and "***" in out


@pytest.mark.parametrize(
    "argv",
    [
        ("validate", "--traffic", "x.har", "--profile", "jsonrpc"),
        ("proxy", "--upstream", "http://127.0.0.1:9/", "--profile", "document"),
    ],
    ids=["validate", "proxy"],
)
def test_a_profile_without_a_document_is_refused(argv: tuple[str, ...]) -> None:
    code, out, err = _run(*argv)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"conformance {argv[0]}: error: --profile names what judges an OpenRPC document (the "
        "bundled create.sites contract is the vendor's): add --openrpc"
        + (" or --discover" if argv[0] == "proxy" else "")
    ]


# --- the proxy --------------------------------------------------------------------------------


def _through_proxy(upstream: str, document: Path, tmp_path: Path, *options: str) -> Any:
    """A request with an unknown token, then one with the customer's, through
    ``conformance proxy --openrpc DOCUMENT OPTIONS``: the stopped proxy, and its JSON report."""
    report = tmp_path / "proxy.json"
    process, url = start_proxy("--upstream", upstream, "--openrpc", str(document),
                               "--json", str(report), *options)  # fmt: skip
    requests.post(url, json=_create(7), timeout=10)
    requests.post(url, json=_create(8, CUSTOMER_TOKEN), timeout=10)
    stopped = stop_proxy(process, signal.SIGTERM)
    return stopped, json.loads(report.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_the_proxy_judges_the_vendors_conventions_only_under_the_document_profile(
    document: Path, tmp_path: Path
) -> None:
    """A server whose errors lack the mnemonic (the mutant ``mnemonic-missing``): the
    document's x-error-data broken, JSON-RPC 2.0 kept."""
    with served(MUTANTS["mnemonic-missing"].app) as upstream:
        default, report = _through_proxy(upstream, document, tmp_path)
        assert default.code == 1, default.out
        assert _rules(report) == {("server", "reply-shape")}
        assert report["profile"] == "document"
        jsonrpc, report = _through_proxy(upstream, document, tmp_path, "--profile", "jsonrpc")
    assert jsonrpc.code == 0, jsonrpc.out
    assert report["violations"] == [] and report["profile"] == "jsonrpc"
    assert "profile jsonrpc (JSON-RPC 2.0 and the document's schemas alone)" in jsonrpc.out


@pytest.mark.slow
def test_the_proxy_finds_a_break_of_json_rpc_under_the_jsonrpc_profile(
    document: Path, tmp_path: Path
) -> None:
    """A server whose replies say "jsonrpc": "2" (the mutant ``wrong-jsonrpc-in-reply``)."""
    with served(MUTANTS["wrong-jsonrpc-in-reply"].app) as upstream:
        stopped, report = _through_proxy(upstream, document, tmp_path, "--profile", "jsonrpc")
    assert stopped.code == 1
    assert _rules(report) == {("server", "jsonrpc-version")}
    assert UNKNOWN_TOKEN not in stopped.out and CUSTOMER_TOKEN not in stopped.out


# --- the Dask recipe --------------------------------------------------------------------------


def test_a_spec_refuses_a_profile_without_a_document() -> None:
    with pytest.raises(ValueError, match="give openrpc"):
        ContractSpec(profile="jsonrpc")
    with pytest.raises(ValueError, match="no profile 'vendor'"):
        ContractSpec(openrpc="doc.json", profile="vendor")


@pytest.mark.slow
def test_dask_workers_judge_by_the_specs_profile(document: Path, tmp_path: Path) -> None:
    """The spec crosses to a worker process: its profile with it."""
    distributed = pytest.importorskip("dask.distributed")
    from conformance.traffic.dask_bags import har_bag, judge_bag

    vendor = str(_har(tmp_path / "vendor.har", *VENDOR_ONLY))
    broken = str(_har(tmp_path / "broken.har", *JSONRPC_BREAKS))
    judged = {}
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                 host="127.0.0.1", dashboard_address=None) as cluster,
        distributed.Client(cluster),
    ):  # fmt: skip
        for profile in (None, "jsonrpc"):
            spec = ContractSpec(openrpc=str(document), profile=profile)
            for name, path in (("vendor", vendor), ("broken", broken)):
                tally = judge_bag(har_bag([path]), spec)
                judged[profile, name] = {(v.finding.side, v.finding.rule) for v in tally.violations}
    assert judged[None, "vendor"] == VENDOR_RULES
    assert judged["jsonrpc", "vendor"] == set()
    assert (
        judged[None, "broken"]
        == judged["jsonrpc", "broken"]
        == {
            ("server", "reply-id"),
            ("server", "jsonrpc-version"),
        }
    )
