"""A JSON-RPC-aware HTTP proxy that checks live traffic against a contract (``conformance
proxy``): every exchange forwarded unchanged, and both sides judged, the client's requests
against JSON-RPC 2.0 and the params schemas, the server's replies against the reply checks of
a fuzz run.

- ``server``: the forwarding HTTP server (``ProxyServer``, ``Upstream``, ``Observed``);
- ``reports``: each exchange judged off the reply's path, each violation printed as it happens
  (``Recorder``);
- ``recording``: every exchange written to a HAR 1.2 file (``--record``), secrets masked.

What traffic is judged against, the judging of one exchange and the reports at the end are
``conformance.traffic``'s (``contracts``, ``judging``, ``tally``, ``reports``), shared with
``conformance validate --traffic``; they are exported here too.

The API, for a proxy inside a program (the pytest plugin's ``--target-proxy``)::

    from conformance.proxy import proxy_for
    with proxy_for("http://127.0.0.1:8080/", stream=sys.stderr) as (url, recorder):
        ...  # point the client at url
    recorder.tally.count  # the violations seen
"""

from conformance.proxy.reports import Recorder
from conformance.proxy.running import proxy_for
from conformance.proxy.server import Observed, ProxyServer, Upstream
from conformance.traffic.contracts import BundledTraffic, DocumentTraffic, TrafficContract
from conformance.traffic.judging import Finding, judge
from conformance.traffic.tally import Tally

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
