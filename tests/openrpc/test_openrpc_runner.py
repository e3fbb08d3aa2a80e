"""The runner over OpenRPC documents: one engine with the built-in contract (same cases, same
verdicts on the reference server and on every mutant), the example documents of
``@open-rpc/examples``, all three JSON Schema drafts, and a small server of another method."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest
from helpers.openrpc_tools import EXAMPLE_NAMES, example_document
from helpers.targets import AGENT_TOKEN, CUSTOMER_TOKEN, served
from hypothesis import given, settings
from mutants.servers import MUTANTS
from simple_math_server import SimpleMath

from conformance.cli import Streams, main
from conformance.contract import DEFAULT_REVISION
from conformance.create_sites import plan, run
from conformance.engine.settings import Settings
from conformance.generation.schema_tree import node_validator
from conformance.openrpc.contract import plan_document, run_document, valid_strategy
from conformance.openrpc.document import OpenRpcError, load, parse
from conformance.openrpc.export import export_document
from conformance.server import serve_in_thread

EXPORTED = parse(export_document(), "exported")
SEED = 20240601


def _cases(plans: Any) -> list[Any]:
    return [case for p in plans for cases in p.families.values() for case in cases]


def _key(case: Any, exact_bodies: bool) -> tuple[Any, ...]:
    # the built-in agent request is inlined from an allOf that puts params first: its raw
    # bodies (half a request, not UTF-8) hold the same members in another order
    body = case.body if exact_bodies or case.body is None else len(case.body)
    return (case.family, case.name, case.payload, body, case.expect, case.unique_domain)


@pytest.mark.parametrize(
    "chosen",
    [
        Settings(token="t"),
        Settings(token="t", role="agent", user_id=101, scenario_id=7, seed=3),
    ],
    ids=["customer", "agent"],
)
def test_the_exported_document_gives_the_built_in_cases(chosen: Settings) -> None:
    """One engine: the plan made from the exported document is the built-in plan, case for
    case (payload, expectation, uniqueness), for both roles."""
    mine = _cases(plan_document(EXPORTED, chosen))
    assert len(mine) > 250
    exact = chosen.role == "customer"
    built_in = plan(chosen)
    assert [_key(c, exact) for c in mine] == [_key(c, exact) for c in built_in]


#: Every mutant of the seed revision (the exported document is the seed's).
SEED_MUTANTS = sorted(
    name for name, mutant in MUTANTS.items() if DEFAULT_REVISION in mutant.revisions
)


@pytest.mark.slow
@pytest.mark.parametrize("name", SEED_MUTANTS)
def test_the_same_verdicts_as_the_built_in_contract(name: str) -> None:
    """On every mutant (deterministic families), the run through the exported document fails
    the same tests as the built-in run."""
    # the hanging mutant makes each run wait the timeout on every case it hangs on (a dozen):
    # 1 s is still a hundred times the reference server's answer, and halves the wait
    timeout = 1.0 if MUTANTS[name].rule == "answer-in-time" else 2.0
    chosen = Settings(
        token=CUSTOMER_TOKEN,
        max_examples=0,
        seed=SEED,
        timeout=timeout,
        strict=MUTANTS[name].strict,
    )
    # a fresh server each: a mutant's state (ids per industry) must start alike for both; the
    # document's run first sends its param-structure probe (a valid request): the built-in
    # run gets it too, so that a stateful mutant's state is the same when the families start
    with served(MUTANTS[name].app) as url:
        probed = run_document(url, EXPORTED, settings=dataclasses.replace(chosen, families=()))
        assert probed.families == {"structure": 1} and not probed.failures
        built_in = run(url, settings=chosen)
    with served(MUTANTS[name].app) as url:
        through = run_document(url, EXPORTED, settings=chosen)
    failing = {f.test_id for f in built_in.failures}
    # every mutant is shown by a deterministic case (free text gets one in each script)
    assert failing, f"{name}: no deterministic case fails"
    assert {t.split("::")[1] for t in dict.fromkeys(f.test_id for f in through.failures)} == failing


@pytest.mark.slow
def test_the_reference_server_conforms_through_its_discovered_document(reference_url: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["fuzz", reference_url, "--discover", "--token", AGENT_TOKEN, "--role", "agent"]
    argv += ["--user-id", "101", "--scenario-id", "7", "--max-examples", "20"]
    code = main(argv, Streams(io.BytesIO(), out, err))
    assert code == 0, out.getvalue() + err.getvalue()
    assert "create.sites: " in out.getvalue() and "conforms" in out.getvalue()


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_example_document_gives_cases_for_every_method(name: str) -> None:
    document = load(example_document(name))
    plans = plan_document(document, Settings(token="t"))
    assert [p.method.name for p in plans] == [m.name for m in document.methods]
    for each in plans:
        assert each.base is not None, each.notes
        assert each.families["protocol"] and each.families["boundary"], each.method.name

        assert _draw_valid(each) == _FORMS[each.method.param_structure], each.method.name


#: The params forms a method's valid requests must come in: the branch of ``valid_strategy``
#: each param structure takes (``either`` sends both).
_FORMS = {
    "by-name": {"by-name"},
    "by-position": {"by-position"},
    "either": {"by-name", "by-position"},
}


def _draw_valid(each: Any) -> set[str]:
    """Draw valid requests for one method; each must be valid by the method's params schema,
    a by-position one read back by the descriptors' order. The forms drawn are returned: a
    budget too small to reach a branch fails the caller's comparison, not silently."""
    forms: set[str] = set()
    names = [param.name for param in each.method.params]
    valid = node_validator(each.method.params_schema)

    # 25 examples: ``either`` picks by-name or by-position per example, and a by-position draw
    # is filtered out where an optional param is left out before a sent one
    @settings(parent=settings.get_profile("generation"), max_examples=25)
    @given(valid_strategy(each))
    def drawn_requests_keep_the_params(request: dict[str, Any]) -> None:
        params = request["params"]
        assert request["method"] == each.method.name
        if isinstance(params, dict):
            forms.add("by-name")
            assert valid(params), params
        else:
            forms.add("by-position")
            assert len(params) <= len(names), params
            assert valid(dict(zip(names, params, strict=False))), params

    drawn_requests_keep_the_params()
    return forms


