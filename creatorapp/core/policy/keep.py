"""A policy given as a file: kept among the user's policies, so that what names it (a site, a
portfolio folder) finds it again after the file has moved on."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from creatorapp.core.policy import PRESETS, Policy, PolicyError, policies_dir, resolve_policy


def keep_policy(spec: str) -> Policy:
    """The policy ``spec`` names; one read from a file is also kept among the user's policies
    (a copy of the file, byte for byte), because a site or folder names its policy and must find it
    again when the file has moved on.  A name that already means something else is refused
    rather than replaced."""
    policy = resolve_policy(spec)
    if policy.source == "preset":
        return policy
    try:
        stored = resolve_policy(policy.name)
    except PolicyError:
        stored = None
    if stored is not None and replace(stored, source="") == replace(policy, source=""):
        return policy
    if policy.name in PRESETS:
        raise PolicyError(
            f"the policy in {spec} is called {policy.name!r}, which is a preset; "
            'give it a name of its own (name = "...")'
        )
    if stored is not None:
        raise PolicyError(
            f"a different policy called {policy.name!r} is already saved ({stored.source}); "
            'give the one in the file another name (name = "...")'
        )
    _copy_in(Path(spec).expanduser(), policies_dir() / f"{policy.name}.toml")
    return policy


def _copy_in(source: Path, target: Path) -> None:
    """Copy a policy file into the policies folder: temporary file beside the target,
    fsync, rename; the copy must read back as the same policy."""
    try:
        data = source.read_bytes()
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        raise PolicyError(
            f"cannot keep a copy of {source} in {target.parent} ({exc.strerror or exc})"
        ) from None
    if target.read_bytes() != data:
        raise PolicyError(f"the copy of {source} in {target.parent} did not read back as written")
