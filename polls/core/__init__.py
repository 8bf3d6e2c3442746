"""The core: the domain's types and pure helpers that know no slide kind and do no I/O."""
