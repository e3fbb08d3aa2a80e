"""Generation: what to send, derived from the schemas alone.

``schema_tree`` inlines the schemas into plain trees; ``strategies`` and ``patterns`` draw
values with hypothesis; ``zones`` says which values every checker of the panel accepts or
refuses; ``cases`` builds the deterministic families (boundary, invalid, protocol, references,
duplicates). Nothing here sends a request: that is ``conformance.engine``'s job.
"""
