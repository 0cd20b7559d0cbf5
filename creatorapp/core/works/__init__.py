"""Portfolio folders, scanning, the one tagging service, the watcher and undo."""
