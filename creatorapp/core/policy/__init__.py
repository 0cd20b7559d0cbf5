"""The creator's policy: which uses of their works they allow, and who they are.

A policy is a small, immutable value.  Presets cover the common wishes; a user policy is a TOML
file that starts from a preset and changes what it needs.  Everything that turns a policy into
the words written into files or onto sites lives in :mod:`creatorapp.core.policy.signals`, so this module
only knows about choices and their plain-words meaning.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from creatorapp.errors import UserError

APP_NAME = "creatorapp"


class PolicyError(UserError, ValueError):
    """A policy that cannot be used; the message is meant for the person who wrote it."""


class Use(StrEnum):
    """The kinds of use a creator decides about, broadest first."""

    DATA_MINING = "data_mining"
    AI_TRAINING = "ai_training"
    GENAI_TRAINING = "genai_training"
    AI_INFERENCE = "ai_inference"
    SEARCH_INDEXING = "search_indexing"


class Permission(StrEnum):
    ALLOWED = "allowed"
    PROHIBITED = "prohibited"


USE_MEANING: Mapping[Use, str] = MappingProxyType(
    {
        Use.DATA_MINING: "text and data mining: automated analysis of the works for any purpose",
        Use.AI_TRAINING: "training any AI or machine-learning model on the works",
        Use.GENAI_TRAINING: "training generative AI (models that make images, text or sound)",
        Use.AI_INFERENCE: "feeding the works to an AI system as input when it answers (RAG, grounding)",
        Use.SEARCH_INDEXING: "indexing by search engines so that people can find the works",
    }
)

# A narrower use cannot be allowed while the broader one that contains it is prohibited.
NARROWER_THAN: Mapping[Use, Use] = MappingProxyType(
    {Use.AI_TRAINING: Use.DATA_MINING, Use.GENAI_TRAINING: Use.AI_TRAINING}
)

# How a use reads in a one-line summary of a policy
USE_WORDS: Mapping[Use, str] = MappingProxyType(
    {
        Use.DATA_MINING: "text and data mining",
        Use.AI_TRAINING: "AI training",
        Use.GENAI_TRAINING: "generative-AI training",
        Use.AI_INFERENCE: "use in AI answers",
        Use.SEARCH_INDEXING: "search engine indexing",
    }
)


def summarise(uses: Mapping[Use, Permission]) -> str:
    """A policy's choices in one line, built from the choices themselves so it can never say
    something the table of uses does not: a narrower use prohibited along with the broader one
    is named once, as included."""

    def banned(use: Use) -> bool:
        return uses[use] is Permission.PROHIBITED

    inside = {broad: narrow for narrow, broad in NARROWER_THAN.items()}
    prohibited = []
    for use in Use:
        if not banned(use) or (use in NARROWER_THAN and banned(NARROWER_THAN[use])):
            continue
        words = USE_WORDS[use]
        if use in inside and banned(inside[use]):
            words += f" ({USE_WORDS[inside[use]]} included)"
        prohibited.append(words)
    allowed = [USE_WORDS[u] for u in Use if not banned(u)]
    return (
        f"Prohibited: {', '.join(prohibited) or 'nothing'}. "
        f"Allowed: {', '.join(allowed) or 'nothing'}."
    )


URL_FIELDS = ("contact_url", "licence_url", "policy_url")
MAILTO_FIELDS = ("contact_url",)  # the URL fields that may also be a mailto: address
TEXT_FIELDS = ("creator", "copyright_notice", "constraints")


@dataclass(frozen=True)
class Policy:
    """A creator's reservation: a permission per use, plus the rights-holder details."""

    name: str
    title: str
    description: str
    uses: Mapping[Use, Permission]
    constraints: str = ""
    creator: str = ""
    copyright_notice: str = ""
    contact_url: str = ""
    licence_url: str = ""
    policy_url: str = ""
    source: str = "preset"
    extends: str | None = None
    content_credentials: bool = False  # also sign C2PA Content Credentials into the files

    def __post_init__(self) -> None:
        object.__setattr__(self, "uses", MappingProxyType(dict(self.uses)))

    def permits(self, use: Use) -> bool:
        return self.uses[use] is Permission.ALLOWED

    @property
    def prohibited(self) -> tuple[Use, ...]:
        return tuple(u for u in Use if self.uses[u] is Permission.PROHIBITED)

    def with_identity(self, **details: str) -> Policy:
        """The same choices with rights-holder details filled in (unknown keys are refused)."""
        unknown = set(details) - set(URL_FIELDS) - set(TEXT_FIELDS)
        if unknown:
            raise PolicyError(f"unknown policy detail(s): {', '.join(sorted(unknown))}")
        policy = replace(self, **details)
        validate(policy)
        return policy


