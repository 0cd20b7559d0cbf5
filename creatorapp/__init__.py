"""Creator Reserve: say "not for AI training" in every place where it counts, and keep proof."""

__version__ = "0.1.0"
APP_TITLE = "Creator Reserve"
