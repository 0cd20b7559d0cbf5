"""Opt-out destinations: descriptors (data), adapters (one module per kind, each declaring its
settings and capabilities), and the outbox over its parts: destinations, sender, poller and the
creator's answers, with one queue per destination."""
