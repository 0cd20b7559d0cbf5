"""Decide which fields a file needs, and check afterwards that it got them and lost nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from creatorapp.core.media.base import FileProblem, Reason
from creatorapp.core.media.exiv2 import Metadata
from creatorapp.core.policy.signals import (
    SAME_VALUE_GROUPS,
    Family,
    Field,
    Mode,
    plain_text,
    same_value_elsewhere,
    validate_data_mining,
)

X_DEFAULT = 'lang="x-default"'


def _norm(value: object) -> object:
    if isinstance(value, dict):
        return (value.get(X_DEFAULT) or "").strip()
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    return str(value).strip() if value is not None else ""


def same(current: object, wanted: object) -> bool:
    return current is not None and _norm(current) == _norm(wanted)


def is_empty(value: object) -> bool:
    normalised = _norm(value)
    return not normalised or normalised == [""] * len(normalised)


def merged(current: object, wanted: object) -> object:
    """The value to write: a language alternative keeps its other languages."""
    if isinstance(wanted, dict) and isinstance(current, dict):
        return {**current, **wanted}
    return wanted


@dataclass
class Plan:
    changes: dict[Family, dict[str, object]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(self.changes.values())

    def keys(self) -> set[str]:
        return {k for family in self.changes.values() for k in family}

    def drop(self, family: Family, note: str) -> None:
        if self.changes.pop(family, None):
            self.notes.append(note)


def _everything(meta: Metadata) -> dict:
    return {**meta.xmp, **meta.exif, **meta.iptc}


def _theirs(meta: Metadata, earlier: dict[str, object]) -> dict:
    """The file's values that are not ours: every field, less those still holding what an
    earlier policy of ours wrote there.  In a group of places that hold one value, our
    earlier text is ours in every place of the group: exiv2 mirrors an XMP packet's notice
    into EXIF and IIM when it reads a sidecar, where only the XMP fields are planned."""
    found = _everything(meta)
    for key, value in earlier.items():
        if same(found.get(key), value):
            del found[key]
    for group in SAME_VALUE_GROUPS:
        ours = {plain_text(earlier[key]) for key in group if key in earlier}
        for key in group:
            if key in found and plain_text(found[key]) in ours:
                del found[key]
    return found


def plan(
    meta: Metadata,
    fields: Iterable[Field],
    families: frozenset[Family],
    *,
    force: bool = False,
    format_name: str = "this format",
) -> Plan:
    """The changes ``meta`` needs.  A FILL field is written where the file has no value, or
    where it holds what an earlier policy of ours wrote (``Field.earlier``); the value is then
    the photographer's own from a sibling place (:data:`SAME_VALUE_GROUPS`) when there is
    one, else ours, so that the places agree.  Any other value is theirs and is kept."""
    result = Plan()
    fields = tuple(fields)
    earlier = {f.key: f.earlier for f in fields if f.earlier is not None}
    theirs: dict | None = None
    for f in fields:
        if f.key == "Xmp.plus.DataMining":
            validate_data_mining(str(f.value))
        if f.family not in families:
            note = (
                f"{format_name} has no place for {f.family.value.upper()}; XMP carries the values"
            )
            if note not in result.notes:
                result.notes.append(note)
            continue
        current = meta.get(f.key)
        value = f.value
        if f.mode is Mode.OWN or force:
            needed = not same(current, f.value)
        elif is_empty(current) or same(current, earlier.get(f.key)):
            if theirs is None:
                theirs = _theirs(meta, earlier)
            # the file's own notice or creator in another place wins over ours
            value = same_value_elsewhere(f.key, theirs) or f.value
            needed = is_empty(current) or not same(current, value)
        else:
            needed = False
        if needed:
            result.changes.setdefault(f.family, {})[f.key] = merged(current, value)
    return result


# exiv2's XMP toolkit names a packet after its rdf:about and, when that name starts "uuid:",
# sets xmpMM:InstanceID to it on reading: invented where the packet has none, replaced where it
# has one.  A rewrite would write that value out as if the packet had said it.
# Exiv2 key -> its path as foreign_xmp lists the packet's properties.
SET_ON_READING = {"Xmp.xmpMM.InstanceID": ("http://ns.adobe.com/xap/1.0/mm/ InstanceID",)}


def as_held(changes: dict, xmp: dict, held: dict) -> dict:
    """``changes`` plus what puts back the packet's own value (``held``: its properties as a
    strict parser lists them) of each property exiv2 reports otherwise in ``xmp``: removed when
    the packet had none.  Reading the new packet sets the same value again (its about is kept),
    so the check that every other field reads back as before still holds."""
    edits = {
        key: held.get(path)
        for key, path in SET_ON_READING.items()
        if key not in changes and key in xmp and held.get(path) != xmp[key]
    }
    return {**changes, **edits}


def verify(before: Metadata, after: Metadata, planned: Plan, *, ignore: Iterable[str] = ()) -> None:
    """Every planned value reads back, and every other field is exactly as it was."""
    for family in planned.changes.values():
        for key, value in family.items():
            if not same(after.get(key), value):
                raise FileProblem(
                    f"check after writing failed: {key} did not read back", Reason.CHECK_FAILED
                )
    skip = planned.keys() | set(ignore)
    written = {k: v for family in planned.changes.values() for k, v in family.items()}
    for name in ("xmp", "exif", "iptc"):
        old, new = getattr(before, name), getattr(after, name)
        for key, value in old.items():
            if key in skip or new.get(key) == value:
                continue
            untouched = not planned.changes.get(Family(key.split(".", 1)[0]))
            if not (untouched and _mirror(key, value, new.get(key), before, written)):
                raise FileProblem(
                    f"check after writing failed: {key} would not have been kept; "
                    "the file was left as it was",
                    Reason.CHECK_FAILED,
                )


def _mirror(key: str, old: object, new: object, before: Metadata, written: dict) -> bool:
    """Whether ``key`` (of a family nothing was written to) only mirrors a place of its group
    that was written: it said what that place said before, and says what was written there
    now.  exiv2 reads an XMP sidecar's notice and creator into EXIF and IIM too, so rewriting
    them in a sidecar changes those readings with them."""
    for group in SAME_VALUE_GROUPS:
        if key not in group:
            continue
        for other in group:
            if other != key and other in written:
                was, now = plain_text(before.get(other)), plain_text(written[other])
                if was and plain_text(old) == was and plain_text(new) == now:
                    return True
    return False
