"""Block Kit: cards, review and digest messages, packing, mrkdwn and Slack's limits."""
