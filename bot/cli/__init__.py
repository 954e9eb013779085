"""The `newsdesk` command line: `bot.cli.main.main` is the entry point."""
