"""OmniTrack Realtime: a resilient realtime client for the OmniTrack copilot and event channels.

The public client surface is listed in ``__all__``; the server (``omnitrack_realtime.server``),
the engine and the terminal tools are separate packages behind extras.
"""

from .errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionFailed,
    MessageTooLarge,
    OmniTrackError,
    ProtocolError,
    QueueFull,
)

__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "ConnectionFailed",
    "MessageTooLarge",
    "OmniTrackError",
    "ProtocolError",
    "QueueFull",
    "__version__",
]
