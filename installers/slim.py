"""Leave out the parts of Qt a desktop app never loads, and the libraries only they needed.

PyInstaller's Qt hooks collect every plugin of each type a module may use: embedded-device
platforms (eglfs, linuxfb, vnc), input drivers for kiosks (evdev), the GTK 3 theme (which drags
in GTK's cairo, pango and friends from the build machine), and Qt's own translations (the app is
in English, so translated Qt dialogs would only mix languages).  Dropping them takes a few dozen
megabytes off the bundle without touching anything the app uses.
"""

from __future__ import annotations

import os
from pathlib import PurePath

# plugin folder -> plugin file name fragments to drop ("*": the whole folder)
UNUSED_PLUGINS: dict[str, tuple[str, ...]] = {
    "platforms": ("eglfs", "linuxfb", "minimal", "vnc", "vkkhrdisplay", "direct2d"),
    "egldeviceintegrations": ("*",),
    "generic": ("*",),
    "platformthemes": ("gtk3",),
}


# botocore ships the API model of every AWS service (about 28 MB); the app talks to S3 alone.
BOTOCORE_SERVICES = frozenset({"s3"})


def _unused_botocore(parts: tuple[str, ...]) -> bool:
    """A service model under botocore/data that is not S3's (the files directly in
    botocore/data, such as endpoints.json and partitions.json, are kept)."""
    if "botocore" not in parts:
        return False
    at = parts.index("botocore")
    if parts[at + 1 : at + 2] != ("data",) or len(parts) <= at + 3:
        return False
    return parts[at + 2] not in BOTOCORE_SERVICES


# Pillow decodes the pixels of a work (content codes); its AVIF codec (about 5 MB with
# libavif), font rendering (FreeType, HarfBuzz) and Tk bridge are never used
UNUSED_EXTENSIONS: dict[str, tuple[str, ...]] = {"PIL": ("_avif.", "_imagingft.", "_imagingtk.")}


def _unused_extension(parts: tuple[str, ...]) -> bool:
    return len(parts) >= 2 and any(
        parts[-2] == package and parts[-1].startswith(names)
        for package, names in UNUSED_EXTENSIONS.items()
    )


def _unused(dest: str) -> bool:
    parts = PurePath(dest).parts
    if _unused_botocore(parts) or _unused_extension(parts):
        return True
    if "translations" in parts and "Qt" in parts:
        return True
    if "plugins" not in parts:
        return False
    folder = parts[parts.index("plugins") + 1] if parts[-1] != "plugins" else ""
    drop = UNUSED_PLUGINS.get(folder, ())
    return "*" in drop or any(fragment in parts[-1] for fragment in drop)


def _needed(path: str) -> set[str]:
    """The file names a binary links against (DT_NEEDED, import table, load commands)."""
    from PyInstaller.depend import bindepend

    try:
        return {os.path.basename(name) for name, _ in bindepend.get_imports(path)}
    except Exception:  # not a binary PyInstaller can read: it needs nothing we track
        return set()


def _closure(entries, by_name: dict[str, tuple]) -> set[str]:
    seen: set[str] = set()
    todo = [entry[1] for entry in entries]
    while todo:
        for name in _needed(todo.pop()):
            if name in by_name and name not in seen:
                seen.add(name)
                todo.append(by_name[name][1])
    return seen


def qt_for_desktop(binaries, datas):
    """``(binaries, datas)`` without the unused Qt parts and the libraries only they linked."""
    removed = [e for e in binaries if _unused(e[0])]
    kept = [e for e in binaries if not _unused(e[0])]
    # libraries that sit at the top of the bundle, collected because something linked them
    by_name = {os.path.basename(e[0]): e for e in kept if e[2] == "BINARY"}
    only_theirs = _closure(removed, by_name)
    roots = [e for e in kept if os.path.basename(e[0]) not in only_theirs]
    still_needed = _closure(roots, by_name)
    orphans = only_theirs - still_needed
    binaries = [e for e in kept if os.path.basename(e[0]) not in orphans]
    datas = [e for e in datas if not _unused(e[0])]
    print(
        f"slim: left out {len(removed)} unused plugins and modules and {len(orphans)} "
        "libraries only they used" + (f" ({', '.join(sorted(orphans))})" if orphans else "")
    )
    return binaries, datas
