"""OpenRPC: the contract as an OpenRPC document, and the runner for any method a document
describes.

``export`` writes create.sites as an OpenRPC 1.3.2 document (light: the reference server
answers ``rpc.discover`` with it); ``document`` loads and dereferences any OpenRPC document
(JSON Schema draft-07, 2019-09 and 2020-12); ``generation`` makes cases for every method from
its content descriptors; ``runner`` sends them and checks the replies. This module imports
none of them, so that importing one costs only what it needs.
"""
