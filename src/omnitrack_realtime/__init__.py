"""OmniTrack Realtime: a resilient realtime client for the OmniTrack copilot and event channels.

The public client surface is listed in ``__all__``; the server (``omnitrack_realtime.server``),
the engine and the terminal tools are separate packages behind extras.
"""

from .client.backoff import ReconnectPolicy
from .client.conversation import ChatMessage
from .client.copilot import CopilotClient
from .client.events import EventClient
from .client.state import ConnectionState
from .client.uploads import UploadProgress
from .errors import (
    AttachmentError,
    AuthenticationError,
    ConfigurationError,
    ConnectionFailed,
    MessageTooLarge,
    OmniTrackError,
    ProtocolError,
    QueueFull,
    StoreError,
)
from .protocol import Event

__version__ = "0.1.0"

__all__ = [
    "AttachmentError",
    "AuthenticationError",
    "ChatMessage",
    "ConfigurationError",
    "ConnectionFailed",
    "ConnectionState",
    "CopilotClient",
    "Event",
    "EventClient",
    "MessageTooLarge",
    "OmniTrackError",
    "ProtocolError",
    "QueueFull",
    "ReconnectPolicy",
    "StoreError",
    "UploadProgress",
    "__version__",
]
