"""An evidence report: what was reserved, where and when, in a form a lawyer or a registry can
read, with the full ledger beside it so anyone can re-check the hash chain.

Writes ``report.html`` (people) and ``ledger.jsonl`` (machines) into a folder."""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from pathlib import Path

from creatorapp.core.catalogue import Store, verify_ledger
from creatorapp.core.catalogue.model import utc_now
from creatorapp.errors import UserError


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    ledger: Path
    events: int
    chain_ok: bool


def _table(head: tuple[str, ...], rows: list[tuple]) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{cells}</tr>{body}</table>"


def write_report(store: Store, folder: Path) -> ReportFiles:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ledger_path = folder / "ledger.jsonl"
        tmp = folder / ".ledger.jsonl.tmp"
        count = 0
        with open(tmp, "w", encoding="utf-8") as handle:
            for event in store.events():
                handle.write(json.dumps(event.as_json(), ensure_ascii=False) + "\n")
                count += 1
        os.replace(tmp, ledger_path)
    except OSError as exc:
        raise UserError(f"cannot write the report into {folder} ({exc.strerror or exc})") from None
    chain = verify_ledger(store)
    counts = store.count_by_state()
    items = store.item_counts()
    parts = [
        "<!doctype html><meta charset='utf-8'><title>Creator Reserve evidence report</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em}</style>",
        "<h1>Reservation of text and data mining: evidence report</h1>",
        f"<p>Made {html.escape(utc_now())} (UTC). The reservation is made under Art. 4(3) of "
        "Directive (EU) 2019/790 by machine-readable means in the works, on the sites and "
        "with the registries below.</p>",
        "<h2>Ledger</h2>",
        f"<p>{chain.events} events; hash chain "
        f"{'intact' if chain.ok else 'BROKEN: ' + html.escape(chain.problem or '')}; "
        f"head <code>{chain.head}</code>. Every event is in <code>ledger.jsonl</code>; "
        "hash = sha256(prev_hash + canonical JSON of the event).</p>",
        "<h2>Works</h2>",
        _table(("state", "works"), [(s.value, n) for s, n in sorted(counts.items())]),
        "<h2>Folders</h2>",
        _table(("folder", "policy"), [(f.path, f.policy) for f in store.folders()]),
        "<h2>Sites</h2>",
        _table(
            ("site", "address", "policy", "published", "checked", "result"),
            [
                (
                    s.name,
                    s.url,
                    s.policy,
                    s.published_at or "never",
                    s.verified_at or "never",
                    "" if s.verify_ok is None else ("ok" if s.verify_ok else "problems"),
                )
                for s in store.sites()
            ],
        ),
        "<h2>Opt-outs</h2>",
        _table(
            ("destination", "state", "items"),
            [(d, state, n) for d, c in sorted(items.items()) for state, n in sorted(c.items())],
        ),
    ]
    html_path = folder / "report.html"
    tmp = folder / ".report.html.tmp"
    try:
        tmp.write_text("\n".join(parts), encoding="utf-8")
        os.replace(tmp, html_path)
    except OSError as exc:
        raise UserError(f"cannot write the report into {folder} ({exc.strerror or exc})") from None
    return ReportFiles(html_path, ledger_path, count, chain.ok)
