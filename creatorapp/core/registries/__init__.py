"""Opt-out destinations: capability descriptors (data), adapters (one module per kind), the
outbox and the polling scheduler."""
