"""``conformance export openrpc``: the contract as an OpenRPC document, valid by the official
meta-schema (``@open-rpc/meta-schema`` 1.14.9, read offline), complete, and served by the
reference server's ``rpc.discover``."""

from __future__ import annotations

import copy
import json
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from helpers.cli import run as _run
from helpers.openrpc_tools import meta_validator

from conformance import contract
from conformance.openrpc.document import parse
from conformance.openrpc.export import (
    EXAMPLE_TOKENS,
    EXTENSIONS,
    document_bytes,
    examples_dir,
    export_document,
)
from conformance.server.rpc import ERRORS
from conformance.validation.masking import SECRET_MEMBERS
from conformance.validation.validator import validator_for

EXAMPLES = Path(__file__).resolve().parents[1] / "cases" / "valid"


@pytest.mark.parametrize("revision", contract.REVISIONS)
def test_the_document_keeps_the_official_meta_schema(revision: str) -> None:
    """Each revision's document: valid by the meta-schema (its component keys are
    ``^[a-zA-Z0-9.-_]+$``: the current revision's schemas sit in a folder, and a ``/`` there
    broke every ``$ref`` to them), and read back by the kit's own loader with every method."""
    document = export_document(revision)
    errors = sorted(meta_validator().iter_errors(document), key=str)
    assert errors == [], [error.message for error in errors[:3]]
    assert not [key for key in document.get("components", {}).get("schemas", {}) if "/" in key]
    assert [m.name for m in parse(document, revision).methods] == ["create.sites"]


@pytest.mark.parametrize(
    ("where", "breakage"),
    [
        ("a param without a schema", lambda d: d["methods"][0]["params"][0].pop("schema")),
        ("an unknown method member", lambda d: d["methods"][0].update({"paramsStructure": 1})),
        ("an error code that is text", lambda d: d["methods"][0]["errors"][0].update(code="1")),
        ("a schema that is a number", lambda d: d["methods"][0]["params"][1].update(schema=3)),
    ],
)
def test_the_meta_schema_check_refuses_a_broken_document(where: str, breakage: Any) -> None:
    """The check is real: each breakage, including one inside a JSON Schema (read through the
    json-schema-tools meta-schema), is refused."""
    document = copy.deepcopy(export_document())
    breakage(document)
    assert list(meta_validator().iter_errors(document)), where


def test_one_content_descriptor_per_param_by_name() -> None:
    method = export_document()["methods"][0]
    params = contract.schema("params")
    assert method["name"] == "create.sites" and method["paramStructure"] == "by-name"
    assert [d["name"] for d in method["params"]] == list(params["properties"])
    for descriptor in method["params"]:
        assert descriptor["required"] is (descriptor["name"] in params["required"])
        declared = params["properties"][descriptor["name"]]
        if "$ref" in declared:  # a definition both revisions share: described where it stands
            shared = contract.resolve(urljoin(contract.schema_uri("params"), declared["$ref"]))
            assert descriptor["description"] == shared["description"]
            assert descriptor["schema"]["$ref"].startswith("#/components/schemas/")
        else:
            assert descriptor["description"] == declared["description"]
            assert descriptor["schema"] == declared
    assert method["x-additional-params"] is False


def test_the_extensions_mark_secret_unique_references_and_roles() -> None:
    method = export_document()["methods"][0]
    by_name = {d["name"]: d for d in method["params"]}
    assert [n for n, d in by_name.items() if d.get("x-secret")] == sorted(SECRET_MEMBERS)
    assert [n for n, d in by_name.items() if "x-unique" in d] == ["domain_name"]
    assert {n: d["x-references"]["entity"] for n, d in by_name.items() if "x-references" in d} == {
        "user_id": "customer_user",
        "default_scenario_id": "scenario",
    }
    roles = method["x-roles"]
    assert set(roles) == set(contract.ROLES)
    assert set(roles["agent"]["required"]) - set(roles["customer"]["required"]) == {"user_id"}
    document = export_document()
    used = {key for key in json.dumps(document).split('"') if key.startswith("x-")}
    # every extension used is described in the document and in EXTENSIONS, and no other
    assert used <= set(EXTENSIONS) and set(document["x-conformance-extensions"]) == set(EXTENSIONS)


def test_one_error_per_code_with_the_mnemonics() -> None:
    method = export_document()["methods"][0]
    codes = [error["code"] for error in method["errors"]]
    assert len(codes) == len(set(codes)) == len({code for code, _ in ERRORS.values()})
    mnemonics = method["x-error-mnemonics"]
    assert sorted(m for names in mnemonics.values() for m in names) == sorted(ERRORS)
    for mnemonic, (code, _) in ERRORS.items():
        assert mnemonic in mnemonics[str(code)]
    assert method["x-error-data"]["required"] == ["mnemonic"]


