"""The supply-chain copilot engine: a rule-based copilot acting on an SQLite digital twin.

It plugs into the server through :mod:`omnitrack_realtime.seam` and imports nothing of the
client or the server. Importing this package is cheap; :func:`create_engine` builds one.
"""