def _uses(prohibited: Iterable[Use]) -> dict[Use, Permission]:
    banned = set(prohibited)
    return {u: Permission.PROHIBITED if u in banned else Permission.ALLOWED for u in Use}


RESEARCH_CONSTRAINT = (
    "Text and data mining, including AI training, is permitted only for non-commercial "
    "scientific research by research organisations and cultural heritage institutions "
    "(Art. 3 Directive (EU) 2019/790). All other mining and AI training is reserved "
    "under Art. 4(3)."
)

PRESETS: Mapping[str, Policy] = MappingProxyType(
    {
        p.name: p
        for p in (
            Policy(
                "no-ai",
                "No AI",
                "No AI training, no text and data mining, no AI answers; search engines may "
                "still index the works.",
                _uses([Use.DATA_MINING, Use.AI_TRAINING, Use.GENAI_TRAINING, Use.AI_INFERENCE]),
            ),
            Policy(
                "no-genai",
                "No generative AI",
                "No training of generative AI; other analysis and search indexing are allowed.",
                _uses([Use.GENAI_TRAINING]),
            ),
            Policy(
                "no-tdm",
                "No mining at all",
                "No text and data mining of any kind, including search engine indexing.",
                _uses(Use),
            ),
            Policy(
                "research-only",
                "Research only",
                "Mining and AI training only for non-commercial scientific research; "
                "everything else is reserved.",
                _uses([Use.DATA_MINING, Use.AI_TRAINING, Use.GENAI_TRAINING, Use.AI_INFERENCE]),
                constraints=RESEARCH_CONSTRAINT,
            ),
            Policy(
                "allow",
                "Allow",
                "Mining and AI training are allowed; the works still carry your rights details.",
                _uses([]),
            ),
        )
    }
)
DEFAULT_PRESET = "no-ai"

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def validate(policy: Policy) -> None:
    """Refuse a policy whose choices contradict each other or whose details are malformed."""
    if not _NAME_RE.match(policy.name):
        raise PolicyError(
            f"policy name {policy.name!r} must be lower-case letters, digits, '-', '_' or '.'"
        )
    missing = [u.value for u in Use if u not in policy.uses]
    if missing:
        raise PolicyError(
            f"policy {policy.name!r} does not say anything about: {', '.join(missing)}"
        )
    for narrow, broad in NARROWER_THAN.items():
        if policy.permits(narrow) and not policy.permits(broad):
            raise PolicyError(
                f"policy {policy.name!r}: {narrow.value} is part of {broad.value}, so it cannot be "
                f"allowed while {broad.value} is prohibited"
            )
    for name in URL_FIELDS:
        value = getattr(policy, name)
        if not value or re.match(r"^https?://[^\s/]+\S*$", value):
            continue
        if name in MAILTO_FIELDS and re.match(r"^mailto:[^\s@/?]+@[^\s@/?]+\.[^\s@/?]+$", value):
            continue  # a contact may be an address to write to (TDMRep's vcard:hasEmail)
        also = " or a mailto: address" if name in MAILTO_FIELDS else ""
        raise PolicyError(
            f"policy {policy.name!r}: {name} must be an http:// or https:// address{also}, "
            f"not {value!r}"
        )
    for name in TEXT_FIELDS:
        value = getattr(policy, name)
        if any(ord(c) < 32 and c not in "\n\t" for c in value):
            raise PolicyError(f"policy {policy.name!r}: {name} contains control characters")
    # The mapping to standard vocabularies must be defined for every valid policy.
    from creatorapp.core.policy import signals

    signals.data_mining_uri(policy)


# --- TOML files ------------------------------------------------------------------------------


