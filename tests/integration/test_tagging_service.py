"""The one tagging service: the watcher, a scan, ``creatorapp tag`` and the window all reach a
work through it, so the same file gets the same credentials, catalogue state and ledger events
whoever found it; outcomes are acted on by their reason code, never by their wording."""

from __future__ import annotations

import ast
import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from creatorapp.core.catalogue import WorkState, open_catalogue
from creatorapp.core.media import c2pa
from creatorapp.core.media.base import Outcome, Reason, Status
from creatorapp.core.policy import policies_dir, resolve_policy
from creatorapp.core.policy.signals import embedded_fields
from creatorapp.core.proof import identity
from creatorapp.core.works import tagging
from creatorapp.core.works.portfolio import Portfolio
from creatorapp.core.works.service import TaggingService, TagRequest
from creatorapp.core.works.tagging import TagOptions, tag_files
from creatorapp.core.works.watch import Watcher
from tests.conftest import make_jpeg, pixels
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def _signing_policy() -> None:
    folder = policies_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "signed.toml").write_text(
        'name = "signed"\nextends = "no-ai"\ncontent_credentials = true\n'
    )


def _jpeg_bytes(seed: int = 3) -> bytes:
    im = Image.effect_noise((160, 120), 30 + seed).convert("RGB")
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=92)
    return buf.getvalue()


def _ledger(store) -> list[tuple[str, str, dict]]:
    """Every event but its time and chain: what happened, to what, with what data."""
    return [(e.kind, e.subject, dict(e.data)) for e in store.events()]


def _watch_drop(portfolio: Portfolio, path: Path, data: bytes) -> None:
    """Start a watcher, drop the file into its folder, wait until it is recorded, stop."""
    seen: list[Outcome] = []
    w = Watcher(portfolio, settle=0.2, jobs=2, folder_check=0.2, on_outcome=seen.append)
    w.start()
    try:
        assert w.wait_ready(20), w.failure
        path.write_bytes(data)
        wait_until(lambda: any(o.path == str(path) for o in seen), what="the drop handled")
        wait_until(lambda: not w.busy, what="watcher idle")
        assert w.failure is None, w.failure
    finally:
        w.stop()


@pytest.mark.parametrize(
    ("policy", "signer"),
    [("no-ai", False), ("signed", False), ("signed", True)],
    ids=["plain-policy", "signing-policy-without-identity", "signing-policy-with-identity"],
)
def test_the_watcher_and_a_scan_write_the_same_ledger_for_the_same_file(tmp_path, policy, signer):
    """The same file, the same folder and policy, two catalogues: found by a scan in one and
    dropped under a running watcher in the other.  Their ledgers say the same (kinds, subjects
    and data; only times differ, and with credentials the file's hash, whose manifest carries
    its own signing time and id)."""
    _signing_policy()
    if signer:
        identity.create("Jane Doe")
    folder = tmp_path / "photos"
    folder.mkdir()
    path = folder / "export.jpg"
    data = _jpeg_bytes(seed=5)

    scanned = Portfolio(open_catalogue(tmp_path / "scan.sqlite3"))
    scanned.add_folder(folder, policy)
    path.write_bytes(data)
    outcomes = list(TaggingService(scanned).process(scanned.scan().due))
    assert [o.status for o in outcomes] == [Status.TAGGED]
    by_scan = path.read_bytes()
    path.unlink()

    watched = Portfolio(open_catalogue(tmp_path / "watch.sqlite3"))
    watched.add_folder(folder, policy)
    _watch_drop(watched, path, data)

    scan_events, watch_events = _ledger(scanned.store), _ledger(watched.store)
    assert [k for k, _, _ in scan_events] == [k for k, _, _ in watch_events]
    assert "work.tagged" in [k for k, _, _ in scan_events]
    if signer:  # signed twice: each manifest has its own time, so the bytes differ there only
        for events in (scan_events, watch_events):
            for kind, _, event in events:
                if kind == "work.tagged":
                    event.pop("sha256")
        assert c2pa.read_path(path, "jpeg").uses() == c2pa.read_bytes(by_scan, "jpeg").uses()
    else:
        assert path.read_bytes() == by_scan
    assert watch_events == scan_events
    for portfolio in (scanned, watched):
        work = portfolio.store.work(str(path))
        assert work.state is WorkState.TAGGED
        assert work.signature.endswith("+c2pa") == (policy == "signed" and signer)
        portfolio.store.close()


def test_the_identity_is_used_as_soon_as_it_exists_while_the_watcher_runs(tmp_path):
    """An identity made while the watcher runs (in the window, or with 'creatorapp identity
    create' beside 'creatorapp watch') signs the next file dropped: no file is recorded as
    signed without carrying credentials."""
    _signing_policy()
    folder = tmp_path / "photos"
    folder.mkdir()
    portfolio = Portfolio(open_catalogue(tmp_path / "c.sqlite3"))
    portfolio.add_folder(folder, "signed")
    seen: list[Outcome] = []
    w = Watcher(portfolio, settle=0.2, jobs=2, folder_check=0.2, on_outcome=seen.append)
    w.start()
    try:
        assert w.wait_ready(20)
        made = identity.create("Jane Doe")
        dropped = make_jpeg(folder / "after.jpg", seed=31)
        wait_until(lambda: [o for o in seen if o.path == str(dropped)], what="the drop tagged")
        wait_until(lambda: not w.busy, what="watcher idle")
    finally:
        w.stop()
    creds = c2pa.read_path(dropped, "jpeg", made.ca_pem)
    assert creds.state == "Trusted" and creds.uses()["ai_training"] == "notAllowed"
    work = portfolio.store.work(str(dropped))
    assert work.signature.endswith("+c2pa") and work.state is WorkState.TAGGED
    portfolio.store.close()


