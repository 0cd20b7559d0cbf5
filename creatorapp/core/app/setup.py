"""First-run set-up as one step: who the creator is, their policy, folders, site and registries.

The desktop wizard gathers the answers and hands them here; nothing in the wizard writes
anything itself, so a cancelled wizard leaves no trace and the same set-up can be scripted."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from creatorapp.core.catalogue import Folder, Store
from creatorapp.core.policy import PRESETS, Policy, PolicyError, save_policy, user_policies
from creatorapp.errors import UserError

POLICY_NAME = "mine"  # the user's own policy: a preset plus who they are
REGISTRIES_SETTING = "registries"


@dataclass
class SiteAnswers:
    name: str
    url: str
    transport: str
    settings: dict
    secret: str | None = None


@dataclass
class Answers:
    name: str
    copyright_notice: str = ""
    email: str = ""
    contact_url: str = ""
    preset: str = "no-ai"
    folders: list[Path] = field(default_factory=list)
    site: SiteAnswers | None = None
    registries: list[str] = field(default_factory=list)


def default_notice(name: str, year: int | None = None) -> str:
    return f"© {year or date.today().year} {name}. All rights reserved." if name else ""


def own_policy(answers: Answers) -> Policy:
    """The preset the creator chose, carrying their name, notice and contact."""
    base = PRESETS.get(answers.preset)
    if base is None:
        raise PolicyError(f"unknown preset {answers.preset!r}")
    return replace(
        base,
        name=POLICY_NAME,
        title=f"{base.title} ({answers.name})" if answers.name else base.title,
        creator=answers.name,
        copyright_notice=answers.copyright_notice or default_notice(answers.name),
        contact_url=answers.contact_url,
        source="user",
        extends=base.name,
    )


def existing(store: Store) -> Answers | None:
    """What an earlier set-up said, to fill a re-run wizard in."""
    policy = user_policies().get(POLICY_NAME)
    if not isinstance(policy, Policy):
        return None
    contact = store.setting("contact") or {}
    return Answers(
        name=policy.creator,
        copyright_notice=policy.copyright_notice,
        email=contact.get("email", ""),
        contact_url=policy.contact_url,
        preset=policy.extends or "no-ai",
        registries=list((store.setting(REGISTRIES_SETTING) or {}).get("use", [])),
    )


def apply(store: Store, answers: Answers) -> list[Folder]:
    """Save the set-up; returns the folders that are new, for the caller to scan and tag.
    Each chosen registry is left as opt-out drafts for the folders (and the site): the works
    are not catalogued yet, and nothing is asked of a registry until the creator says so."""
    from creatorapp.core.optouts import drafts
    from creatorapp.core.sites.sites import Sites
    from creatorapp.core.works.portfolio import Portfolio, normalise

    if not answers.name.strip():
        raise UserError("say whose works these are: a name is needed")
    if answers.email and "@" not in answers.email:
        raise UserError(f"{answers.email!r} is not an email address")
    save_policy(own_policy(answers))
    contact = {**(store.setting("contact") or {}), "name": answers.name}
    if answers.email:
        contact["email"] = answers.email
    store.set_setting("contact", contact)
    store.set_setting(REGISTRIES_SETTING, {"use": list(answers.registries)})
    portfolio = Portfolio(store)
    added: list[Folder] = []
    for path in answers.folders:
        known = store.folder(normalise(path))
        if known is None:
            added.append(portfolio.add_folder(path, POLICY_NAME))
        elif known.policy != POLICY_NAME:
            portfolio.set_folder(path, policy=POLICY_NAME)
    if answers.site is not None:
        sites = Sites(store)
        site = answers.site
        if store.site(site.name) is None:
            sites.add(
                site.name,
                site.url,
                site.transport,
                site.settings,
                secret=site.secret or None,
                policy=POLICY_NAME,
            )
        elif site.secret:
            sites.set_secret(site.name, site.secret)
    if answers.registries:
        folders = [store.folder(normalise(p)) for p in answers.folders]
        drafts.for_setup(
            store,
            list(answers.registries),
            [f.path for f in folders if f is not None],
            answers.site.name if answers.site is not None else None,
        )
    return added


def own_policy_name() -> str:
    """The user's own policy if the set-up made one, else the default preset."""
    from creatorapp.core.policy import DEFAULT_PRESET, resolve_policy

    try:
        return resolve_policy(POLICY_NAME).name
    except PolicyError:
        return DEFAULT_PRESET


def policy_for(store: Store, paths: list[Path]) -> Policy | None:
    """What to tag ``paths`` with: None when all lie in portfolio folders (each keeps its
    folder's policy), else the user's own policy for them all."""
    from creatorapp.core.policy import resolve_policy
    from creatorapp.core.works.portfolio import normalise

    if all(store.folder_for(normalise(p)) is not None for p in paths):
        return None
    return resolve_policy(own_policy_name())
