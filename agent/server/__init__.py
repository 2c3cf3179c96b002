"""``coach serve``: the HTTP API, the web chat page and the operator pages.

``create_app`` builds the FastAPI application; ``agent.cli.serve`` runs it with uvicorn.
"""

from __future__ import annotations

from agent.server.app import create_app
from agent.server.state import ServerSettings

__all__ = ["ServerSettings", "create_app"]
