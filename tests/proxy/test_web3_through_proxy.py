"""A real client through the proxy to a real server: web3.py (PyPI) drives a session of an
Ethereum wallet and a dapp (balances, a transfer, a contract deployed, called and its event
read by a filter and by eth_getLogs, a batch, a mistaken sender) through ``conformance proxy``
to ganache 7.9.2 (npm), judged by the Ethereum execution API's document.

web3.py's session succeeds through the proxy (it forwards unchanged), and every violation the
proxy reports belongs to a root cause docs/ganache.md explains ("web3.py through the proxy"),
each the fault of ganache, of web3.py or of the document; each cause the session triggers is
seen. A violation outside them fails the test: a new defect, or a false alarm of the kit."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from helpers.ganache import serve_ganache
from helpers.proxy_process import start_proxy, stop_proxy

from conformance.openrpc.document import load
from conformance.openrpc.generation import violations_of

ETHEREUM = (
    Path(__file__).resolve().parents[1] / "openrpc" / "documents" / "ethereum" / "openrpc.json"
)

#: A contract written in EVM bytecode by hand (no compiler needed): any call emits the event
#: ``Pinged()`` (LOG1 with its topic) and returns the word 42.
ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "ping",
        "inputs": [],
        "outputs": [{"name": "", "type": "uint256"}],
        "stateMutability": "nonpayable",
    },
    {"type": "event", "name": "Pinged", "inputs": [], "anonymous": False},
]


def _web3() -> ModuleType:
    """web3, imported where the test runs, with Python's recursion limit kept as it was.

    Importing web3 imports py_ecc, whose ``__init__`` raises the process's recursion limit to
    100,000: imported when this module is collected, it left every later test of the worker
    with that limit, and a JSON body nested 100,000 deep then overflowed the C stack (a
    segfault in ``json.loads``) where it should raise RecursionError.
    """
    limit = sys.getrecursionlimit()
    try:
        import web3
        import web3.exceptions
    finally:
        sys.setrecursionlimit(limit)
    return web3


def _pinger_bytecode() -> str:
    Web3 = _web3().Web3
    topic = Web3.keccak(text="Pinged()").hex().removeprefix("0x")
    # PUSH32 topic, PUSH1 0 (size), PUSH1 0 (offset), LOG1; then MSTORE 42 at 0, RETURN 32 bytes
    runtime = f"7f{topic}60006000a1602a60005260206000f3"
    # the constructor copies the 48 bytes of runtime (after its own 12) and returns them
    return f"0x6030600c60003960306000f3{runtime}"


ETHER = 10**18
#: an account ganache holds no key for
STRANGER = "0x" + "11" * 20


def _session(url: str) -> None:
    """What a wallet and a dapp do with web3.py, each result checked as web3.py hands it over."""
    web3 = _web3()
    Web3, Web3RPCError = web3.Web3, web3.exceptions.Web3RPCError
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 10}))
    assert w3.is_connected()  # web3_clientVersion
    assert w3.eth.chain_id == 1337
    assert w3.eth.block_number == 0
    sender, receiver = w3.eth.accounts[:2]
    before = w3.eth.get_balance(sender), w3.eth.get_balance(receiver)
    assert w3.eth.get_block("latest")["number"] == 0
    assert w3.eth.gas_price > 0 and w3.eth.max_priority_fee > 0
    assert len(w3.eth.fee_history(1, "latest", [50])["baseFeePerGas"]) == 2
    assert w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest"}) == []  # no event yet

    # a transfer between two of ganache's unlocked accounts: gas and fees filled by web3.py
    transfer = {"from": sender, "to": receiver, "value": ETHER}
    assert w3.eth.estimate_gas(transfer) == 21000
    sent = w3.eth.send_transaction(transfer)
    receipt = w3.eth.wait_for_transaction_receipt(sent, timeout=10)
    assert receipt["status"] == 1
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert w3.eth.get_balance(receiver) == before[1] + ETHER
    assert w3.eth.get_balance(sender) == before[0] - ETHER - fee
    assert w3.eth.get_transaction(sent)["value"] == ETHER
    block = w3.eth.get_block(receipt["blockNumber"], full_transactions=True)
    assert [tx["hash"] for tx in block["transactions"]] == [sent]
    assert w3.eth.get_transaction_count(sender) == 1

    # a contract: deployed, called, transacted; its event read by a filter and by eth_getLogs
    deployed = (
        w3.eth.contract(abi=ABI, bytecode=_pinger_bytecode())
        .constructor()
        .transact({"from": sender})
    )
    address = w3.eth.wait_for_transaction_receipt(deployed, timeout=10)["contractAddress"]
    assert address is not None and len(w3.eth.get_code(address)) == 48
    pinger = w3.eth.contract(address=address, abi=ABI)
    assert pinger.functions.ping().call({"from": sender}) == 42
    events = pinger.events.Pinged.create_filter(from_block="latest")
    assert events.get_new_entries() == []
    pinged = pinger.functions.ping().transact({"from": sender})
    assert len(w3.eth.wait_for_transaction_receipt(pinged, timeout=10)["logs"]) == 1
    assert [e["transactionHash"] for e in events.get_new_entries()] == [pinged]
    assert len(events.get_all_entries()) == 1
    assert len(pinger.events.Pinged.get_logs(from_block=0)) == 1
    assert w3.eth.uninstall_filter(events.filter_id)

    # a batch (one HTTP request, its replies paired by id)
    with w3.batch_requests() as batch:
        batch.add(w3.eth.get_balance(receiver))
        batch.add(w3.eth.get_transaction_receipt(pinged))
        balance, ping_receipt = batch.execute()
    assert balance == before[1] + ETHER and ping_receipt["status"] == 1

    # a mistake: a transfer from an account the node holds no key for
    with pytest.raises(Web3RPCError, match="sender account not recognized"):
        w3.eth.send_transaction({"from": STRANGER, "to": receiver, "value": 1})


#: the methods whose result the document's FilterResults schema (a oneOf of two arrays) is
_FILTER_RESULTS = {"eth_getLogs", "eth_getFilterChanges", "eth_getFilterLogs"}
#: the methods whose result holds TransactionInfo objects, with blockTimestamp required
_TRANSACTION_INFO = {
    "eth_getTransactionByHash",
    "eth_getTransactionByBlockHashAndIndex",
    "eth_getTransactionByBlockNumberAndIndex",
    "eth_getBlockByHash",
    "eth_getBlockByNumber",
}
#: methods every Ethereum node serves that the document does not describe
_OUTSIDE_DOCUMENT = {"web3_clientVersion"}


def _with_block_timestamps(method: str, result: Any) -> Any | None:
    """``result`` with the ``blockTimestamp`` ganache leaves out put in each transaction
    object; ``None`` where no transaction object lacks it."""
    patched = copy.deepcopy(result)
    if method.startswith("eth_getBlockBy"):
        objects = [t for t in patched.get("transactions", []) if isinstance(t, dict)]
        stamp = patched.get("timestamp")
    else:
        objects, stamp = [patched], "0x1"
    lacking = [t for t in objects if "blockTimestamp" not in t]
    for transaction in lacking:
        transaction["blockTimestamp"] = stamp
    return patched if lacking else None


def _is_data_for_input(violation: dict[str, Any]) -> bool:
    """web3.py's call data sent as ``data``, which the document's GenericTransaction lacks."""
    found = violation["side"], violation["rule"], violation["field"], violation["keyword"]
    return found == ("client", "request-params", "params.Transaction.data", "additionalProperties")


def root_cause(
    violation: dict[str, Any], result_schemas: dict[str, Any], data_sent: set[int]
) -> str | None:
    """The root cause docs/ganache.md gives a violation of the session, or None
    (``data_sent``: the exchanges whose request sent ``data``)."""
    side, rule, method = violation["side"], violation["rule"], violation["method"]
    request = json.loads(violation["request"])
    reply = json.loads(violation["reply"]["body"])
    if not isinstance(request, dict) or not isinstance(reply, dict):
        return None  # no finding of the session is in a batch
    if side == "client":
        if _is_data_for_input(violation):
            return "data-for-input"
        outside = rule == "request-method" and request.get("method") in _OUTSIDE_DOCUMENT
        return "method-outside-document" if outside else None
    if rule == "expected-outcome":
        if violation["message"] == "a request the contract refuses was answered with a result":
            return "params-unchecked" if violation["exchange"] in data_sent else None
        error = reply.get("error")
        return "error-code-32700" if error and error.get("code") == -32700 else None
    if rule != "result-schema":
        return None
    result = reply.get("result")
    if result == [] and method in _FILTER_RESULTS:
        return "document-oneof-overlap"
    if method in _TRANSACTION_INFO and isinstance(result, dict):
        patched = _with_block_timestamps(method, result)
        if patched is not None and not violations_of(result_schemas[method], patched):
            return "no-block-timestamp"
    return None


@pytest.mark.slow
def test_web3_through_the_proxy_to_ganache(tmp_path: Path) -> None:
    report = tmp_path / "proxy.json"
    with serve_ganache(guard_null=False) as upstream:  # web3.py never sends a null body
        process, url = start_proxy(
            "--upstream", upstream, "--openrpc", str(ETHEREUM), "--json", str(report)
        )
        try:
            _session(url)
        finally:
            stopped = stop_proxy(process)
    assert stopped.code == 1, stopped.err
    judged = json.loads(report.read_text(encoding="utf-8"))
    assert judged["violations_not_kept"] == 0
    document = load(ETHEREUM)
    schemas = {m.name: m.result.schema for m in document.methods if m.result is not None}
    data_sent = {v["exchange"] for v in judged["violations"] if _is_data_for_input(v)}
    causes: dict[str | None, list[str]] = {}
    for violation in judged["violations"]:
        described = f"{violation['side']} {violation['rule']} {violation['method']}"
        causes.setdefault(root_cause(violation, schemas, data_sent), []).append(described)
    assert None not in causes, causes[None]
    assert set(causes) == {
        "method-outside-document",
        "data-for-input",
        "params-unchecked",
        "no-block-timestamp",
        "document-oneof-overlap",
        "error-code-32700",
    }
    # each request web3.py sent with `data` (the deployment's and the ping's estimate and send,
    # the call: 5 with web3.py 8.0) ganache served: a finding on each side, paired by exchange
    assert len(causes["data-for-input"]) == len(causes["params-unchecked"]) >= 3
