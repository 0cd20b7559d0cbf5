"""What the app does where no window can open (a server, a container, SSH without X): show its
work on copies of the bundled sample images instead of hanging on an invisible window.

The demo runs the same services as the window and the command line: a portfolio folder in a
catalogue, a scan, tagging with the default policy, the site files.  Everything it writes lies
in a new temporary folder, catalogue included, so a user's own catalogue, settings and files are
never read for writing, let alone changed; the folder is left for them to look into.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from creatorapp.core.text.display import counted, shown

SITE_URL = "https://example.org"  # the demo's site files name an example address


@dataclass
class Demo:
    """What one demo run did and where it left things."""

    folder: Path  # everything the demo wrote lies in here
    policy: str  # the default policy's title
    samples: list[str] = field(default_factory=list)  # the sample files' formats
    tagged: int = 0  # tagged (embedded or by sidecar) and read back as reserved
    failures: list[tuple[str, str]] = field(default_factory=list)  # (file name, why)
    site_files: list[str] = field(default_factory=list)
    works_in_catalogue: int = 0
    ledger_events: int = 0

    @property
    def works(self) -> Path:
        return self.folder / "works"

    @property
    def site(self) -> Path:
        return self.folder / "site"

    @property
    def catalogue(self) -> Path:
        return self.folder / "catalogue.sqlite3"

    @property
    def ok(self) -> bool:
        return bool(self.samples) and not self.failures and self.tagged == len(self.samples)


def _samples() -> list[Path]:
    from creatorapp.core.resources import resource_dir

    return sorted((resource_dir() / "selftest").glob("sample.*"))


def _tag(demo: Demo) -> None:
    """Copies of the samples in a portfolio folder of the demo's own catalogue, scanned and
    tagged as the window tags a new folder; each copy is then read back as a crawler would."""
    from creatorapp.core.catalogue import open_catalogue
    from creatorapp.core.policy import DEFAULT_PRESET
    from creatorapp.core.works.portfolio import Portfolio
    from creatorapp.core.works.service import TaggingService
    from creatorapp.core.works.tagging import read_reservation

    demo.works.mkdir()
    copies = []
    for sample in _samples():
        copies.append(demo.works / sample.name)
        shutil.copyfile(sample, copies[-1])
        demo.samples.append(sample.suffix.lstrip(".").upper())
    if not copies:
        demo.failures.append(("sample images", "none were installed with the app"))
        return
    store = open_catalogue(demo.catalogue)
    try:
        portfolio = Portfolio(store)
        folder = portfolio.add_folder(demo.works, DEFAULT_PRESET, watching=False)
        due = portfolio.scan([folder]).due
        for outcome in TaggingService(portfolio).process(due):
            if not outcome.written:
                demo.failures.append((Path(outcome.path).name, outcome.reason or "not tagged"))
        demo.works_in_catalogue = sum(store.count_by_state().values())
        demo.ledger_events = store.events_written()
    finally:
        store.close()
    for copy in copies:
        back = read_reservation(copy)
        if back.reserved:
            demo.tagged += 1
        elif not any(name == copy.name for name, _ in demo.failures):
            demo.failures.append((copy.name, back.error or "not reserved when read back"))


def _render_site(demo: Demo) -> None:
    """The declarations a site would publish (robots.txt, ai.txt, TDMRep) and the server
    snippets, as ``creatorapp site render`` writes them."""
    from creatorapp.core.policy import DEFAULT_PRESET, PRESETS
    from creatorapp.core.sites import publisher
    from creatorapp.core.sites.config import SiteConfig

    site = SiteConfig("demo", SITE_URL, PRESETS[DEFAULT_PRESET])
    for path, text in publisher.render_all(site).items():
        target = demo.site / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        demo.site_files.append(path)


# Where the services look for the user's own data, settings and catalogue.
_USER_PLACES = ("CREATORAPP_DATA_DIR", "CREATORAPP_CONFIG_DIR", "CREATORAPP_CATALOGUE")


@contextlib.contextmanager
def _sandbox(demo: Demo) -> Iterator[None]:
    """Point every service that reaches for the user's data, settings or catalogue into the
    demo's folder while it runs (the catalogue also records its ledger's head in the settings
    folder): the demo needs nothing of the user's and leaves no trace among their files."""
    before = {name: os.environ.get(name) for name in _USER_PLACES}
    os.environ["CREATORAPP_DATA_DIR"] = str(demo.folder / "data")
    os.environ["CREATORAPP_CONFIG_DIR"] = str(demo.folder / "settings")
    os.environ["CREATORAPP_CATALOGUE"] = str(demo.catalogue)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_demo(root: Path | None = None) -> Demo:
    """Tag copies of the samples and render the site files in ``root`` (a new temporary folder
    when None); never raises for a sample that cannot be tagged, it is listed instead."""
    from creatorapp.core.policy import DEFAULT_PRESET, PRESETS

    folder = root if root is not None else Path(tempfile.mkdtemp(prefix="creator-reserve-demo-"))
    demo = Demo(folder, PRESETS[DEFAULT_PRESET].title)
    with _sandbox(demo):
        _tag(demo)
        _render_site(demo)
    return demo


def _your_data() -> list[str]:
    """Where the user's own catalogue lives: named, looked at, never opened."""
    from creatorapp.core.catalogue import default_catalogue_path
    from creatorapp.core.catalogue.location import data_dir

    catalogue = default_catalogue_path()
    there = "exists, left untouched" if catalogue.exists() else "not created yet"
    return [
        f"  your data folder:   {shown(data_dir())}",
        f"  your catalogue:     {shown(catalogue)} ({there})",
    ]


def describe(demo: Demo, yours: list[str] | None = None) -> list[str]:
    """The status people read: what was done and where everything is."""
    formats = ", ".join(demo.samples) or "none"
    lines = [
        f"Demo: tagging copies of the bundled sample images with the default policy "
        f"({demo.policy}).",
        "It keeps its own catalogue and settings in a temporary folder: your own catalogue, "
        "settings and files are not touched.",
        f"  tagged:             {demo.tagged} of {len(demo.samples)} sample images ({formats}), "
        "each read back as reserved",
        f"  tagged copies:      {shown(demo.works)}",
        f"  site files:         {len(demo.site_files)} in {shown(demo.site)} "
        f"({', '.join(demo.site_files[:3])}, ...)",
        f"  demo catalogue:     {shown(demo.catalogue)} "
        f"({counted(demo.works_in_catalogue, 'work')}, "
        f"{counted(demo.ledger_events, 'ledger event')})",
        *(_your_data() if yours is None else yours),
    ]
    lines += [f"  FAILED {shown(name)}: {shown(why)}" for name, why in demo.failures]
    lines += [
        f"The demo folder {shown(demo.folder)} is yours to look into and delete.",
        "To see the window, run 'creatorapp' on a desktop (or over 'ssh -X'); "
        "'creatorapp --help' lists the commands that need none.",
    ]
    return lines


def main(say: Callable[[str], None] = print) -> int:
    """Run the demo and print its status; 0 when every sample was tagged and read back."""
    yours = _your_data()  # named before the demo points the services at its own folder
    demo = run_demo()
    for line in describe(demo, yours):
        say(line)
    return 0 if demo.ok else 1
