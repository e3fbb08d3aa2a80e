"""Traffic past one machine: captured exchanges judged in parallel by Dask (``dask.bag``), the
parts' tallies merged into the one report a single process would give.

The kit's judging runs inside Dask's workers, not a pool of its own: a bag of JSON Lines of
HAR entries (``lines_bag``: ``dask.bag.read_text``, each file cut in blocks at line ends) or
of HAR files (``har_bag``: one file a partition, as HAR is one JSON document) is judged
partition by partition (``judge_bag``); each partition gives its tally, and its line count so
that a line's number in its file is known once the parts before it are counted. The merged
``Tally`` writes the reports of ``conformance.traffic.reports``, as ``validate --traffic``
does::

    from dask.distributed import Client, LocalCluster
    from conformance.traffic.dask_bags import judge_bag, lines_bag
    from conformance.traffic.spec import ContractSpec

    with LocalCluster(n_workers=2, processes=True) as cluster, Client(cluster):
        tally = judge_bag(lines_bag(["gateway-*.jsonl"]), ContractSpec())

What crosses to a worker is a ``ContractSpec`` (the contract's revision, role, strictness, an
OpenRPC document's path, which every worker must be able to read, and its profile:
``ContractSpec(openrpc=DOC, profile="jsonrpc")`` judges by JSON-RPC 2.0 and the document's
schemas alone, as ``validate --traffic --profile jsonrpc`` does); each worker process builds
the contract once. Needs ``dask[distributed]`` (the kit's ``[dask]`` extra).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from conformance.traffic.files import judge_har, judge_lines
from conformance.traffic.spec import ContractSpec
from conformance.traffic.tally import Tally, placed

if TYPE_CHECKING:
    from dask.bag import Bag

#: How much of a JSON Lines file one partition holds, by default.
BLOCKSIZE: Final = "16MiB"


@dataclass(frozen=True)
class Part:
    """What one partition gave: its file, how many lines of it (0 for a HAR file), the tally."""

    source: str
    lines: int
    tally: Tally


def lines_bag(paths: str | Sequence[str], blocksize: str | int | None = BLOCKSIZE) -> Bag:
    """A bag of the lines of JSON Lines files of HAR entries (globs allowed), each with its
    file, in blocks of ``blocksize`` cut at line ends (``None``: a file a partition)."""
    import dask.bag

    # "\n" alone ends a line, as the single-process reader has it: a JSON string may hold a
    # raw U+2028 or carriage return, which str.splitlines would cut at
    bag: Bag = dask.bag.read_text(
        paths,
        blocksize=blocksize,
        encoding="utf-8",
        errors="surrogateescape",
        linedelimiter="\n",
        include_path=True,
    )
    return bag


def har_bag(paths: Sequence[str]) -> Bag:
    """A bag of HAR files, one a partition."""
    import dask.bag

    bag: Bag = dask.bag.from_sequence(list(paths), npartitions=max(len(paths), 1))
    return bag


def _judge_part(items: Iterable[Any], spec: ContractSpec, show_secrets: bool) -> list[Part]:
    """Judge one partition: ``(line, path)`` pairs of one file's block, or HAR file paths."""
    items = list(items)
    parts = []
    if items and isinstance(items[0], tuple):
        source = items[0][1]
        judge = spec.judge(show_secrets=show_secrets)
        judge_lines(judge, (line for line, _ in items), source)
        parts.append(Part(source, len(items), judge.tally))
    else:
        for path in items:
            judge = spec.judge(show_secrets=show_secrets)
            judge_har(judge, path)
            parts.append(Part(path, 0, judge.tally))
    return parts


def merge(parts: Iterable[Part]) -> Tally:
    """The partitions' tallies, in the bag's order, as one: each line numbered in its file."""
    whole = Tally()
    seen: dict[str, int] = {}
    for part in parts:
        tally = part.tally
        if part.lines:
            offset = seen.get(part.source, 0)
            tally.violations = placed(tally.violations, {part.source: offset})
            seen[part.source] = offset + part.lines
        whole.merge(tally)
    return whole


def judge_bag(bag: Bag, spec: ContractSpec, *, show_secrets: bool = False) -> Tally:
    """Judge every exchange of ``bag`` (``lines_bag`` or ``har_bag``) on the current Dask
    scheduler (a ``distributed.Client``'s cluster, where one is made), and merge the parts."""
    parts: list[Part] = bag.map_partitions(_judge_part, spec, show_secrets).compute()
    return merge(parts)


__all__ = ["BLOCKSIZE", "Part", "har_bag", "judge_bag", "lines_bag", "merge"]
