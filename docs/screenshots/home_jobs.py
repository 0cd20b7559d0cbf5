"""Screenshots of the home view (how protected the work is) and of the job list, for the README,
from a demo portfolio, under Xvfb.

    python docs/screenshots/home_jobs.py      (re-runs itself under xvfb-run without a display)

Everything lives in a temporary folder (images, a local site served on 127.0.0.1, catalogue,
settings), as with ``take.py``, whose helpers it uses; nothing of the user's is read or written
and no registry is asked: the opt-out answers shown are recorded here as a destination would."""

from __future__ import annotations

import shutil
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from take import _display, _images, _serve, main_window, sandbox, settle  # noqa: E402  (take.py sits beside this file)


def _portfolio(work: Path) -> None:
    from creatorapp.core.app import setup
    from creatorapp.core.catalogue import open_catalogue
    from creatorapp.core.optouts.outbox import OptOuts
    from creatorapp.core.sites.sites import Sites
    from creatorapp.core.works.portfolio import Portfolio

    portfolio_dir = work / "Portfolio"
    _images(portfolio_dir / "2026 studies", 14)
    _images(portfolio_dir / "commissions", 6)
    _images(portfolio_dir / "sketchbook", 8)
    site_root, shop_root = work / "site", work / "shop"
    for root in (site_root, shop_root):
        root.mkdir()
        (root / "index.html").write_text("<h1>Jane Doe illustration</h1>")
    url, shop_url = _serve(site_root), _serve(shop_root)

    store = open_catalogue(None)
    answers = setup.Answers(
        name="Jane Doe",
        email="jane@example.com",
        contact_url="https://jane.example/contact",
        preset="no-ai",
        folders=[portfolio_dir / "2026 studies", portfolio_dir / "commissions"],
        site=setup.SiteAnswers("portfolio", url, "local", {"root": str(site_root)}),
        registries=["spawning", "laion"],
    )
    folders = setup.apply(store, answers)
    portfolio = Portfolio(store)
    sketchbook = portfolio.add_folder(portfolio_dir / "sketchbook", "no-ai")
    report = portfolio.scan([*folders, sketchbook])
    due = [d for d in report.due if "sketchbook" not in d.path or d.path.endswith("-01.jpg")]
    for _ in portfolio.process(due):  # the sketchbook was only just added: most still new
        pass
    sites = Sites(store)
    sites.publish("portfolio")
    sites.verify("portfolio")
    sites.add("shop", shop_url, "local", {"root": str(shop_root)}, policy="no-ai")
    sites.publish("shop")
    (shop_root / "robots.txt").write_text("User-agent: *\nAllow: /\n")  # someone changed it
    sites.verify("shop")
    optouts = OptOuts(store, options={"laion": {"open_browser": False}})
    studies = [w for w in store.works() if "2026 studies" in w.path and w.path.endswith(".jpg")]
    works = {f"{url}/images/{Path(w.path).name}": w.id for w in studies}
    optouts.submit("laion", list(works), works=works)
    # what a destination answered, recorded as the poller would: 9 of the studies confirmed
    store.add_items("spawning", list(works), "confirmed")
    for item in store.items("spawning"):
        if item["target"] in list(works)[:9]:
            store.set_items([item["id"]], work_id=works[item["target"]])
        else:
            store.set_items([item["id"]], state="submitted")
    store.close()


def main() -> int:
    _display()
    work = sandbox()
    _portfolio(work)

    from creatorapp.gui import tasks

    app, window = main_window(1280, 860)
    settle(1200)  # the home view counts in the background; the notices follow
    window.show_section("home")
    settle(600)
    window.grab().save(str(HERE / "home.png"))

    # the job list: a long batch under way, one waiting, and recent ones
    stop = threading.Event()

    def long_batch(job: tasks.Job) -> None:
        total = 3000
        for done in range(total + 1):
            if stop.wait(0.02) or job.cancel.is_set():
                return
            job.report(done, total)

    window.poll_optouts()  # the real periodic job: sends what is queued, asks for answers
    window.sites.table.selectRow(0)
    window.sites.verify()
    settle(1500)
    window.jobs.run(tasks.Job("Tagging 2026 studies (3,000 works)", long_batch), print, print)
    window.jobs.run(tasks.Job("Applying the new policy", lambda job: None), print, print)
    settle(2500)
    window.show_jobs()
    window.jobs_view.resize(900, 300)
    settle(1200)
    window.jobs_view.grab().save(str(HERE / "jobs.png"))
    stop.set()
    window.jobs.cancel()
    settle(300)
    window.quit()
    print(f"home view: {HERE / 'home.png'}\njob list: {HERE / 'jobs.png'}")
    shutil.rmtree(work, ignore_errors=True)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
