"""Mutants of the ``openrpc``-framework order service (``openrpc_framework_server``): each the
service with one defect in its code, while ``rpc.discover`` still serves the honest document
(as a document generated for a release and pinned would). ``build_app(defect)`` holds the
defects; this table says what each is, where, and which rule of the runner must catch it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FrameworkMutant:
    """One defect: the method it lives in, what it does, the rule that must catch it."""

    method: str
    defect: str
    rule: str


MUTANTS: dict[str, FrameworkMutant] = {
    "quantity-range-unchecked": FrameworkMutant(
        "order.create", "a line's quantity has no upper bound (the document: 1..100)",
        "expected-outcome",
    ),
    "sku-pattern-unchecked": FrameworkMutant(
        "order.create", "a line's sku is any string (the document: a pattern)",
        "expected-outcome",
    ),
    "line-extra-member-accepted": FrameworkMutant(
        "order.create", "a line's unknown members are dropped, not refused", "expected-outcome",
    ),
    "enum-unchecked": FrameworkMutant(
        "order.create", "priority is any string (the document: an enum)", "expected-outcome",
    ),
    "customer-optional": FrameworkMutant(
        "order.create", "the required param customer has a default", "expected-outcome",
    ),
    "lines-min-items-unchecked": FrameworkMutant(
        "order.create", "an empty lines array is taken (the document: minItems 1)",
        "expected-outcome",
    ),
    "extra-result-member": FrameworkMutant(
        "order.create", "the result carries a member the result schema forbids", "result-schema",
    ),
    "wrong-result-type": FrameworkMutant(
        "order.find", "a found order's id is a string (the document: an integer)",
        "result-schema",
    ),
    "find-unknown-as-empty-object": FrameworkMutant(
        "order.find", "an unknown order gives {} where the document says null", "result-schema",
    ),
    "exclusive-bound-inclusive": FrameworkMutant(
        "geometry.scale", "factor 0 is taken (the document: exclusiveMinimum 0)",
        "expected-outcome",
    ),
    "invalid-params-wrong-code": FrameworkMutant(
        "geometry.scale", "factor out of range is refused with -32000, not -32602",
        "expected-outcome",
    ),
    "empty-values-crash": FrameworkMutant(
        "stats.summary", "an empty values array reaches the code (ZeroDivisionError: -32000)",
        "expected-outcome",
    ),
    "result-member-missing": FrameworkMutant(
        "stats.summary", "the result lacks the required members minimum and maximum",
        "result-schema",
    ),
    "notification-answered": FrameworkMutant(
        "(adapter)", "a notification is answered with a body", "expected-outcome",
    ),
}  # fmt: skip
