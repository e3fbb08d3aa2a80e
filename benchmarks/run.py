"""``make bench``: every benchmark of the kit, one after the other, in one run."""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

#: Each a module of this folder with a ``main()`` that prints its tables.
BENCHMARKS = (
    "validation",
    "server",
    "runner",
    "openrpc_coverage",
    "openrpc_ethereum",
    "proxy",
    "traffic_dask",
)


def main() -> None:
    """Run each benchmark in turn."""
    sys.path.insert(0, str(Path(__file__).parent))
    for name in BENCHMARKS:
        start = time.perf_counter()
        importlib.import_module(name).main()
        print(f"({name}: {time.perf_counter() - start:.0f} s)\n", flush=True)


if __name__ == "__main__":
    main()