DRAFTS_DOCUMENT: dict[str, Any] = {
    "openrpc": "1.3.2",
    "info": {"title": "drafts", "version": "1"},
    "methods": [
        {
            "name": "search",
            "paramStructure": "by-name",
            "params": [
                {"$ref": "#/components/contentDescriptors/Filter"},
                {
                    "name": "page",
                    "required": True,
                    "schema": {
                        "$schema": "http://json-schema.org/draft-07/schema#",
                        "type": "array",
                        "items": [{"type": "integer", "minimum": 1}, {"type": "string"}],
                        "additionalItems": False,
                    },
                },
                {
                    "name": "when",
                    "schema": {
                        "$schema": "https://json-schema.org/draft/2019-09/schema",
                        "allOf": [
                            {"$ref": "#/components/schemas/Stamp"},
                            {"properties": {"zone": {"enum": ["utc", "local"]}}},
                        ],
                    },
                },
                {
                    "name": "tags",
                    "schema": {
                        "$schema": "https://json-schema.org/draft/2020-12/schema",
                        "type": "array",
                        "items": {"type": "string", "format": "email"},
                        "uniqueItems": True,
                        "maxItems": 3,
                    },
                },
                {"name": "ratio", "schema": {"type": "number", "multipleOf": 0.5, "maximum": 10}},
            ],
            "result": {"name": "hits", "schema": {"type": "integer", "exclusiveMinimum": -1}},
        }
    ],
    "components": {
        "contentDescriptors": {
            "Filter": {
                "name": "filter",
                "required": True,
                "schema": {"$ref": "#/components/schemas/Filter"},
            }
        },
        "schemas": {
            "Filter": {
                "type": "object",
                "properties": {"term": {"type": "string", "minLength": 1}},
                "patternProperties": {"^x-": {"type": "string"}},
                "not": {"required": ["forbidden"]},
            },
            "Stamp": {
                "type": "object",
                "properties": {"at": {"type": "string", "format": "date-time"}},
                "required": ["at"],
            },
        },
    },
}


