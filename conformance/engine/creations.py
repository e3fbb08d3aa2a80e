"""What a run created on the target, and the budget on creations (``Settings.max_creates``).

A run against a vendor's sandbox or a staging account leaves what it created there: the ids
of everything it created are kept (``Report.created``, written by ``--created FILE``) so that a
team can delete them, and a budget cuts the cases that may create once it is spent.

A **creation** is a success reply (a ``result``) to a request of a method that creates:
``create.sites`` by default, or the methods the user names (``Settings.creates``; for an
OpenRPC document the kit cannot know which methods create, so none unless named). Its ``id`` is
``result.id``, else ``result.data.id`` (create.sites's current revision), else the whole
result. In a batch, each success element is one creation. A notification of such a method that
got an empty 2xx answer is counted too (the target may have created something, and says no id):
its ``id`` is ``None``.

Which cases **may create**, and are cut once the budget is spent: every case of the valid
family and every case whose expectation lets a success pass (``success``, a success or an
error, a batch, a notification, robustness: any well-formed reply). A case that shares its
unique value with one already cut (the duplicates family's second and third sends) is cut with
it: sent alone, a conforming server would create it and the run would call that a defect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from conformance.generation.cases import Case

#: The methods that create, unless the run names others: the bundled contract's one method.
DEFAULT_CREATING: Final = frozenset({"create.sites"})

#: Expectations under which a conforming answer may be a success, hence a creation.
MAY_SUCCEED: Final = frozenset(
    {
        "success",
        "success_or_params_error",
        "success_or_application_error",
        "batch_or_error",
        "notification_or_error",
        "robust",
    }
)


@dataclass(frozen=True)
class Created:
    """One thing the run created: its id, the method, the request that created it (the token
    as ``***``), and the test and case number that sent it."""

    method: str
    id: Any
    request: Any
    test_id: str
    case_number: int
    #: ``False``: the run was stopped (Ctrl-C, SIGTERM) with this request sent and its reply
    #: unread, so the target may have created it: its id is unknown, its request says what
    confirmed: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "id": self.id,
            "confirmed": self.confirmed,
            "test_id": self.test_id,
            "case_number": self.case_number,
            "request": self.request,
        }


def may_create(case: Case) -> bool:
    """Whether ``case`` may create (see the module docstring)."""
    return case.family == "valid" or case.expect.outcome in MAY_SUCCEED


def created_id(result: Any) -> Any:
    """The id of what a success ``result`` created: ``result.id``, ``result.data.id``, else the
    result itself."""
    if isinstance(result, dict):
        if "id" in result:
            return result["id"]
        data = result.get("data")
        if isinstance(data, dict) and "id" in data:
            return data["id"]
    return result


def creations(
    shown_request: Any, reply: Any, status: int | None, creating: frozenset[str]
) -> list[tuple[str, Any, Any]]:
    """``(method, id, request)`` of each creation in one exchange: ``shown_request`` is the
    request as sent with the token masked (a batch: a list), ``reply`` the parsed reply (or
    anything else where it had none)."""
    requests = shown_request if isinstance(shown_request, list) else [shown_request]
    calls = [r for r in requests if isinstance(r, dict) and r.get("method") in creating]
    if not calls:
        return []
    found: list[tuple[str, Any, Any]] = []
    if not isinstance(shown_request, list) and "id" not in shown_request:
        # a notification: an empty 2xx answer may hide a creation, whose id is not told
        if status is not None and 200 <= status < 300 and not isinstance(reply, dict | list):
            found.append((shown_request["method"], None, shown_request))
        return found
    replies = reply if isinstance(reply, list) else [reply]
    for answer in replies:
        if not isinstance(answer, dict) or "result" not in answer:
            continue
        request = next((r for r in calls if "id" in r and r["id"] == answer.get("id")), None)
        if request is None:
            if len(requests) != 1:
                continue  # a success of a request of the batch that does not create
            request = calls[0]
        found.append((request["method"], created_id(answer["result"]), request))
    return found


__all__ = ["DEFAULT_CREATING", "MAY_SUCCEED", "Created", "created_id", "creations", "may_create"]
