"""Talking to Slack: the Web API client and the Block Kit builders."""
