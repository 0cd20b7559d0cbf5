"""What other programs changed in the catalogue while the window is open.

A ``creatorapp tag`` in a terminal, a ``creatorapp watch`` or a script's ``optout submit`` write
to the same catalogue as the window.  The window asks the store once a second whether another
process committed anything (:meth:`Store.change_token`: SQLite's ``data_version``, which costs
no disk read and never moves for the window's own writes, whose jobs already say what they
changed).  When it moved, the ledger events written since the last look say which parts changed,
and ``changed`` carries them, the same ``frozenset`` of :class:`Part` the window's own jobs emit,
so the same views refresh.  A commit that wrote no event (a scan noting a file's new size,
opt-out drafts) refreshes every view but the ledger's.

The check never waits: while a batch of the window holds the catalogue, it is skipped until the
next tick.
"""

from __future__ import annotations

from creatorapp.core.catalogue import Store
from creatorapp.gui.operations import Part
from creatorapp.gui.qt import QObject, QtCore, Signal

EVERY_MS = 1000
# the first word of a ledger event's kind -> the views it changes (every event: the ledger's)
PARTS_BY_KIND: dict[str, frozenset[Part]] = {
    "work": frozenset({Part.WORKS}),
    "folder": frozenset({Part.WORKS}),
    "credentials": frozenset({Part.WORKS}),
    "site": frozenset({Part.SITES}),
    "optout": frozenset({Part.OPTOUTS}),
}
WITHOUT_EVENTS = frozenset({Part.WORKS, Part.SITES, Part.OPTOUTS})


def parts_of(kinds: set[str]) -> frozenset[Part]:
    """The views ledger events of these kinds change."""
    parts: set[Part] = {Part.ACTIVITY} if kinds else set()
    for kind in kinds:
        parts |= PARTS_BY_KIND.get(kind.split(".", 1)[0], WITHOUT_EVENTS)
    return frozenset(parts)


class OutsideChanges(QObject):
    changed = Signal(object)  # a frozenset of Part, as Operations.changed

    def __init__(self, store: Store, parent: QObject | None = None, *, every_ms: int = EVERY_MS):
        super().__init__(parent)
        self.store = store
        self._token = store.change_token()
        last = store.last_event()
        self._seq = last.seq if last is not None else 0
        self.timer = QtCore.QTimer(self, interval=every_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()  # a store that cannot tell (token always None) costs a call a second

    def stop(self) -> None:
        self.timer.stop()

    def check(self) -> frozenset[Part]:
        """Look once; emit and return the parts another process changed since the last look
        (empty when nothing changed, or when it cannot be asked now)."""
        token = self.store.change_token()
        if token is None or token == self._token:
            return frozenset()
        self._token = token
        self._seq, kinds = self.store.kinds_since(self._seq)
        parts = parts_of(set(kinds)) if kinds else WITHOUT_EVENTS
        self.changed.emit(parts)
        return parts
