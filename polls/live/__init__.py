"""Live rooms: the hub of actions, rooms and their peers, the one write path, events between
workers, and the WebSocket protocol given to uvicorn."""
