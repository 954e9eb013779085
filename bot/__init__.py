"""Newsdesk: curated articles, reviewed and shared in Slack."""

__version__ = "0.1.0"
