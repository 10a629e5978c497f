"""The full-screen chat UI (Textual). Import :mod:`omnitrack_realtime.tui.app` for the app;
this package itself imports nothing heavy so pure helpers (:mod:`.view`) load without Textual."""
