"""The kinds of destination this version can ask, found by looking in the adapters package.

Every module there that defines an ``Adapter`` with a ``kind`` adds that kind: adding a kind of
destination is adding a file, and descriptors, the shells' flags and forms, the poll schedule
and what needs the creator all follow from the adapter's own declaration.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from collections.abc import Iterable, Iterator

from creatorapp.core.optouts.adapters.base import Adapter

PACKAGE = "creatorapp.core.optouts.adapters"


class AdapterKinds:
    """Adapter classes by kind."""

    def __init__(self, adapters: Iterable[type[Adapter]]) -> None:
        self._by_kind: dict[str, type[Adapter]] = {}
        for adapter in adapters:
            if adapter.kind in self._by_kind:
                raise ValueError(
                    f"two adapters of kind {adapter.kind!r}: "
                    f"{self._by_kind[adapter.kind].__module__} and {adapter.__module__}"
                )
            self._by_kind[adapter.kind] = adapter

    @classmethod
    def discover(cls, *packages: str) -> AdapterKinds:
        """Import every module of ``packages`` (the adapters package by default) and take the
        adapters each one defines."""
        found: list[type[Adapter]] = []
        for name in packages or (PACKAGE,):
            package = importlib.import_module(name)
            for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
                module = importlib.import_module(f"{name}.{info.name}")
                found += [
                    obj
                    for _, obj in inspect.getmembers(module, inspect.isclass)
                    if issubclass(obj, Adapter)
                    and obj.__module__ == module.__name__
                    and not inspect.isabstract(obj)
                    and "kind" in vars(obj)
                ]
        return cls(found)

    def get(self, kind: str) -> type[Adapter] | None:
        return self._by_kind.get(kind)

    def __contains__(self, kind: object) -> bool:
        return kind in self._by_kind

    def __iter__(self) -> Iterator[type[Adapter]]:
        return iter(self._by_kind.values())

    def names(self) -> list[str]:
        return sorted(self._by_kind)

    def submit_modes(self) -> set[str]:
        return {a.submit_mode for a in self}

    def status_modes(self) -> set[str]:
        return {a.status_mode for a in self}


@functools.cache
def installed() -> AdapterKinds:
    """The kinds shipped with this version."""
    return AdapterKinds.discover()
