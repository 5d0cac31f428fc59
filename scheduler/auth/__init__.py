"""Authentication helpers shared by the web layer and the CLI."""
