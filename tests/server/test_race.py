"""Two creates of one domain at the same moment: exactly one wins, every round.

The README says the UNIQUE index makes it so that "concurrent requests cannot both win"; a
store that checked first and inserted afterwards would let both through now and then, so the
race is run many times, each round's requests released together by a barrier.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from helpers.server_requests import connect, post, request

from conformance.server import Config, CreateSitesApp, SiteStore, serve_in_thread

#: clients racing in each round, each on its own keep-alive connection
RACERS = 4
ROUNDS = 60
#: seconds for every round together; a round takes a few milliseconds
DEADLINE = 60.0


def test_concurrent_creates_of_one_domain_never_both_win(config: Config) -> None:
    """In each round, RACERS clients send one domain (in different cases) at once: one
    success, and duplicate_entity for each of the others."""
    barrier = threading.Barrier(RACERS, timeout=10)
    outcomes: list[list[Any]] = [[] for _ in range(ROUNDS)]
    errors: list[BaseException] = []

    def racer(url: str, number: int) -> None:
        connection = connect(url, timeout=10)
        try:
            connection.connect()
            for round_number in range(ROUNDS):
                domain = f"race-{round_number}.example.com"
                domain = domain.upper() if number % 2 else domain
                body = request(f"{number}-{round_number}", domain_name=domain)
                barrier.wait()
                status, _, reply = post(connection, body)
                outcomes[round_number].append((status, reply))
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    with SiteStore(":memory:") as store:
        app = CreateSitesApp(config, store)
        with serve_in_thread(app, read_timeout=5.0) as url:
            threads = [threading.Thread(target=racer, args=(url, n)) for n in range(RACERS)]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(max(0.0, DEADLINE - (time.monotonic() - started)))
            assert not any(thread.is_alive() for thread in threads), "the race did not finish"
        assert not errors, errors
        for round_number, replies in enumerate(outcomes):
            assert [status for status, _ in replies] == [200] * RACERS
            wins = [reply for _, reply in replies if "result" in reply]
            losses = [reply["error"]["data"] for _, reply in replies if "error" in reply]
            assert len(wins) == 1, (round_number, replies)
            assert [(d["mnemonic"], d["field"]) for d in losses] == [
                ("duplicate_entity", "domain_name")
            ] * (RACERS - 1), (round_number, replies)
        assert len(list(store.sites())) == ROUNDS
