"""The supply-chain copilot engine: a rule-based copilot acting on an SQLite digital twin.

It plugs into the server through :mod:`omnitrack_realtime.seam` and imports nothing of the
client or the server. Importing this package is cheap; :func:`create_engine` builds one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..seam import CopilotEngine

__all__ = ["create_engine"]


def create_engine(db_path: str | Path, **options: Any) -> CopilotEngine:
    """Build the default copilot engine on the twin database at ``db_path``.

    Options: ``llm`` (True: use the model planner configured by ``OMNITRACK_LLM_URL``,
    ``OMNITRACK_LLM_MODEL``, ``OMNITRACK_LLM_API_KEY``, ``OMNITRACK_LLM_TIMEOUT``, see
    :mod:`.llm`; False: never; default: when ``OMNITRACK_LLM_URL`` is set), and whatever
    :class:`~.copilot.SupplyChainEngine` takes (``parser``, ``planner``, ``classifier``, ``clock``).
    """
    from .copilot import SupplyChainEngine  # lazy: the package import stays cheap

    use_llm = options.pop("llm", None)
    if use_llm is not False and "classifier" not in options and "planner" not in options:
        from .llm import LLMPlanner

        planner = LLMPlanner.from_env()
        if planner is None and use_llm:
            from ..errors import ConfigurationError

            raise ConfigurationError("llm=True needs OMNITRACK_LLM_URL to be set")
        options["planner"] = planner
    return SupplyChainEngine(db_path, **options)
