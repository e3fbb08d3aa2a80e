"""Traffic: HTTP exchanges kept as HAR 1.2 files.

- ``har``: ``HttpExchange``, written entry by entry (``HarWriter``) and read back (``read``),
  with nothing of the kit but its errors imported (a reader of captured traffic stays light);
- ``recorder``: a run's every exchange, the token and secret headers masked, into a HAR file
  (``conformance fuzz --record FILE``, ``pytest --target-record FILE``).
"""

from conformance.traffic.har import HarWriter, HttpExchange, read

__all__ = ["HarWriter", "HttpExchange", "read"]
