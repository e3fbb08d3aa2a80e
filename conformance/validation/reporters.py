"""Reporters of ``conformance validate``: text, json and github (Actions annotations).

Each reporter writes as outcomes arrive, so that a capture of any size streams in constant
memory; none of them recomputes anything the outcome already carries.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, Any

from conformance.validation.files import Outcome, Reporter, Summary


def _where(outcome: Outcome) -> str:
    return outcome.source if outcome.line is None else f"{outcome.source}:{outcome.line}"


def _summary_line(summary: Summary) -> str:
    files = "file" if summary.sources == 1 else "files"
    stopped = "interrupted (Ctrl-C); so far: " if summary.interrupted else ""
    return (
        f"{stopped}{summary.checked} {summary.kind} payload(s) in {summary.sources} {files} "
        f"({summary.role}): {summary.valid} valid, {summary.invalid} invalid, "
        f"{summary.unreadable} unreadable"
    )


class TextReporter:
    """One line per violation, ``FILE[:LINE]: FIELD: MESSAGE [keyword at schema path]``."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def outcome(self, outcome: Outcome) -> None:
        where = _where(outcome)
        if outcome.error is not None:
            self.stream.write(f"{where}: unreadable: {outcome.error}\n")
        for violation in outcome.violations:
            self.stream.write(
                f"{where}: {violation.pointer or '/'}: {violation.message} "
                f"[{violation.keyword} at {violation.schema_path}]\n"
            )

    def finish(self, summary: Summary) -> None:
        self.stream.write(_summary_line(summary) + "\n")


class JsonReporter:
    """One JSON document: the failing outcomes, written as they come, then the counts."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.stream.write('{"outcomes": [')
        self.first = True

    def outcome(self, outcome: Outcome) -> None:
        if outcome.valid:
            return
        entry: dict[str, Any] = {"source": outcome.source, "line": outcome.line}
        if outcome.error is not None:
            entry["unreadable"] = {
                "message": outcome.error.reason,
                "line": outcome.error.line,
                "column": outcome.error.column,
            }
        else:
            entry["violations"] = [violation.as_dict() for violation in outcome.violations]
        self.stream.write(("\n  " if self.first else ",\n  ") + json.dumps(entry, default=repr))
        self.first = False

    def finish(self, summary: Summary) -> None:
        counts = {
            "kind": summary.kind,
            "role": summary.role,
            "sources": summary.sources,
            "checked": summary.checked,
            "valid": summary.valid,
            "invalid": summary.invalid,
            "unreadable": summary.unreadable,
            "interrupted": summary.interrupted,
        }
        self.stream.write(f'\n],\n"summary": {json.dumps(counts)}}}\n')


def _escape(text: str, *, property_value: bool = False) -> str:
    # The workflow-command format of GitHub Actions: these characters would end the command.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


class GithubReporter:
    """``::error`` workflow commands, which GitHub Actions shows as annotations on the file."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def _annotate(self, outcome: Outcome, title: str, message: str) -> None:
        place = f"file={_escape(outcome.source, property_value=True)}"
        line = outcome.line or (outcome.error.line if outcome.error else None)
        if line is not None:
            place += f",line={line}"
        if outcome.error is not None and outcome.error.column is not None:
            place += f",col={outcome.error.column}"
        title = _escape(title, property_value=True)
        self.stream.write(f"::error {place},title={title}::{_escape(message)}\n")

    def outcome(self, outcome: Outcome) -> None:
        if outcome.error is not None:
            self._annotate(outcome, "unreadable payload", str(outcome.error))
        for violation in outcome.violations:
            title = f"create.sites contract: {violation.field or 'payload'} ({violation.keyword})"
            self._annotate(outcome, title, violation.message)

    def finish(self, summary: Summary) -> None:
        self.stream.write(_summary_line(summary) + "\n")


#: The reporters by ``--output`` name.
REPORTERS: dict[str, Callable[[IO[str]], Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "github": GithubReporter,
}
