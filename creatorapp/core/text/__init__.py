"""How outside text is shown to people and to scripts, and failures put in words."""