def test_the_examples_are_the_valid_request_files_and_keep_the_contract() -> None:
    method = export_document()["methods"][0]
    files = sorted(p.stem for p in EXAMPLES.glob("request*__*.json"))
    assert examples_dir() == EXAMPLES
    assert sorted(pairing["name"] for pairing in method["examples"]) == files
    result_valid = validator_for("reply.success").is_valid
    for pairing in method["examples"]:
        params = {example["name"]: example["value"] for example in pairing["params"]}
        sent = json.loads((EXAMPLES / f"{pairing['name']}.json").read_text(encoding="utf-8"))
        # the file's params, but the token (its role's) and a domain an earlier one took
        assert params["access_token"] == EXAMPLE_TOKENS[pairing["x-role"]]
        assert params["domain_name"].endswith(sent["params"]["domain_name"]), pairing["name"]
        same = {k: v for k, v in params.items() if k not in ("access_token", "domain_name")}
        assert same == {
            k: v for k, v in sent["params"].items() if k not in ("access_token", "domain_name")
        }
        assert validator_for("params", pairing["x-role"]).is_valid(params), pairing["name"]
        reply = {"jsonrpc": "2.0", "id": 1, "result": pairing["result"]["value"]}
        assert result_valid(reply)


@pytest.mark.parametrize("revision", contract.REVISIONS)
def test_the_examples_can_be_called_in_order_against_one_server(revision: str) -> None:
    """What test-coverage needs (tests/openrpc/test_openrpc_ecosystem_tools.py runs it): each
    pairing lists its params in the descriptors' order; has a result that keeps the
    revision's reply schema (OpenRPC 1.2.6 requires one); and no two of one role name the
    same domain, compared as x-unique says (lower case), else the second is a duplicate."""
    method = export_document(revision)["methods"][0]
    order = [d["name"] for d in method["params"]]
    reply_valid = validator_for("reply.success", revision=revision).is_valid
    domains: dict[str, list[str]] = {}
    for pairing in method["examples"]:
        names = [p["name"] for p in pairing["params"]]
        assert names == [name for name in order if name in names], pairing["name"]
        assert reply_valid({"jsonrpc": "2.0", "id": 1, "result": pairing["result"]["value"]})
        domain = next(p["value"] for p in pairing["params"] if p["name"] == "domain_name")
        domains.setdefault(pairing["x-role"], []).append(domain.lower())
    for taken in domains.values():
        assert len(taken) == len(set(taken))


def test_export_writes_the_document(tmp_path: Path) -> None:
    code, out, _ = _run("export", "openrpc")
    assert code == 0 and json.loads(out) == export_document()
    target = tmp_path / "create.sites.openrpc.json"
    assert _run("export", "openrpc", "-o", str(target)) == (0, "", "")
    assert target.read_bytes() == document_bytes()


def test_a_run_of_the_exported_document_gives_no_revision_hint(tmp_path: Path) -> None:
    """The exported seed document against a seed server refusing industry 20 (as the current
    page does): the failures are the document's, judged by it alone, with no hint of the
    bundled contract's other revision, which a document run does not know (bug: the hint
    computed for any run whose payload is an object)."""
    from helpers.planted_defects import SeedIndustriesRefused
    from mutants import serve

    document = tmp_path / "seed.openrpc.json"
    document.write_bytes(document_bytes())
    with serve(SeedIndustriesRefused) as (url, token):
        code, out, err = _run(
            "fuzz", url, "--openrpc", str(document), "--token", token, "--family", "boundary",
            "--max-examples", "0", "--output", "json", "--no-save-failures",
        )  # fmt: skip
    assert code == 1, err
    failures = json.loads(out)["failures"]
    refused = [f for f in failures if "industry_id" in f["test_id"]]
    assert refused, [f["test_id"] for f in failures]
    assert [f["hint"] for f in refused] == [None] * len(refused)  # JSON: null where none


def test_export_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    code, _, err = _run("export", "openrpc", "--revision", "nope")
    assert code == 2 and "--revision" in err and "'nope'" in err
    code, _, err = _run("export", "openrpc", "-o", str(tmp_path / "missing" / "x.json"))
    assert code == 2 and "--output" in err and "cannot write" in err
    code, _, err = _run("export", "openapi")
    assert code == 2 and "invalid choice: 'openapi'" in err


def _post(url: str, payload: Any) -> Any:
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


@pytest.mark.parametrize("params", [None, [], {}])
def test_the_reference_server_answers_rpc_discover(reference_url: str, params: Any) -> None:
    payload: dict[str, Any] = {"jsonrpc": "2.0", "id": "d", "method": "rpc.discover"}
    if params is not None:
        payload["params"] = params
    assert _post(reference_url, payload) == {
        "jsonrpc": "2.0",
        "id": "d",
        "result": export_document(),
    }


def test_a_malformed_discover_is_an_ordinary_error(reference_url: str) -> None:
    reply = _post(
        reference_url, {"jsonrpc": "2.0", "id": 1, "method": "rpc.discover", "params": "x"}
    )
    assert reply["error"]["code"] == -32600
