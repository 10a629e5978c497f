"""Where ``chat`` and ``listen`` get their settings: flags, then OMNITRACK_*, then the seed's
NEXT_PUBLIC_*, then the local defaults; the events url follows the copilot url's server."""

from __future__ import annotations

from argparse import Namespace

import pytest

from omnitrack_realtime.cli.options import connection_options, sibling_url
from omnitrack_realtime.errors import ConfigurationError


def chat_args(**flags: str | None) -> Namespace:
    values: dict[str, str | None] = {"url": None, "events_url": None, "user": None, "token": None}
    values.update(flags)
    return Namespace(**values)


def test_defaults() -> None:
    options = connection_options(chat_args(), environ={})
    assert options.copilot_url == "ws://localhost:3001/copilot"
    assert options.events_url == "ws://localhost:3001/ws"
    assert options.user_id is None and options.token is None


def test_flags_win_and_the_events_url_follows_the_flag() -> None:
    environ = {"OMNITRACK_COPILOT_WS_URL": "ws://env/copilot", "OMNITRACK_WS_URL": "ws://env/ws"}
    options = connection_options(
        chat_args(url="wss://h:9/copilot?x=1", user="u", token="t"), environ=environ
    )
    assert options.copilot_url == "wss://h:9/copilot?x=1"
    assert options.events_url == "wss://h:9/ws"
    assert (options.user_id, options.token) == ("u", "t")
    explicit = connection_options(chat_args(url="ws://a/copilot", events_url="ws://b/ws"))
    assert explicit.events_url == "ws://b/ws"


def test_omnitrack_names_win_over_the_seeds() -> None:
    environ = {
        "OMNITRACK_COPILOT_WS_URL": "ws://ours/copilot",
        "NEXT_PUBLIC_COPILOT_WS_URL": "ws://seed/copilot",
        "NEXT_PUBLIC_WS_URL": "ws://seed/ws",
        "OMNITRACK_TOKEN": "tok",
        "OMNITRACK_USER": "alice",
    }
    options = connection_options(chat_args(), environ=environ)
    assert options.copilot_url == "ws://ours/copilot"
    assert options.events_url == "ws://seed/ws"
    assert (options.user_id, options.token) == ("alice", "tok")


def test_seed_names_alone_work() -> None:
    environ = {"NEXT_PUBLIC_COPILOT_WS_URL": "ws://seed:1/copilot"}
    options = connection_options(chat_args(), environ=environ)
    assert options.copilot_url == "ws://seed:1/copilot"
    assert options.events_url == "ws://seed:1/ws"


def test_listen_uses_the_events_settings() -> None:
    args = Namespace(url=None, user=None, token=None)
    options = connection_options(args, events=True, environ={"OMNITRACK_WS_URL": "ws://e:2/ws"})
    assert options.events_url == "ws://e:2/ws"
    flagged = connection_options(Namespace(url="ws://f/ws", user=None, token=None), events=True)
    assert flagged.events_url == "ws://f/ws"


def test_not_a_websocket_url() -> None:
    with pytest.raises(ConfigurationError, match="is not a WebSocket url"):
        connection_options(chat_args(url="localhost:3001"), environ={})


def test_the_token_is_never_in_the_repr() -> None:
    options = connection_options(chat_args(url="ws://h/copilot?token=secret", token="jwt"))
    assert "secret" not in repr(options) and "jwt" not in repr(options)


def test_sibling_url() -> None:
    assert sibling_url("wss://u:p@h:1/copilot?token=x#f", "/ws") == "wss://u:p@h:1/ws"


def test_several_servers_repeated_or_comma_separated() -> None:
    options = connection_options(
        chat_args(url=["ws://a/copilot,ws://b/copilot", "ws://c/copilot"]), environ={}
    )
    assert options.copilot_urls == ["ws://a/copilot", "ws://b/copilot", "ws://c/copilot"]
    assert options.copilot_url == "ws://a/copilot"
    assert options.events_urls == ["ws://a/ws", "ws://b/ws", "ws://c/ws"]
    listen = connection_options(chat_args(url=["ws://a/ws", "ws://b/ws"]), events=True, environ={})
    assert listen.events_urls == ["ws://a/ws", "ws://b/ws"]
    environ = {"OMNITRACK_COPILOT_WS_URL": "ws://a/copilot, ws://b/copilot"}
    from_env = connection_options(chat_args(), environ=environ)
    assert from_env.copilot_urls == ["ws://a/copilot", "ws://b/copilot"]
    assert from_env.events_urls == ["ws://a/ws", "ws://b/ws"]


def test_every_server_of_a_list_is_checked() -> None:
    with pytest.raises(ConfigurationError, match="not a WebSocket url"):
        connection_options(chat_args(url=["ws://a/copilot", "http://b/copilot"]), environ={})
    with pytest.raises(ConfigurationError, match="events endpoint"):
        connection_options(chat_args(url=["ws://a/copilot", "ws://b/ws"]), environ={})
