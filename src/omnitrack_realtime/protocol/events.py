"""Messages of the ``/ws`` event channel (see docs/protocol.md).

Server to client every frame is one envelope, :class:`Event`; client to server, one of the
``*Action`` structs tagged by ``action``.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .copilot import PingAction, Timestamp

__all__ = [
    "DEFAULT_CHANNELS",
    "KNOWN_EVENT_TYPES",
    "Event",
    "EventAction",
    "PingAction",
    "PublishAction",
    "SubscribeAction",
    "UnsubscribeAction",
]

KNOWN_EVENT_TYPES = (
    "digital_twin_update",
    "alert_notification",
    "scenario_progress",
    "agent_status",
)
#: What a new ``/ws`` connection receives until it subscribes to something else.
DEFAULT_CHANNELS = ("digital_twin_update", "alert_notification")


class Event(msgspec.Struct, omit_defaults=True, kw_only=True):
    """One ``/ws`` frame: ``{"type", "data", "timestamp", "id"?, "seq"?}``.

    ``timestamp`` is ISO-8601 on our server; other producers may send epoch numbers.
    Replies to actions (``subscribed``, ``unsubscribed``, ``pong``, ``error``) use it too.
    """

    type: str
    data: Any = None
    timestamp: Timestamp = None
    id: str | None = None
    seq: int | None = None


class _EventActionBase(
    msgspec.Struct, tag_field="action", rename="camel", omit_defaults=True, kw_only=True
):
    pass


class SubscribeAction(_EventActionBase, tag="subscribe"):
    channels: list[str]
    after_seq: int | None = None
    #: The epoch ``after_seq`` belongs to (from the ``subscribed`` reply); extension.
    epoch: str | None = None


class UnsubscribeAction(_EventActionBase, tag="unsubscribe"):
    channels: list[str]


class PublishAction(_EventActionBase, tag="publish"):
    event_type: str
    data: Any = None
    user_id: str | None = None


EventAction = SubscribeAction | UnsubscribeAction | PublishAction | PingAction
