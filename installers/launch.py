"""The frozen app's one entry script, behind both executables of the bundle.

``creator-reserve`` (windowed) and ``creatorapp`` (console) run the same code: with no arguments
either opens the window, with arguments either is the command line.  The two executables differ
only in whether Windows and macOS give them a console.
"""

import multiprocessing

# Tagging workers are started by forkserver (from the window) or spawn: in a frozen app they
# re-run this executable, and freeze_support turns that run into the worker.
multiprocessing.freeze_support()

from creatorapp.gui.app import main  # noqa: E402

raise SystemExit(main())
