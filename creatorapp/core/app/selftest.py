"""``creator-reserve --selftest``: proof that an installed or frozen app has everything it needs.

Tags one sample image per writer (in place and by sidecar) in a temporary folder, reads each
back, renders the site files, and touches each native library (exiv2, the C2PA library; the
shells add their own, such as Qt's image plugins).  A missing library shows up here as a failed
check, not later on a user's file.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from creatorapp.core.resources import resource_dir


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


def _checks(folder: Path) -> list[Check]:
    from creatorapp.core.policy import PRESETS
    from creatorapp.core.policy.signals import embedded_fields
    from creatorapp.core.works.tagging import read_reservation, tag_files

    samples = sorted((resource_dir() / "selftest").glob("sample.*"))
    if not samples:
        return [Check("sample images", False, f"none in {resource_dir() / 'selftest'}")]
    files = []
    for sample in samples:
        target = folder / sample.name
        shutil.copyfile(sample, target)
        files.append(target)
    fields = embedded_fields(PRESETS["no-ai"])
    found: list[Check] = []
    for outcome in tag_files(((f, fields) for f in files), jobs=1):
        name = Path(outcome.path).suffix.lstrip(".").upper()
        how = "sidecar" if outcome.sidecar else "embedded"
        back = read_reservation(Path(outcome.path))
        found.append(
            Check(
                f"tag and read back {name} ({how})",
                outcome.written and back.reserved,
                outcome.reason or back.error or "",
            )
        )
    jpeg = next((s for s in samples if s.suffix == ".jpg"), None)
    if jpeg is None:
        return [*found, Check("sample images", False, "no JPEG sample to sign and batch")]
    found.append(_workers(folder, jpeg, fields))
    found.append(_libraries())
    found.append(_site())
    found.append(_c2pa(folder / jpeg.name))
    return found


def _workers(folder: Path, sample: Path, fields) -> Check:
    """A batch big enough for worker processes, started the way the window starts them: in a
    frozen app each worker re-runs the executable, the step a bundle most often gets wrong."""
    from creatorapp.core.works import tagging

    batch = folder / "batch"
    batch.mkdir()
    files = []
    for i in range(3 * tagging.SMALL_BATCH):
        files.append(batch / f"copy-{i:02d}{sample.suffix}")
        shutil.copyfile(sample, files[-1])
    method = tagging.DESKTOP_START_METHOD
    before = tagging.START_METHOD
    tagging.use_start_method(method)
    try:
        outcomes = list(tagging.tag_files(((f, fields) for f in files), jobs=2))
    except Exception as exc:  # a worker that cannot start breaks the pool in many ways
        return Check("tag in worker processes", False, f"{type(exc).__name__}: {exc}")
    finally:
        tagging.use_start_method(before)
    written = sum(1 for o in outcomes if o.written)
    reserved = sum(1 for f in files if tagging.read_reservation(f).reserved)
    return Check(
        f"tag {len(files)} files in worker processes",
        written == reserved == len(files),
        "" if written == reserved == len(files) else f"{written} written, {reserved} read back",
    )


# What publishing, opt-outs and watching load only when they run: in a frozen app a module left
# out, or a native part of one, would only show when a user first publishes.
LIBRARIES = (
    "paramiko",  # SFTP: with bcrypt, PyNaCl and cryptography's native code
    "requests",
    "protego",
    "keyring",
    "watchdog.observers",
    "ftplib",
    "smtplib",
    "imaplib",
    "sqlite3",
    "tomli_w",
    "xml.etree.ElementTree",
    "iscc_core",  # content codes for the TDM·AI registry
    "rfc3161_client",  # timestamps
    "PIL",
    "http_sfv",  # RateLimit fields
)


def _libraries() -> Check:
    import importlib

    missing = []
    for name in LIBRARIES:
        try:
            importlib.import_module(name)
        except Exception as exc:  # ImportError, or a native library that fails to load
            missing.append(f"{name} ({type(exc).__name__}: {exc})")
    try:  # HTTPS needs the CA bundle as a file; frozen apps often lose it
        import requests.certs

        if not Path(requests.certs.where()).is_file():
            missing.append(f"CA certificates ({requests.certs.where()} is missing)")
        # the native code SSH keys need: bcrypt for passphrase-protected OpenSSH keys,
        # PyNaCl for Ed25519 keys
        import bcrypt
        import nacl.signing

        bcrypt.hashpw(b"self-test", bcrypt.gensalt(rounds=4))
        nacl.signing.SigningKey.generate().sign(b"self-test")
    except Exception as exc:
        missing.append(f"{type(exc).__name__}: {exc}")
    return Check(
        f"load the {len(LIBRARIES)} libraries publishing and opt-outs use",
        not missing,
        "; ".join(missing),
    )


def _site() -> Check:
    from creatorapp.core.policy import PRESETS
    from creatorapp.core.sites import publisher
    from creatorapp.core.sites.config import SiteConfig

    rendered = publisher.render_all(SiteConfig("selftest", "https://example.org", PRESETS["no-ai"]))
    wanted = {"robots.txt", "ai.txt", ".well-known/tdmrep.json"}
    missing = wanted - set(rendered)
    return Check("render site files", not missing, ", ".join(sorted(missing)))


def _c2pa(tagged_jpeg: Path) -> Check:
    """Sign the tagged sample with a throwaway identity (kept in memory, never saved) and read
    the training-and-mining assertion back."""
    name = "sign and read back Content Credentials (JPG)"
    try:
        from creatorapp.core.media import c2pa
        from creatorapp.core.policy import PRESETS
        from creatorapp.core.proof import identity

        signer = identity.create("Creator Reserve self-test", save=False)
        wanted = c2pa.manifest(PRESETS["no-ai"])
        signed = c2pa.sign(tagged_jpeg.read_bytes(), "jpeg", wanted, signer)
        back = c2pa.read_bytes(signed, "jpeg", trust_pem=signer.ca_pem)
    except Exception as exc:  # a missing native library surfaces as any kind of error
        return Check(name, False, f"{type(exc).__name__}: {exc}")
    ok = back.present and back.uses() == c2pa.wanted_uses(wanted) and not back.failures
    return Check(name, ok, "" if ok else f"read back {back.as_json()}")


def run(
    say: Callable[[str], None] = print, extra: tuple[Callable[[Path], Check], ...] = ()
) -> bool:
    """``extra`` checks get the folder of tagged samples."""
    with tempfile.TemporaryDirectory(prefix="creatorapp-selftest-") as tmp:
        checks = _checks(Path(tmp))
        checks += [check(Path(tmp)) for check in extra]
    for check in checks:
        say(
            f"{'ok  ' if check.ok else 'FAIL'} {check.name}"
            + (f": {check.detail}" if check.detail else "")
        )
    ok = all(c.ok for c in checks)
    say("self-test passed" if ok else "self-test FAILED")
    return ok
