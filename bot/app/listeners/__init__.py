"""Bolt listeners, one module per kind of Slack request.

Each module exposes `register(app, deps)`, which attaches its handlers to a Bolt App,
and declares what it answers (`COMMANDS`, `EVENTS`, `SHORTCUTS`) so `manifest.yaml` can be checked
against the code. Nothing registers itself at import time: `bot.app.app.create_app` calls them.
"""
