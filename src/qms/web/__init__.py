"""The web workspace (`qms serve`): a server-rendered ASGI application over the same register, check runs and library as the CLI."""
