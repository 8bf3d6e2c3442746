"""The domain: documents, the wire protocol, controls and results for any slide kind, through
the kinds registry. Pure functions, no I/O."""
