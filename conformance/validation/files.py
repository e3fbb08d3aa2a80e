"""Check payload sources (files, stdin) one document at a time, feeding a reporter.

Kept apart from the CLI so that other tools can gate payloads with their own reporter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Protocol

from conformance.contract import DEFAULT_REVISION
from conformance.errors import PayloadError
from conformance.validation.payloads import Document, iter_documents
from conformance.validation.validator import validator_for
from conformance.validation.violations import Violation, sorted_violations


@dataclass(frozen=True)
class Outcome:
    """What checking one document found: its violations, or why it could not be read."""

    source: str
    line: int | None
    violations: tuple[Violation, ...] = ()
    error: PayloadError | None = None

    @property
    def valid(self) -> bool:
        return self.error is None and not self.violations


@dataclass
class Summary:
    """Counts over a whole check."""

    sources: int = 0
    valid: int = 0
    invalid: int = 0
    unreadable: int = 0
    kind: str = "request"
    role: str = "customer"
    #: the check was stopped (Ctrl-C) before every source was read
    interrupted: bool = False

    @property
    def checked(self) -> int:
        return self.valid + self.invalid + self.unreadable


class Reporter(Protocol):
    """Receives each outcome as it is found, then the summary."""

    def outcome(self, outcome: Outcome) -> None: ...

    def finish(self, summary: Summary) -> None: ...


def _lines(path: str, stdin: IO[bytes]) -> Iterator[bytes]:
    if path == "-":
        yield from stdin
        return
    with open(path, "rb") as handle:
        yield from handle


def check_documents(
    documents: Iterable[Document],
    kind: str,
    role: str,
    *,
    show_secrets: bool = False,
    revision: str = DEFAULT_REVISION,
    strict: bool = True,
) -> Iterator[Outcome]:
    """An outcome for each document, by the contract's ``revision``; the valid ones cost one
    fast engine call. Violations show no access token unless ``show_secrets``."""
    validator = validator_for(
        kind, role, show_secrets=show_secrets, revision=revision, strict=strict
    )
    for document in documents:
        if document.error is not None:
            yield Outcome(document.source, document.line, error=document.error)
        elif validator.is_valid(document.payload):
            yield Outcome(document.source, document.line)
        else:
            try:
                found = tuple(sorted_violations(validator.iter_errors(document.payload)))
            except PayloadError as error:
                yield Outcome(document.source, document.line, error=error)
            else:
                yield Outcome(document.source, document.line, found)


def check_sources(
    paths: Iterable[str],
    kind: str,
    role: str,
    reporter: Reporter,
    stdin: IO[bytes],
    *,
    show_secrets: bool = False,
    progress: Callable[[Summary, str], None] | None = None,
    revision: str = DEFAULT_REVISION,
    strict: bool = True,
) -> Summary:
    """Check every payload of every path (``-`` is stdin) and report each outcome.

    ``progress(summary, source)`` is called after each payload. A Ctrl-C (``KeyboardInterrupt``)
    ends the check: the reporter still gets the summary of what was checked so far, marked
    ``interrupted``, and the interrupt is raised again for the caller.
    """
    summary = Summary(kind=kind, role=role)
    try:
        for path in paths:
            summary.sources += 1
            name = "<stdin>" if path == "-" else path
            try:
                documents = iter_documents(name, _lines(path, stdin))
                outcomes = check_documents(
                    documents,
                    kind,
                    role,
                    show_secrets=show_secrets,
                    revision=revision,
                    strict=strict,
                )
                for outcome in outcomes:
                    if outcome.error is not None:
                        summary.unreadable += 1
                    elif outcome.violations:
                        summary.invalid += 1
                    else:
                        summary.valid += 1
                    reporter.outcome(outcome)
                    if progress is not None:
                        progress(summary, name)
            except OSError as error:
                summary.unreadable += 1
                reason = error.strerror or str(error)
                reporter.outcome(Outcome(name, None, error=PayloadError(f"cannot read: {reason}")))
    except KeyboardInterrupt:
        summary.interrupted = True
        reporter.finish(summary)
        raise
    reporter.finish(summary)
    return summary
