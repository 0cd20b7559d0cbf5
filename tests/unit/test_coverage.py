"""The home view's numbers (``core/app/coverage.py``) and the works filter behind each of them,
counted by the store's grouped queries and checked against the plain rule (``store.covers``)."""

from __future__ import annotations

from creatorapp.core.app import coverage
from creatorapp.core.app.coverage import Need, SiteState
from creatorapp.core.catalogue import WorkState, open_catalogue, utc_now
from creatorapp.core.catalogue.store import Covered, Store, covers

SIGNED, UNSIGNED = "fields+c2pa", "fields"


def portfolio(tmp_path) -> tuple[Store, dict[str, int]]:
    """Two folders: one of four works (two reserved, one of them signed; one stale; one
    failed), one of two (a sidecar recorded signed: a sidecar carries no credentials; a new
    work), and a deleted work that counts nowhere."""
    store = open_catalogue(tmp_path / "c.sqlite3")
    a = store.add_folder("/p/alpha", "no-ai", True)
    b = store.add_folder("/p/beta", "no-genai", True)
    ids = {}
    for folder, name, state, signature in (
        (a, "a1.jpg", WorkState.TAGGED, SIGNED),
        (a, "a2.jpg", WorkState.TAGGED, UNSIGNED),
        (a, "a3.jpg", WorkState.STALE, SIGNED),
        (a, "a4.jpg", WorkState.FAILED, None),
        (a, "gone.jpg", WorkState.DELETED, SIGNED),
        (b, "b1.cr2", WorkState.SIDECAR, SIGNED),
        (b, "b2.jpg", WorkState.NEW, None),
    ):
        work = store.add_work(folder.id, f"{folder.path}/{name}", state=state, signature=signature)
        ids[name] = work.id
    return store, ids


def _confirm(store: Store, destination: str, works: dict[str, int], state: str) -> None:
    targets = {f"https://jane.example/{n}": i for n, i in works.items()}
    store.add_items(destination, list(targets), state)
    for item in store.items(destination, targets=list(targets)):
        store.set_items([item["id"]], work_id=targets[item["target"]])


def test_shares_per_portfolio_and_folder_count_only_what_the_files_carry(tmp_path):
    store, ids = portfolio(tmp_path)
    _confirm(store, "spawning", {"a1.jpg": ids["a1.jpg"], "b1.cr2": ids["b1.cr2"]}, "confirmed")
    _confirm(store, "spawning", {"a2.jpg": ids["a2.jpg"]}, "submitted")  # asked, not answered
    _confirm(store, "laion", {"gone.jpg": ids["gone.jpg"]}, "confirmed")  # a deleted work

    found = coverage.measure(store, title=lambda d: d.title())  # "Spawning"
    p = found.portfolio
    assert (p.works, p.in_file, p.credentials) == (6, 3, 1)
    assert (p.new, p.stale, p.failed) == (1, 1, 1)
    assert p.confirmed == {"spawning": 2}
    alpha, beta = found.folders
    assert (alpha.name, alpha.works, alpha.in_file, alpha.credentials) == ("alpha", 4, 2, 1)
    assert (beta.name, beta.works, beta.in_file, beta.credentials) == ("beta", 2, 1, 0)
    assert alpha.confirmed == {"spawning": 1} and beta.confirmed == {"spawning": 1}
    by_id = {d.id: d for d in found.destinations}
    assert (by_id["spawning"].title, by_id["spawning"].asked, by_id["spawning"].confirmed) == (
        "Spawning",
        3,
        2,
    )
    assert by_id["laion"].confirmed == 1 and "laion" not in p.confirmed
    assert found.datasets_searched is False


def test_each_number_is_the_count_of_the_works_its_filter_lists(tmp_path):
    store, ids = portfolio(tmp_path)
    _confirm(store, "spawning", {"a1.jpg": ids["a1.jpg"], "b2.jpg": ids["b2.jpg"]}, "confirmed")
    every = store.works()
    for covered in Covered:
        listed = {w.id for w in store.works(covered=covered)}
        assert listed == {w.id for w in every if covers(w, covered)}, covered
    assert {w.path for w in store.works(covered=Covered.CREDENTIALS)} == {"/p/alpha/a1.jpg"}
    alpha = store.folder("/p/alpha")
    assert len(store.works(folder_id=alpha.id, covered=Covered.IN_FILE)) == 2
    assert {w.path for w in store.works(confirmed_at="spawning")} == {
        "/p/alpha/a1.jpg",
        "/p/beta/b2.jpg",
    }
    # the store's grouped counts agree with its default (one work at a time) reading
    assert store.folder_counts() == Store.folder_counts(store)
    assert store.confirmed_works() == Store.confirmed_works(store)


