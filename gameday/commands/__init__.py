"""One module per CLI command; each returns what the CLI turns into an exit code."""