def config_dir() -> Path:
    """Where user settings live; ``CREATORAPP_CONFIG_DIR`` overrides the platform default."""
    override = os.environ.get("CREATORAPP_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME))


def policies_dir() -> Path:
    return config_dir() / "policies"


_TOP_KEYS = {"name", "title", "description", "extends", "uses", "rights", "content_credentials"}
_RIGHTS_KEYS = set(TEXT_FIELDS) | set(URL_FIELDS)


def _expect_str(where: str, value: object) -> str:
    if not isinstance(value, str):
        raise PolicyError(f"{where} must be text in quotes, not {value!r}")
    return value


def policy_from_dict(data: Mapping[str, object], *, origin: str, default_name: str) -> Policy:
    """Build and validate a policy from parsed TOML, naming the file in every error."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise PolicyError(
            f"{origin}: unknown key(s) {', '.join(sorted(unknown))} "
            f"(expected: {', '.join(sorted(_TOP_KEYS))})"
        )
    extends = _expect_str(f"{origin}: extends", data.get("extends", DEFAULT_PRESET))
    if extends not in PRESETS:
        raise PolicyError(
            f"{origin}: extends = {extends!r} is not a preset (presets: {', '.join(PRESETS)})"
        )
    base = PRESETS[extends]
    uses = dict(base.uses)
    raw_uses = data.get("uses", {})
    if not isinstance(raw_uses, Mapping):
        raise PolicyError(f'{origin}: [uses] must be a table of use = "allowed"|"prohibited"')
    for key, value in raw_uses.items():
        try:
            use = Use(key)
        except ValueError:
            raise PolicyError(
                f"{origin}: unknown use {key!r} (uses: {', '.join(u.value for u in Use)})"
            ) from None
        try:
            uses[use] = Permission(_expect_str(f"{origin}: uses.{key}", value))
        except ValueError:
            raise PolicyError(
                f'{origin}: uses.{key} must be "allowed" or "prohibited", not {value!r}'
            ) from None
    rights = data.get("rights", {})
    if not isinstance(rights, Mapping):
        raise PolicyError(f"{origin}: [rights] must be a table")
    unknown = set(rights) - _RIGHTS_KEYS
    if unknown:
        raise PolicyError(
            f"{origin}: unknown rights key(s) {', '.join(sorted(unknown))} "
            f"(expected: {', '.join(sorted(_RIGHTS_KEYS))})"
        )
    details = {k: _expect_str(f"{origin}: rights.{k}", v).strip() for k, v in rights.items()}
    details.setdefault("constraints", base.constraints)
    sign = data.get("content_credentials", False)
    if not isinstance(sign, bool):
        raise PolicyError(f"{origin}: content_credentials must be true or false, not {sign!r}")
    description = _expect_str(f"{origin}: description", data.get("description", base.description))
    if description == base.description and uses != dict(base.uses):
        description = summarise(uses)  # the preset's words no longer describe these choices
    policy = Policy(
        name=_expect_str(f"{origin}: name", data.get("name", default_name)),
        title=_expect_str(f"{origin}: title", data.get("title", default_name)),
        description=description,
        uses=uses,
        source=origin,
        extends=extends,
        content_credentials=sign,
        **details,
    )
    try:
        validate(policy)
    except PolicyError as exc:
        raise PolicyError(f"{origin}: {exc}") from None
    return policy


def load_policy_file(path: Path) -> Policy:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc.strerror or exc}") from None
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: not valid TOML ({exc})") from None
    return policy_from_dict(data, origin=str(path), default_name=_slug(path.stem))


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-.")
    return slug or "policy"


def policy_to_toml(policy: Policy) -> str:
    base = PRESETS[policy.extends or DEFAULT_PRESET]
    doc: dict[str, object] = {
        "name": policy.name,
        "title": policy.title,
        "description": policy.description,
        "extends": policy.extends or DEFAULT_PRESET,
    }
    changed = {u.value: p.value for u, p in policy.uses.items() if base.uses[u] is not p}
    if changed:
        doc["uses"] = changed
    rights = {k: getattr(policy, k) for k in (*TEXT_FIELDS, *URL_FIELDS) if getattr(policy, k)}
    if rights.get("constraints") == base.constraints:
        rights.pop("constraints")
    if rights:
        doc["rights"] = rights
    import tomli_w

    return tomli_w.dumps(doc)


def save_policy(policy: Policy, directory: Path | None = None) -> Path:
    """Write a user policy atomically so an interrupted save never leaves half a file."""
    validate(policy)
    if policy.name in PRESETS:
        raise PolicyError(f"{policy.name!r} is a preset name; choose another name")
    directory = directory or policies_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{policy.name}.toml"
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(policy_to_toml(policy), encoding="utf-8")
    os.replace(tmp, target)
    return target


def user_policies(directory: Path | None = None) -> dict[str, Policy | PolicyError]:
    """Every user policy file, or the error that keeps it from loading."""
    directory = directory or policies_dir()
    found: dict[str, Policy | PolicyError] = {}
    if not directory.is_dir():
        return found
    for path in sorted(directory.glob("*.toml")):
        try:
            policy = load_policy_file(path)
            found[policy.name] = policy
        except PolicyError as exc:
            found[_slug(path.stem)] = exc
    return found


def resolve_policy(spec: str | None) -> Policy:
    """A policy by preset name, user policy name, or path to a TOML file."""
    if not spec:
        return PRESETS[DEFAULT_PRESET]
    if spec in PRESETS:
        return PRESETS[spec]
    candidate = Path(spec).expanduser()
    if candidate.suffix.lower() == ".toml" or os.sep in spec or candidate.is_file():
        if not candidate.is_file():
            raise PolicyError(f"policy file {spec} does not exist")
        return load_policy_file(candidate)
    user = user_policies()
    found = user.get(spec)
    if isinstance(found, PolicyError):
        raise found
    if found is not None:
        return found
    known = [*PRESETS, *(k for k, v in user.items() if isinstance(v, Policy))]
    raise PolicyError(f"unknown policy {spec!r} (known: {', '.join(known)})")
