"""``creatorapp policy list|show``: the presets and user policies in plain words."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from creatorapp.cli.common import (
    EXIT_OK,
    emit_json,
    policy_arg,
    safe,
    safe_block,
    table_console,
    text_arg,
)

if TYPE_CHECKING:
    from creatorapp.core.policy import Policy


def add_commands(sub: argparse._SubParsersAction) -> None:
    policy = sub.add_parser("policy", help="list the policies or show what one says")
    psub = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    lister = psub.add_parser("list", help="presets and your own policies")
    lister.add_argument("--json", action="store_true")
    lister.set_defaults(run=run_list)
    show = psub.add_parser("show", help="what a policy allows and what each carrier will say")
    show.add_argument("name", metavar="NAME|FILE", type=text_arg)
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=run_show)


_LABELS = {
    "creator": "Creator",
    "copyright_notice": "Copyright notice",
    "contact_url": "Contact URL",
    "licence_url": "Licence URL",
    "policy_url": "Policy URL",
}


def run_list(args: argparse.Namespace) -> int:
    from creatorapp.core.policy import (
        PRESETS,
        PolicyError,
        policies_dir,
        user_policies,
    )

    rows: list[tuple[str, str, str]] = [(p.name, "preset", p.description) for p in PRESETS.values()]
    for name, found in user_policies().items():
        if isinstance(found, PolicyError):
            rows.append((name, "error", str(found)))
        else:
            rows.append((name, f"yours ({found.extends})", found.description))
    if args.json:
        for name, kind, text in rows:
            emit_json({"name": name, "kind": kind, "description": text})
        return EXIT_OK
    from rich.table import Table

    table = Table(
        "policy", "kind", "meaning", title=f"Policies (yours live in {safe(policies_dir())})"
    )
    for name, kind, text in rows:
        table.add_row(safe(name), safe(kind), safe(text))
    table_console(table).print(table)
    return EXIT_OK


def describe(policy: Policy) -> dict:
    from creatorapp.core.policy import (
        USE_MEANING,
        Use,
        signals,
    )

    return {
        "name": policy.name,
        "title": policy.title,
        "description": policy.description,
        "uses": {
            u.value: {"permission": policy.uses[u].value, "meaning": USE_MEANING[u]} for u in Use
        },
        "constraints": policy.constraints or None,
        "iptc_data_mining": signals.data_mining_uri(policy),
        "usage_terms": signals.usage_terms(policy),
        "fields": {f.key: f.value for f in signals.embedded_fields(policy)},
    }


def run_show(args: argparse.Namespace) -> int:
    from creatorapp.core.policy import (
        USE_MEANING,
        Use,
        signals,
    )

    policy = policy_arg(args.name)
    doc = describe(policy)
    if args.json:
        emit_json(doc)
        return EXIT_OK
    from rich.table import Table

    table = Table("use", "", "what it means")
    for use in Use:
        allowed = policy.permits(use)
        table.add_row(
            use.value, "[green]allowed[/]" if allowed else "[red]prohibited[/]", USE_MEANING[use]
        )
    out = table_console(table)
    out.print(f"[bold]{safe(policy.title)}[/] ({safe(policy.name)}): {safe(policy.description)}\n")
    out.print(table)
    if policy.constraints:
        out.print(f"\n[bold]Constraints:[/] {safe_block(policy.constraints)}")
    code = signals.data_mining_code(policy)
    out.print(
        f"\n[bold]Files will say[/] (IPTC Data Mining): {code} - "
        f"{signals.DATA_MINING_VOCABULARY[signals.VOCAB_PREFIX + code]}"
    )
    out.print(f"[bold]Usage terms:[/] {safe(signals.usage_terms(policy))}")
    for key in ("creator", "copyright_notice", "contact_url", "licence_url", "policy_url"):
        if getattr(policy, key):
            out.print(f"[bold]{_LABELS.get(key, key)}:[/] {safe_block(getattr(policy, key))}")
    return EXIT_OK