def test_three_drafts_refs_and_unconstructed_keywords_are_named_not_crashed() -> None:
    document = parse(DRAFTS_DOCUMENT, "drafts.json")
    method = document.methods[0]
    page = method.params[1].schema
    assert page["prefixItems"][0] == {"type": "integer", "minimum": 1} and page["items"] is False
    when = method.params[2].schema
    assert when["required"] == ["at"] and set(when["properties"]) == {"at", "zone"}
    (each,) = plan_document(document, Settings(token="t"))
    notes = "\n".join(each.notes)
    # drawn around (without the keyword, each value then checked): named once each
    for keyword, where in (("not", "params.filter"), ("multipleOf", "params.ratio")):
        assert f"not generated: `{keyword}` at `{where}`" in notes
    # constructed: a tuple position by position, pattern-named members, unique items
    for keyword in ("patternProperties", "prefixItems", "uniqueItems"):
        assert f"`{keyword}`" not in notes
    assert notes.count("`not` at `params.filter`") == 1
    assert each.families["invalid"] and each.base is not None

    @settings(parent=settings.get_profile("generation"), max_examples=10)
    @given(valid_strategy(each))
    def drawn(request: dict[str, Any]) -> None:
        assert node_validator(method.params_schema)(request["params"])

    drawn()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"methods": "x"}, "`methods` must be an array"),
        ({"methods": [{"name": "a", "params": [{"name": "p"}]}]}, "needs a schema"),
        (
            {"methods": [{"name": "a", "params": [{"$ref": "https://x.example/p"}]}]},
            "leaves the document",
        ),
        ({"methods": [{"name": "a", "params": [{"$ref": "#/nowhere"}]}]}, "names nothing"),
        ({"methods": [{"name": "a", "params": []}, {"name": "a", "params": []}]}, "used twice"),
    ],
)
def test_documents_it_cannot_read_are_refused_with_the_place(raw: Any, message: str) -> None:
    with pytest.raises(OpenRpcError, match=message):
        parse(raw, "bad.json")


@pytest.mark.slow
def test_a_server_of_another_method_conforms_and_its_mutant_is_caught() -> None:
    document = load(example_document("simple-math"))
    chosen = Settings(token="t", max_examples=30, seed=SEED)
    with serve_in_thread(SimpleMath(), read_timeout=2.0) as url:
        report = run_document(url, document, settings=chosen)
    assert report.conforms, [f.message for f in report.failures][:3]
    assert list(report.methods) == ["addition", "subtraction"]
    with serve_in_thread(SimpleMath(wrong_result=True), read_timeout=2.0) as url:
        report = run_document(url, document, settings=chosen, methods=["subtraction"])
    assert "subtraction::test_protocol[id-string]" in list(
        dict.fromkeys(f.test_id for f in report.failures)
    )
    assert {f.rule for f in report.failures} == {"result-schema"}


