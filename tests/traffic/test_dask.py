"""The Dask recipe (``conformance.traffic.dask_bags``): captured traffic judged on a
``LocalCluster`` of worker processes, one and then two, merged into the same tally as
``validate --traffic`` gives in one process, line numbers, masking and all."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.targets import CUSTOMER_TOKEN, served

from conformance.cli import Streams, main
from conformance.traffic import reports
from conformance.traffic.dask_bags import har_bag, judge_bag, lines_bag
from conformance.traffic.files import judge_file
from conformance.traffic.spec import ContractSpec
from conformance.traffic.tally import Tally

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short fuzz run of the reference server as HAR (client violations among its
    exchanges, bodies that are not UTF-8 too)."""
    har = tmp_path_factory.mktemp("dask") / "run.har"
    with served() as url:
        argv = ["fuzz", url, "--token", CUSTOMER_TOKEN, "--max-examples", "2",
                "--record", str(har), "--no-save-failures"]  # fmt: skip
        main(argv, Streams(io.BytesIO(), io.StringIO(), io.StringIO()))
    return har


def _as_lines(har: Path, path: Path, copies: int) -> Path:
    """``har``'s entries, ``copies`` times over, as JSON Lines (a blank line now and then)."""
    entries = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]
    with path.open("w", encoding="utf-8") as out:
        for copy in range(copies):
            for entry in entries:
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")
            out.write("\n" if copy % 2 else "")
    return path


def _single(*paths: Path) -> Tally:
    judge = ContractSpec().judge()
    for path in paths:
        judge_file(judge, str(path))
    return judge.tally


@pytest.fixture(params=[1, 2], ids=["1-worker", "2-workers"])
def cluster(request: pytest.FixtureRequest) -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=request.param,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as local,
        distributed.Client(local) as client,
    ):
        yield client


def _summary(tally: Tally) -> str:
    origin = reports.Origin("t", "create.sites", "in x", "read", "traffic")
    return reports.to_json(tally, origin)


@pytest.mark.slow
def test_the_cluster_gives_the_single_process_result(
    recorded: Path, tmp_path: Path, cluster: Any
) -> None:
    lines = _as_lines(recorded, tmp_path / "big.jsonl", 3)
    other = _as_lines(recorded, tmp_path / "other.jsonl", 1)
    # blocks of 64 KiB: each file is cut in several partitions, lines numbered across them
    bag = lines_bag([str(lines), str(other)], blocksize=64 * 1024)
    assert bag.npartitions > 4
    tally = judge_bag(bag, ContractSpec())
    single = _single(lines, other)
    assert _summary(tally) == _summary(single)
    assert tally.count > 0 and tally.by_side("server") == 0
    assert max(v.exchange for v in tally.violations if v.source == str(lines)) > 2 * 363 // 2
    assert CUSTOMER_TOKEN not in _summary(tally)


@pytest.mark.slow
def test_har_files_on_the_cluster(recorded: Path, tmp_path: Path, cluster: Any) -> None:
    second = tmp_path / "second.har"
    second.write_bytes(recorded.read_bytes())
    tally = judge_bag(har_bag([str(recorded), str(second)]), ContractSpec(strict=True))
    judge = ContractSpec(strict=True).judge()
    for path in (recorded, second):
        judge_file(judge, str(path))
    assert _summary(tally) == _summary(judge.tally)
    assert {v.where.split(" ")[0] for v in tally.violations} == {str(recorded), str(second)}


def test_merging_keeps_the_first_violations_and_counts_the_rest() -> None:
    """Tally.merge: the parts' counts added, violations kept in order up to KEPT."""
    from conformance.traffic import tally as module

    def part(n: int, tag: str) -> Tally:
        result = Tally(exchanges=n, judged=n)
        result.rules[("client", "request-params")] = [n, n]
        for i in range(n):
            result.keep(module.Violation(i, None, tag, "", 200, ""))  # type: ignore[arg-type]
        return result

    whole = Tally()
    for tag in ("a", "b", "c"):
        whole.merge(part(600, tag))
    assert whole.exchanges == 1800 and whole.rules[("client", "request-params")] == [1800, 1800]
    assert len(whole.violations) == module.KEPT and whole.count == 1800
    assert [v.message for v in whole.violations[599:601]] == ["a", "b"]
