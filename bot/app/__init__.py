"""The Bolt surface: the app factory, the HTTP server, listeners and App Home."""
