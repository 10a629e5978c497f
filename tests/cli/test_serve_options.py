"""`omnitrack serve`'s abuse options: the Redis secret (flag or environment) and the extra
publishable event types."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitrack_realtime.cli.main import build_parser
from omnitrack_realtime.cli.serve import server_config
from omnitrack_realtime.errors import ConfigurationError
from omnitrack_realtime.server import ServerConfig
from omnitrack_realtime.server.auth import AuthConfig

AUTH = AuthConfig(secret="x" * 40)
SECRET = "redis-secret-0123456789abcdef"


def _config(*argv: str, environ: dict[str, str] | None = None) -> ServerConfig:
    args = build_parser().parse_args(["serve", *argv])
    config: ServerConfig = server_config(args, AUTH, environ or {})
    return config


def test_the_redis_secret_comes_from_the_flag_else_the_environment() -> None:
    env = {"OMNITRACK_REDIS_SECRET": "from-the-environment-0123"}
    assert _config("--redis-secret", SECRET, environ=env).redis_secret == SECRET
    assert _config(environ=env).redis_secret == "from-the-environment-0123"
    assert _config().redis_secret is None
    assert SECRET not in repr(_config("--redis-secret", SECRET))


def test_event_types_are_registered_and_reserved_ones_refused() -> None:
    config = _config("--event-type", "shipment_eta", "--event-type", "dock.door:open")
    registry = config.event_registry
    assert registry.refusal("shipment_eta") is None
    assert registry.refusal("dock.door:open") is None
    assert registry.refusal("alert_notification") is None
    with pytest.raises(ConfigurationError, match="reserved"):
        _config("--event-type", "error")


def test_no_console_serves_only_the_sockets() -> None:
    assert _config().console is True
    assert _config("--no-console").console is False


def test_the_database_is_the_flag_else_omnitrack_db_else_a_local_file() -> None:
    url = "postgresql://omnitrack:hunter2secret@db.internal:5432/omnitrack"
    env = {"OMNITRACK_DB": url}
    assert _config(environ=env).db_path == url  # a URL stays a URL (not a Path)
    assert _config("--db", "/srv/t.db", environ=env).db_path == Path("/srv/t.db")
    assert _config().db_path == Path("omnitrack.db")
    assert _config("--db", ":memory:").db_path is None
    assert "hunter2secret" not in repr(_config(environ=env))
