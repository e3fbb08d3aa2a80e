"""A JSON-RPC-aware HTTP proxy that checks live traffic against a contract (``conformance
proxy``): every exchange forwarded unchanged, and both sides judged, the client's requests
against JSON-RPC 2.0 and the params schemas, the server's replies against the reply checks of
a fuzz run.

- ``server``: the forwarding HTTP server (``ProxyServer``, ``Upstream``, ``Observed``);
- ``contracts``: what traffic is judged against (the bundled create.sites contract, or an
  OpenRPC document) and the client's rules;
- ``judging``: one exchange judged (``judge``: ``Finding``\\ s, each the client's or the
  server's);
- ``reports``: each violation as it happens, and the session's reports at the end.

The API, for a proxy inside a program (the pytest plugin's ``--target-proxy``)::

    from conformance.proxy import proxy_for
    with proxy_for("http://127.0.0.1:8080/", stream=sys.stderr) as (url, recorder):
        ...  # point the client at url
    recorder.tally.count  # the violations seen
"""

from conformance.proxy.contracts import BundledTraffic, DocumentTraffic, TrafficContract
from conformance.proxy.judging import Finding, judge
from conformance.proxy.reports import Recorder, Tally
from conformance.proxy.running import proxy_for
from conformance.proxy.server import Observed, ProxyServer, Upstream

__all__ = [
    "BundledTraffic",
    "DocumentTraffic",
    "Finding",
    "Observed",
    "ProxyServer",
    "Recorder",
    "Tally",
    "TrafficContract",
    "Upstream",
    "judge",
    "proxy_for",
]
