"""The web layer: the Starlette application, its pages, JSON API, sockets and access checks;
the only layer that speaks HTTP."""
