"""Site ids shared by the processes of one run (pytest-xdist's workers), so that
``distinct-result-ids`` judges the whole run, not each worker's part of it.

The ids live in one file, a line each, that every worker appends to. Reading the lines others
added, checking and appending happen under one exclusive ``flock``, so two workers given the
same id at the same moment cannot both find it new. The file is opened for each claim (a
success reply): a few microseconds against a request's milliseconds, and no descriptor to leak.
"""

from __future__ import annotations

from pathlib import Path

from conformance.engine.checks import RunState


class SharedRunState(RunState):
    """A ``RunState`` whose site ids are those of every process using ``path``."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._read_up_to = 0

    def claim_result_id(self, key: str) -> bool:
        import fcntl  # POSIX: pytest-xdist's workers run here on Linux and macOS

        line = key.encode("utf-8") + b"\n"
        with self.path.open("a+b") as ids:
            fcntl.flock(ids, fcntl.LOCK_EX)  # released when the file closes
            ids.seek(self._read_up_to)
            added = ids.read()
            self._read_up_to += len(added)
            self.result_ids.update(added.decode("utf-8").splitlines())
            if key in self.result_ids:
                return False
            ids.write(line)
            self._read_up_to += len(line)
            self.result_ids.add(key)
            return True


__all__ = ["SharedRunState"]
