"""``make demo``: start the reference server on a free port, fuzz it, show the report, stop it.

The server runs in this process on a background thread, over an in-memory store, with one
customer token and one scenario made up for the demo. The exit code is ``conformance fuzz``'s.
"""

from __future__ import annotations

import secrets
import sys

from conformance.cli import main
from conformance.server import CreateSitesApp, SiteStore, serve_in_thread
from conformance.server.config import parse

DEMO_USER_ID = 1
DEMO_SCENARIO_ID = 1


def demo(argv: list[str] | None = None) -> int:
    """Run the demo; extra ``argv`` go to ``conformance fuzz`` (e.g. ``--output json``)."""
    token = f"demo-{secrets.token_hex(8)}"
    config = parse(
        {
            "scenario_ids": [DEMO_SCENARIO_ID],
            "tokens": [{"token": token, "role": "customer", "user_id": DEMO_USER_ID}],
        }
    )
    with SiteStore(":memory:") as store, serve_in_thread(CreateSitesApp(config, store)) as url:
        print(f"reference server listening on {url}; running: conformance fuzz {url} ...\n")
        sys.stdout.flush()
        command = ["fuzz", url, "--token", token, "--scenario-id", str(DEMO_SCENARIO_ID)]
        code = main([*command, *(argv or [])])
    print(f"\nreference server stopped; conformance fuzz exited {code}")
    return code


if __name__ == "__main__":
    sys.exit(demo(sys.argv[1:]))