def test_the_command_line_refuses_what_it_cannot_run(tmp_path: Path) -> None:
    def fuzz(*argv: str) -> tuple[int, str]:
        err = io.StringIO()
        streams = Streams(io.BytesIO(), io.StringIO(), err)
        code = main(["fuzz", "http://127.0.0.1:9/", *argv], streams)
        return code, err.getvalue()

    code, err = fuzz("--method", "addition", "--token", "t")
    assert code == 2 and "add --openrpc or --discover" in err
    code, err = fuzz("--openrpc", str(example_document("simple-math")), "--method", "division")
    assert code == 2 and "no method 'division'" in err and "addition, subtraction" in err
    code, err = fuzz("--openrpc", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read" in err
    exported = tmp_path / "create.sites.json"
    exported.write_text(json.dumps(export_document()))
    code, err = fuzz("--openrpc", str(exported))
    assert code == 2 and "secret param: --token" in err


class _FractionalIds(SimpleMath):
    """simple-math that takes a fractional id as any other number (``internal``: that
    crashes it, as a server whose database column is an integer)."""

    def __init__(self, internal: bool) -> None:
        super().__init__()
        self.internal = internal

    def answer(self, request: Any) -> bytes:
        if isinstance(request, dict) and isinstance(request.get("id"), float):
            if self.internal:
                return self._body(request["id"], error=(-32603, "Internal error"))
            return super().answer({**request, "id": 7}).replace(b'"id": 7', b'"id": 1.5')
        return super().answer(request)


@pytest.mark.parametrize("internal", [False, True])
def test_a_fractional_id_is_judged_for_robustness_alone_on_a_document(internal: bool) -> None:
    """JSON-RPC 2.0 only advises clients against fractional ids: a server that serves one is
    not failed on a document's run, a server that answers it -32603 is (a crash)."""
    document = load(example_document("simple-math"))
    chosen = Settings(token="t", max_examples=0, families=("protocol",))
    with serve_in_thread(_FractionalIds(internal), read_timeout=2.0) as url:
        report = run_document(url, document, settings=chosen, methods=["addition"])
    found = {(f.test_id, f.rule) for f in report.failures}
    if internal:
        assert found == {("addition::test_protocol[id-float]", "expected-outcome")}
        assert "internal failure" in report.failures[0].message
    else:
        assert found == set()


class _Stateful(SimpleMath):
    """simple-math whose addition answers every request with ``code``, as a stateful server
    answers a call about an account it does not have."""

    def __init__(self, code: int) -> None:
        super().__init__()
        self.code = code

    def answer(self, request: Any) -> bytes:
        plain = super().answer(request)
        if (
            isinstance(request, dict)
            and request.get("method") == "addition"
            and b'"result"' in plain
        ):
            return self._body(request.get("id"), error=(self.code, "no such account"))
        return plain


@pytest.mark.parametrize(
    ("code", "expect_success", "fails"),
    [(-32000, False, False), (-32000, True, True), (-32602, False, True)],
)
def test_an_application_error_for_valid_params_is_counted_not_judged(
    code: int, expect_success: bool, fails: bool
) -> None:
    """A valid request of a document answered with a server error (-32000 to -32099) is a
    stateful server's answer: counted, not judged, unless --expect-success; answered with
    JSON-RPC 2.0's invalid params (-32602) it fails."""
    document = load(example_document("simple-math"))
    chosen = Settings(token="t", max_examples=3, expect_success=expect_success)
    with serve_in_thread(_Stateful(code), read_timeout=2.0) as url:
        report = run_document(url, document, settings=chosen, methods=["addition"])
    outcome = {f.rule for f in report.failures}
    assert ("expected-outcome" in outcome) is fails, [f.message for f in report.failures[:2]]
    if not fails:
        assert report.application_errors.get(code, 0) > 10


class _Int64Math(SimpleMath):
    """simple-math keeping its numbers in int64: a param past 64 bits answered -32603."""

    def answer(self, request: Any) -> bytes:
        params = request.get("params") if isinstance(request, dict) else None
        values = list(params.values()) if isinstance(params, dict) else params or []
        if any(isinstance(v, int) and not -(2**63) <= v < 2**63 for v in values):
            return self._body(request.get("id"), error=(-32603, "Internal error"))
        return super().answer(request)


def test_the_robustness_family_runs_on_a_document_and_catches_an_overflow() -> None:
    """An OpenRPC run sends the robustness family to every method: simple-math's server passes
    it, the same server overflowing past 64 bits fails it on each integer param of each method
    (2^63 and 2^64 up), and on nothing else."""
    document = load(example_document("simple-math"))
    chosen = Settings(token="t", max_examples=0, families=("robustness",))
    with serve_in_thread(SimpleMath(), read_timeout=2.0) as url:
        report = run_document(url, document, settings=chosen)
    assert report.conforms and report.families["robustness"] == 58, report.failures[:3]
    with serve_in_thread(_Int64Math(), read_timeout=2.0) as url:
        report = run_document(url, document, settings=chosen)
    found = {(f.test_id, f.case.partition("/")[2], f.rule) for f in report.failures}
    assert found == {
        (f"{method}::test_robust[{param}:big-integer]", kind, "expected-outcome")
        for method in ("addition", "subtraction")
        for param in ("a", "b")
        for kind in ("2^63", "2^64", "-2^64", "10^20", "400-digits")
    }


BY_POSITION = {
    "openrpc": "1.2.6",
    "info": {"title": "by position", "version": "1"},
    "methods": [
        {
            "name": "scale",
            "paramStructure": "by-position",
            "params": [
                {"name": "n", "required": True, "schema": {"type": "integer"}},
                {"name": "label", "schema": {"type": "string"}},
            ],
            "result": {"name": "scaled", "schema": {"type": "integer"}},
        }
    ],
}


def test_a_by_position_method_gets_its_robustness_cases_by_position() -> None:
    """Params sent as an array have no key to repeat: the envelope's is the only duplicate key,
    and the integer and string params get their cases in place, each case sent once."""
    (made,) = plan_document(parse(BY_POSITION, "inline"), Settings(token="t", max_examples=0))
    cases = made.families["robustness"]
    names = [case.name for case in cases]
    assert [n for n in names if "duplicate-key" in n] == ["jsonrpc:duplicate-key/same-value"]
    assert {"n:big-integer/2^64", "label:lone-surrogate/raw", "n:non-finite/NaN"} <= set(names)
    assert len(names) == len(set(names)) and not any("by-position" in n for n in names)
    assert all(isinstance(case.payload["params"], list) for case in cases)