def test_a_missing_identity_is_written_into_the_ledger_once_per_policy_not_per_batch(tmp_path):
    """The watcher keeps one service for its whole run and hands it many small batches; the
    ledger says once why its signing folder is not signed, not once per file."""
    _signing_policy()
    folder = tmp_path / "photos"
    folder.mkdir()
    portfolio = Portfolio(open_catalogue(tmp_path / "c.sqlite3"))
    portfolio.add_folder(folder, "signed")
    service = TaggingService(portfolio)
    for i in range(3):  # works tagged unsigned stay due: each pass opens them again
        new = make_jpeg(folder / f"{i}.jpg", seed=40 + i)
        outcomes = {o.path: o.status for o in service.process(portfolio.scan().due, jobs=1)}
        assert outcomes[str(new)] is Status.TAGGED and len(outcomes) == i + 1
    [why] = list(portfolio.store.events(kind="credentials.unavailable"))
    assert why.subject == "signed" and "no signing identity" in why.data["why"]
    # and the works stay due: once there is an identity, the next pass signs them
    identity.create("Jane Doe")
    outcomes = list(TaggingService(portfolio).process(portfolio.scan().due, jobs=1))
    assert [o.status for o in outcomes] == [Status.TAGGED] * 3
    assert all(c2pa.read_path(folder / f"{i}.jpg", "jpeg").present for i in range(3))
    portfolio.store.close()


def test_a_dry_run_writes_nothing_into_the_ledger(tmp_path):
    _signing_policy()
    folder = tmp_path / "photos"
    folder.mkdir()
    path = make_jpeg(folder / "a.jpg", seed=50)
    before = path.read_bytes()
    portfolio = Portfolio(open_catalogue(tmp_path / "c.sqlite3"))
    portfolio.add_folder(folder, "signed")
    written = portfolio.store.events_written()
    request = TagRequest(dry_run=True)
    outcomes = list(TaggingService(portfolio).tag([folder], None, request=request, jobs=1))
    assert [o.status for o in outcomes] == [Status.TAGGED]  # would be tagged
    assert path.read_bytes() == before
    assert portfolio.store.events_written() == written
    assert portfolio.store.work(str(path)) is None
    portfolio.store.close()


@pytest.mark.parametrize("how", ["scan", "tag", "watcher"])
def test_a_signed_file_in_a_plain_folder_is_re_signed_by_every_caller(tmp_path, how):
    """A file that carries Content Credentials and must be rewritten (the folder's policy says
    something else) is re-signed, its old manifest kept as the parent, whoever finds it: a
    scan used to refuse it while the watcher and 'tag' re-signed it."""
    made = identity.create("Jane Doe")
    no_ai = resolve_policy("no-ai")
    outside = make_jpeg(tmp_path / "signed.jpg", seed=60)
    job = c2pa.SignJob(identity.load()).with_policies([no_ai])
    [signed] = tag_files([(outside, embedded_fields(no_ai))], options=TagOptions(credentials=job))
    assert signed.status is Status.TAGGED, signed.reason
    folder = tmp_path / "photos"
    folder.mkdir()
    portfolio = Portfolio(open_catalogue(tmp_path / "c.sqlite3"))
    portfolio.add_folder(folder, "allow")
    path = folder / "signed.jpg"
    service = TaggingService(portfolio)
    if how == "watcher":
        _watch_drop(portfolio, path, outside.read_bytes())
    else:
        shutil.copyfile(outside, path)
        if how == "scan":
            outcomes = list(service.process(portfolio.scan().due, jobs=1))
        else:
            outcomes = list(service.tag([folder], None, jobs=1))
        assert [o.status for o in outcomes] == [Status.TAGGED], outcomes
    creds = c2pa.read_path(path, "jpeg", made.ca_pem)
    assert creds.state == "Trusted" and set(creds.uses().values()) == {"allowed"}
    assert creds.manifests == 2
    assert pixels(path) == pixels(outside)
    assert portfolio.store.work(str(path)).state is WorkState.TAGGED
    portfolio.store.close()


