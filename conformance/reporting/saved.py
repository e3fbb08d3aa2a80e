"""Failures saved as files, one JSON document each, for ``conformance replay`` and for the
reports that gather a run's failures from several processes (pytest-xdist's workers).

A record holds what it takes to send the request again and judge the answer: the rule, the
test id and case, the expected outcome, the request (JSON, or the raw body), the reply seen,
the seed, the revision and the settings of the run, never the token
(``conformance.reporting.redaction``): the token member holds a placeholder that a replay fills with
its own token. It also keeps the body's parts (``template``; ``before``, the requests that took
a duplicates case's name) and its reproduction (``reproduce``: the line to paste first and the
``curl`` command), so that a report made from records prints the run's command, never ``***``.

``save(failures, folder, info, token)`` writes them (replacing the folder's earlier
``*.failure.json`` files: the folder holds the last run's failures); ``load(path)`` reads one
back, refusing anything that is not a record with a message naming the file and the member.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from conformance.engine.contract import Contract
from conformance.engine.reproduce import Part, Raw, Tag, Template, Token
from conformance.engine.results import Failure
from conformance.engine.settings import TOKEN_PLACEHOLDER
from conformance.errors import ArgumentError, PayloadError
from conformance.generation.cases import (
    FAMILIES,
    STRUCTURE_FAMILY,
    Case,
    Expectation,
    Outcome,
    ReplyId,
)
from conformance.reporting.formats import curl, setup_line
from conformance.reporting.redaction import (
    MASK,
    holds_token,
    mask_url,
    scrub_bytes,
    scrub_request,
    scrub_text,
    scrub_value,
)
from conformance.reporting.run_info import RunInfo
from conformance.validation.payloads import loads

#: The ``format`` member of every record: a reader refuses other formats.
FORMAT: Final = "create.sites-conformance-failure/1"

#: Where ``conformance fuzz`` saves failures unless told otherwise.
DEFAULT_FOLDER: Final = Path(".conformance") / "failures"

SUFFIX: Final = ".failure.json"

OUTCOMES: Final = typing.get_args(Outcome)
REPLY_IDS: Final = typing.get_args(ReplyId)


@dataclass(frozen=True)
class Saved:
    """A record read back: the failure (scrubbed), the run's info as saved, and its file."""

    failure: Failure
    info: dict[str, Any]
    path: Path | None
    #: the raw body held the token: a replay makes the body again from the current plan
    body_masked: bool
    #: how to find the contract again (``{"openrpc": path}``; ``{}``: the bundled one)
    contract: dict[str, str]


def _expectation_dict(expect: Expectation) -> dict[str, Any]:
    return {
        "outcome": expect.outcome,
        "codes": list(expect.codes),
        "mnemonics": None if expect.mnemonics is None else sorted(expect.mnemonics),
        "field": expect.field,
        "reply_id": expect.reply_id,
    }


def _text_or_base64(data: bytes) -> dict[str, str]:
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def _scrubbed_reply_body(body: bytes, token: str) -> bytes:
    """The reply body with the token out of every string; kept byte for byte where it holds no
    token, so a reply that is not JSON (or is JSON written oddly) is shown as it came."""
    scrubbed = scrub_bytes(body, token)
    if scrubbed == body:
        return body
    try:
        return json.dumps(scrub_value(loads(body), token), ensure_ascii=False).encode()
    except PayloadError:
        return scrubbed


def _template_dict(template: Template | None, token: str) -> dict[str, Any] | None:
    """A body's parts (``conformance.engine.reproduce.Template``) as JSON, so that a report
    made from the record prints the command the run's report printed (the token read from its
    variable, a fresh tag); ``None`` where a literal part holds the token (the body is then
    saved scrubbed, and its command sends ``***``)."""
    if template is None:
        return None
    parts: list[dict[str, Any]] = []
    for part in template.parts:
        if isinstance(part, Token):
            parts.append({"token": True})
        elif isinstance(part, Tag):
            parts.append({"tag": [part.start, part.length], "upper": part.upper})
        elif isinstance(part, Raw):
            if holds_token(part.data, token):
                return None
            parts.append({"base64": base64.b64encode(part.data).decode("ascii")})
        else:
            if holds_token(part, token):
                return None
            parts.append({"text": part})
    return {"tag": template.tag, "parts": parts}


def _template_of(reader: _Reader, document: Any, name: str) -> Template:
    """A template as ``_template_dict`` writes it; ``ArgumentError`` naming ``name``."""
    where = f"{reader.where}: {name}"
    if not isinstance(document, dict) or not isinstance(document.get("parts"), list):
        raise ArgumentError(f"{where} must be an object with a list of parts")
    tag = document.get("tag", "")
    if not isinstance(tag, str):
        raise ArgumentError(f"{where}.tag must be a string; got {tag!r}")
    parts: list[Part] = []
    for index, item in enumerate(document["parts"]):
        if isinstance(item, dict) and item.get("token") is True:
            parts.append(Token())
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            parts.append(item["text"])
        elif isinstance(item, dict) and isinstance(item.get("base64"), str):
            try:
                parts.append(Raw(base64.b64decode(item["base64"], validate=True)))
            except ValueError:
                raise ArgumentError(f"{where}.parts[{index}].base64 is not base64") from None
        elif (
            isinstance(item, dict)
            and isinstance(item.get("tag"), list)
            and len(item["tag"]) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in item["tag"])
        ):
            parts.append(Tag(item["tag"][0], item["tag"][1], item.get("upper") is True))
        else:
            raise ArgumentError(
                f"{where}.parts[{index}] must be one of text, base64, token, tag; got {item!r}"
            )
    return Template(tuple(parts), tag)


