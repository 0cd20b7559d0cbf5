"""One module per way of asking a destination (its descriptor's ``submit_mode``)."""
