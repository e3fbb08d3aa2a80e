"""The vendor's error table: the code and message of each error, by its mnemonic.

The contract's, not the server's: the reference server answers with it, the OpenRPC export
lists it, and a contract's profile judges replies by it. The table is the vendor's list of
errors for create methods, in its Data API docs (https://callgear.github.io/data_api/).
"""

from __future__ import annotations

from typing import Final

ERRORS: Final[dict[str, tuple[int, str]]] = {
    "parse_error": (-32700, "Invalid JSON was received by the server"),
    "invalid_request": (-32600, "Invalid Request: the JSON sent is not a valid Request object"),
    "method_not_found": (-32601, "The method does not exist / is not available"),
    "required_parameter_missed": (-32602, "The required parameter has been missed"),
    "unexpected_parameters": (-32602, "Unexpected method parameter(s)"),
    "data_type_error": (-32602, "Data supplied is of wrong type"),
    "invalid_parameter_value": (-32602, "Invalid parameter value"),
    "entity_not_found": (-32602, "Entity not found"),
    "duplicate_entity": (-32602, "Entity already exists"),
    "internal_error": (-32603, "Internal error, contact the support service"),
    "access_token_invalid": (-32001, "Access token is invalid"),
    # the current revision's documents add these (the reference server answers none of them
    # but limit_exceeded, and that only when a test configures a limit)
    "auth_error": (-32001, "Authorization error"),
    "ip_not_whitelisted": (-32003, "The IP address is not whitelisted"),
    "forbidden": (-32003, "Access forbidden"),
    "method_component_disabled": (-32008, "The method's component is disabled"),
    "parameter_component_disabled": (-32008, "The parameter's component is disabled"),
    "account_inactive": (-32009, "The account is inactive"),
    "limit_exceeded": (-32029, "Limit exceeded"),
    "batch_operations_not_supported": (-32099, "Batch operations not supported"),
    "notifications_not_supported": (-32099, "Notifications not supported"),
}
"""Each error's mnemonic (``error.data.mnemonic``), with its code and message."""

__all__ = ["ERRORS"]