def record(
    failure: Failure,
    info: RunInfo,
    token: str,
    contract: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One failure as a JSON-ready record, the token scrubbed out of every member;
    ``contract`` says how a replay finds the contract again (``Contract.locator``)."""
    case = failure.source
    request: dict[str, Any]
    if failure.request is not None:
        request = {"json": scrub_request(failure.request, token)}
        body_masked = False
    elif failure.shown is not None and failure.shown.holds_token:
        # a body with raw text spliced in: the token out by structure, the placeholder in its
        # place (a token too short for ``scrub_bytes`` too); a replay makes the case again
        request = _text_or_base64(failure.shown.encode(TOKEN_PLACEHOLDER))
        body_masked = True
    else:
        body = scrub_bytes(failure.body, token)
        body_masked = body != failure.body
        request = _text_or_base64(body)
    template = _template_dict(failure.shown, token)
    before = [_template_dict(t, token) for t in failure.before] if template is not None else []
    if None in before:
        template, before = None, []
    document: dict[str, Any] = {
        "format": FORMAT,
        "rule": failure.rule,
        "rule_statement": failure.doc,
        "basis": failure.basis,
        "family": failure.family,
        "label": failure.label,
        "case": failure.case,
        "test_id": failure.test_id,
        "method": failure.method,
        "contract": dict(contract or {}),
        "found": scrub_text(failure.explained, token),
        "expected": _expectation_dict(case.expect) if case is not None else None,
        "request": request,
        "request_body_masked": body_masked,
        "request_headers": dict(case.headers) if case is not None else {},
        "unique_domain": case.unique_domain if case is not None else True,
        "reply": {
            "status": failure.status,
            "headers": {name: scrub_text(value, token) for name, value in failure.headers.items()},
            **_text_or_base64(_scrubbed_reply_body(failure.reply_body, token)),
        },
        "seed": failure.seed,
        # a key in the target URL masked: a replay puts --token back in its place
        "settings": {**info.as_dict(), "target": mask_url(info.target, token)},
        # the parts of the body (and of those sent before it): a report made from the record
        # prints the command the run's report printed
        "template": template,
        "before": before,
    }
    # the command as every report made from the record prints it, and the one line to paste
    # before it (the values masked: a record never holds a secret)
    shown = from_record(document).failure
    headers = list(info.headers)  # secret values masked (``RunInfo.of``)
    document["reproduce"] = {
        "setup": setup_line([shown], headers, MASK, show_secrets=False),
        "curl": curl(shown, headers),
    }
    return document


def _file_name(document: Mapping[str, Any]) -> str:
    """``{rule}--{test id}--{digest}.failure.json``: readable, safe on every file system, and
    distinct for distinct cases of one rule."""
    readable = re.sub(r"[^A-Za-z0-9_.=-]+", "_", f"{document['rule']}--{document['test_id']}")
    digest = hashlib.sha256(
        json.dumps([document["case"], document["request"]], sort_keys=True).encode()
    ).hexdigest()[:10]
    return f"{readable[:120]}--{digest}{SUFFIX}"


def save(
    failures: Iterable[Failure],
    folder: Path,
    info: RunInfo,
    token: str,
    contract: Contract | None = None,
) -> list[Path]:
    """Write each failure to ``folder`` (made if missing and there is a failure), after removing
    the folder's earlier records; return the paths written. ``OSError`` if it cannot write."""
    failures = list(failures)
    for old in folder.glob(f"*{SUFFIX}"):
        old.unlink(missing_ok=True)
    if failures:
        folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for failure in failures:
        locator = contract.locator if contract is not None else None
        document = record(failure, info, token, locator)
        path = folder / _file_name(document)
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")
        written.append(path)
    return written


class _Reader:
    """Reads members of one record, refusing wrong types with the file and member named."""

    def __init__(self, where: str, document: Any) -> None:
        if not isinstance(document, dict):
            raise ArgumentError(f"{where}: a saved failure is a JSON object")
        if document.get("format") != FORMAT:
            raise ArgumentError(
                f"{where}: not a saved failure: format must be {FORMAT!r}; "
                f"got {document.get('format')!r}"
            )
        self.where = where
        self.document = document

    def get(self, name: str, kind: type | tuple[type, ...], document: Any = None) -> Any:
        source = self.document if document is None else document
        value = source.get(name) if isinstance(source, dict) else None
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
            expected = " or ".join(k.__name__ for k in _kinds(kind))
            raise ArgumentError(f"{self.where}: {name} must be {expected}; got {value!r}")
        return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _bytes_of(reader: _Reader, holder: dict[str, Any], name: str) -> bytes:
    if "text" in holder:
        text: str = reader.get("text", str, holder)
        return text.encode("utf-8", "surrogatepass")
    if "base64" in holder:
        try:
            return base64.b64decode(reader.get("base64", str, holder), validate=True)
        except ValueError:
            raise ArgumentError(f"{reader.where}: {name}.base64 is not base64") from None
    raise ArgumentError(f"{reader.where}: {name} needs one of json, text, base64")


def from_record(document: Any, where: str = "saved failure") -> Saved:
    """A record (as ``record`` makes it) back as a ``Saved``; ``ArgumentError`` naming the
    member for anything else."""
    reader = _Reader(where, document)
    rule = reader.get("rule", str)
    if not rule:
        raise ArgumentError(f"{where}: rule must name the rule that was broken")
    family = reader.get("family", str)
    if family not in (*FAMILIES, STRUCTURE_FAMILY):
        raise ArgumentError(f"{where}: family must be one of {FAMILIES}; got {family!r}")
    label, name = reader.get("label", str), reader.get("case", str)
    request = reader.get("request", dict)
    payload = request.get("json")
    body = (
        json.dumps(payload, ensure_ascii=False).encode()
        if "json" in request
        else _bytes_of(reader, request, "request")
    )
    expected = document.get("expected")
    if isinstance(expected, dict):
        for member, allowed in (("outcome", OUTCOMES), ("reply_id", REPLY_IDS)):
            if expected.get(member) not in allowed:
                raise ArgumentError(
                    f"{where}: expected.{member} must be one of {list(allowed)}; "
                    f"got {expected.get(member)!r}"
                )
    expect = (
        Expectation(
            outcome=reader.get("outcome", str, expected),
            codes=tuple(reader.get("codes", list, expected)),
            mnemonics=(
                None
                if expected.get("mnemonics") is None
                else frozenset(reader.get("mnemonics", list, expected))
            ),
            field=expected.get("field"),
            reply_id=reader.get("reply_id", str, expected),
        )
        if isinstance(expected, dict)
        else None
    )
    headers = reader.get("request_headers", dict)
    case = (
        Case(
            family,
            label,
            name,
            expect,
            payload,
            None if "json" in request else body,
            unique_domain=bool(document.get("unique_domain", True)),
            headers={str(k): str(v) for k, v in headers.items()},
        )
        if expect is not None
        else None
    )
    reply = reader.get("reply", dict)
    status = reply.get("status")
    if status is not None and (not isinstance(status, int) or isinstance(status, bool)):
        raise ArgumentError(f"{where}: reply.status must be an integer or null; got {status!r}")
    settings = reader.get("settings", dict)
    method = document.get("method")
    basis = document.get("basis")
    failure = Failure(
        rule=rule,
        doc=reader.get("rule_statement", str),
        family=family,
        label=label,
        case=name,
        message=reader.get("found", str),
        request=payload,
        body=body,
        status=status,
        headers={str(k): str(v) for k, v in reader.get("headers", dict, reply).items()},
        reply_body=_bytes_of(reader, reply, "reply"),
        seed=reader.get("seed", int),
        target=str(settings.get("target", "")),
        source=case,
        method=method if isinstance(method, str) and method else None,
        basis=basis if isinstance(basis, str) else "",
        shown=(
            _template_of(reader, document["template"], "template")
            if document.get("template") is not None
            else None
        ),
        before=tuple(
            _template_of(reader, item, f"before[{index}]")
            for index, item in enumerate(_list(reader, document, "before"))
        ),
    )
    contract = document.get("contract") or {}
    if not isinstance(contract, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in contract.items()
    ):
        raise ArgumentError(f"{where}: contract must be an object of strings; got {contract!r}")
    return Saved(
        failure, settings, None, bool(document.get("request_body_masked", False)), contract
    )


def _list(reader: _Reader, document: dict[str, Any], name: str) -> list[Any]:
    value = document.get(name, [])
    if not isinstance(value, list):
        raise ArgumentError(f"{reader.where}: {name} must be a list; got {value!r}")
    return value


def load(path: Path) -> Saved:
    """Read one saved failure; ``ArgumentError`` naming the file when it is not one."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ArgumentError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        document = loads(data)
    except PayloadError as error:
        raise ArgumentError(f"{path}: {error}") from None
    saved = from_record(document, str(path))
    return dataclasses.replace(saved, path=path)


def saved_files(paths: Iterable[Path]) -> list[Path]:
    """The record files named: files as given, folders searched (recursively) for
    ``*.failure.json``; in name order. ``ArgumentError`` for a path that does not exist."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.rglob(f"*{SUFFIX}")))
        elif path.is_file():
            found.append(path)
        else:
            raise ArgumentError(f"{path}: no such file or folder")
    return found


__all__ = [
    "DEFAULT_FOLDER",
    "FORMAT",
    "SUFFIX",
    "Saved",
    "from_record",
    "load",
    "record",
    "save",
    "saved_files",
]