def test_a_left_out_work_counts_apart_in_no_share_and_not_as_to_do(tmp_path):
    store, _ = portfolio(tmp_path)
    beta = store.folder("/p/beta")
    store.add_work(beta.id, "/p/beta/out.jpg", state=WorkState.EXCLUDED, excluded_from="new")
    found = coverage.measure(store)
    p = found.portfolio
    assert (p.works, p.in_file, p.new, p.stale, p.failed, p.left_out) == (6, 3, 1, 1, 1, 1)
    beta_row = next(f for f in found.folders if f.name == "beta")
    assert (beta_row.works, beta_row.not_in_file, beta_row.left_out) == (2, 1, 1)
    every = store.works()
    for covered in Covered:  # the filter behind each number lists no left-out work either
        listed = {w.path for w in store.works(covered=covered)}
        assert "/p/beta/out.jpg" not in listed, covered
        assert listed == {w.path for w in every if covers(w, covered)}, covered
    assert store.folder_counts() == Store.folder_counts(store)


def test_sites_are_shown_per_site_with_their_last_check(tmp_path):
    store, _ = portfolio(tmp_path)
    now = utc_now()
    live = store.add_site(
        name="folio", url="https://jane.example", policy="no-ai", transport="local"
    )
    store.update_site(live.id, published_at=now, verified_at=now, verify_ok=True)
    drifted = store.add_site(
        name="shop", url="https://shop.example", policy="gone", transport="local"
    )
    store.update_site(drifted.id, published_at=now, verified_at=now, verify_ok=False)
    store.add_site(name="new", url="https://new.example", policy="no-ai", transport="local")

    found = coverage.measure(store)
    sites = {s.name: s for s in found.sites}
    assert sites["folio"].state is SiteState.LIVE and sites["folio"].reserves is True
    assert sites["folio"].said().startswith("declarations live, checked ")
    assert "T" not in sites["folio"].said()  # a local time, not a UTC stamp
    assert sites["shop"].state is SiteState.DRIFTED and sites["shop"].reserves is None
    assert sites["new"].state is SiteState.UNPUBLISHED
    [site_need] = [a for a in found.attention if a.need is Need.SITE]
    assert site_need.target == "shop" and site_need.stamp == now


def test_what_needs_the_creator_is_found_with_a_stamp_that_moves_when_it_changes(tmp_path):
    store, ids = portfolio(tmp_path)
    _confirm(store, "spawning", {"a1.jpg": ids["a1.jpg"]}, "needs_info")
    _confirm(store, "laion", {"a2.jpg": ids["a2.jpg"]}, "awaiting_user_action")
    found = coverage.measure(store, title={"spawning": "Spawning", "laion": "LAION"}.get)
    needs = {a.need: [] for a in found.attention}
    for a in found.attention:
        needs[a.need].append(a)
    texts = sorted(a.text for a in needs[Need.OPTOUT])
    assert texts[0].startswith("LAION: a request for 1 item waits for you")
    assert texts[1] == "Spawning asked for more information about 1 item of your opt-out request"
    [failed] = needs[Need.FAILED]
    assert failed.text == "1 file of your portfolio could not be tagged"
    before = failed.stamp
    store.add_work(store.folder("/p/beta").id, "/p/beta/b3.jpg", state=WorkState.FAILED)
    [again] = [a for a in coverage.measure(store).attention if a.need is Need.FAILED]
    assert again.key == failed.key and again.stamp > before
    assert again.text.startswith("2 files")


def test_shares_never_round_to_all_or_nothing():
    assert coverage.share(0, 0) == "no works yet"
    assert coverage.share(999, 1000) == "999 of 1,000 (99%)"
    assert coverage.share(1, 1000) == "1 of 1,000 (under 1%)"
    assert coverage.share(1000, 1000) == "1,000 of 1,000 (100%)"
