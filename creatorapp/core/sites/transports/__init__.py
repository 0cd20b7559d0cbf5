"""Transports: how site files reach the creator's server.  One module per kind."""
