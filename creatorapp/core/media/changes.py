"""Decide which fields a file needs, and check afterwards that it got them and lost nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from creatorapp.core.media.base import FileProblem, Reason
from creatorapp.core.media.exiv2 import Metadata
from creatorapp.core.policy.signals import (
    Family,
    Field,
    Mode,
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


def plan(
    meta: Metadata,
    fields: Iterable[Field],
    families: frozenset[Family],
    *,
    force: bool = False,
    format_name: str = "this format",
) -> Plan:
    result = Plan()
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
        if f.mode is Mode.OWN:
            needed = not same(current, f.value)
        else:
            needed = is_empty(current) or (force and not same(current, f.value))
        value = f.value
        if needed and not force and is_empty(current):
            # the file's own notice or creator in another place wins over ours
            value = same_value_elsewhere(f.key, _everything(meta)) or f.value
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
    for name in ("xmp", "exif", "iptc"):
        old, new = getattr(before, name), getattr(after, name)
        for key, value in old.items():
            if key not in skip and new.get(key) != value:
                raise FileProblem(
                    f"check after writing failed: {key} would not have been kept; "
                    "the file was left as it was",
                    Reason.CHECK_FAILED,
                )
