"""OpenRPC: any OpenRPC document as a contract the engine runs, and create.sites exported as
one.

``document`` loads and dereferences any OpenRPC document (JSON Schema draft-07, 2019-09 and
2020-12, sibling files, true cycles); ``generation`` makes cases for every method from its
content descriptors; ``contract`` is the document as a ``Contract`` (JSON-RPC 2.0's profile, or
the vendor's where its ``x-`` extensions say so), run by ``conformance.engine``; ``export``
writes create.sites as an OpenRPC 1.3.2 document (light: the reference server answers
``rpc.discover`` with it); ``discovery`` asks a target for its own. This module imports none of
them, so that importing one costs only what it needs.
"""