def test_a_file_changed_while_tagged_is_left_due_by_its_code_whatever_its_words(tmp_path):
    """The service acts on the reason code: an outcome that lost a race to another writer is
    not recorded as a failed work, whatever its sentence says."""
    folder = tmp_path / "photos"
    folder.mkdir()
    path = make_jpeg(folder / "a.jpg", seed=70)
    portfolio = Portfolio(open_catalogue(tmp_path / "c.sqlite3"))
    folder_row = portfolio.add_folder(folder)
    [item] = portfolio.scan([folder_row]).due
    st = path.stat()
    for code in (Reason.CHANGED_WHILE_TAGGING, Reason.BUSY):
        lost = Outcome(
            item.path, Status.FAILED, reason="words that no code looks at", code=code,
            size=st.st_size, mtime_ns=st.st_mtime_ns, inode=st.st_ino,
        )  # fmt: skip
        TaggingService(portfolio).record(lost, item)
        assert portfolio.store.work(item.path).state is WorkState.NEW
    same_words = Outcome(
        item.path, Status.FAILED, reason="the file changed while it was being tagged",
        size=st.st_size, mtime_ns=st.st_mtime_ns, inode=st.st_ino,
    )  # fmt: skip
    TaggingService(portfolio).record(same_words, item)  # no code: a real failure
    assert portfolio.store.work(item.path).state is WorkState.FAILED
    portfolio.store.close()


# --- no branching on message text --------------------------------------------------------------

# attributes and names that hold sentences for people
_MESSAGE_ATTRS = {"reason", "error", "problem", "detail", "message", "why", "strerror"}
_EXCEPTION_NAMES = {"exc", "e", "err", "error"}
_TEXT_TESTS = {"startswith", "endswith", "find", "rfind", "index", "count", "__contains__"}


def _is_message(expr: ast.AST) -> bool:
    for node in ast.walk(expr):
        if isinstance(node, ast.Attribute) and node.attr in _MESSAGE_ATTRS:
            return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("str", "repr")
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in _EXCEPTION_NAMES
        ):
            return True
    return False


def _is_words(expr: ast.AST) -> bool:
    """A string literal with letters in it (a protocol's numeric reply code is not words)."""
    if isinstance(expr, ast.JoinedStr):
        return True
    return (
        isinstance(expr, ast.Constant)
        and isinstance(expr.value, str)
        and any(c.isalpha() for c in expr.value)
    )


def text_branches(source: str) -> list[str]:
    """Places that decide something by looking for words in a message meant for people."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            left = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                membership = isinstance(op, (ast.In, ast.NotIn)) and _is_words(left)
                if membership and _is_message(right):
                    found.append(ast.unparse(node))
                equal = isinstance(op, (ast.Eq, ast.NotEq))
                if equal and (
                    (_is_words(left) and _is_message(right))
                    or (_is_words(right) and _is_message(left))
                ):
                    found.append(ast.unparse(node))
                left = right
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _TEXT_TESTS
            and _is_message(node.func.value)
            and any(_is_words(a) for a in node.args)
        ):
            found.append(ast.unparse(node))
    return found


def test_the_check_finds_a_branch_on_words():
    """What the watcher used to do, and its variants, are found."""
    assert text_branches('if "changed while" in (outcome.reason or ""): pass')
    assert text_branches('ok = outcome.reason.startswith("read-only")')
    assert text_branches('if str(exc) == "the file is gone": pass')
    assert not text_branches("if outcome.code in TRANSIENT: pass")
    assert not text_branches("repeat = work.error == outcome.reason")
    assert not text_branches('busy = str(exc).startswith("530")')  # an FTP reply code


def test_nothing_in_the_app_branches_on_message_text():
    found = {}
    for path in sorted((ROOT / "creatorapp").rglob("*.py")):
        hits = text_branches(path.read_text(encoding="utf-8"))
        if hits:
            found[str(path.relative_to(ROOT))] = hits
    assert found == {}, "decide by Outcome.code / FileProblem.code (a Reason), not by words"


def test_there_is_one_way_in():
    """The unused batch entry point is gone; the docs name the service instead."""
    assert not hasattr(tagging, "tag_paths")
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        assert "tag_paths" not in doc.read_text(encoding="utf-8"), doc
    assert "works/service.py" in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def test_only_the_works_of_the_policy_that_asks_are_signed_in_a_mixed_batch(tmp_path):
    """Two folders whose policies write the same fields, one asking for Content Credentials:
    in one batch (a scan of both, or a burst the watcher hands over at once) only that folder's
    works are signed, and each work's signature says what its file carries."""
    _signing_policy()  # "signed" extends no-ai: the same embedded fields
    identity.create("Jane Doe")
    plain, signing = tmp_path / "plain", tmp_path / "signing"
    plain.mkdir()
    signing.mkdir()
    portfolio = Portfolio(open_catalogue(tmp_path / "c.sqlite3"))
    portfolio.add_folder(plain, "no-ai")
    portfolio.add_folder(signing, "signed")
    files = [
        make_jpeg(folder / f"{i}.jpg", seed=80 + i) for folder in (plain, signing) for i in (1, 2)
    ]
    outcomes = list(TaggingService(portfolio).process(portfolio.scan().due, jobs=2))
    assert {o.status for o in outcomes} == {Status.TAGGED}
    for path in files:
        carries = c2pa.read_path(path, "jpeg").present
        assert carries == (path.parent == signing), path
        assert portfolio.store.work(str(path)).signature.endswith("+c2pa") == carries
    portfolio.store.close()
