"""THE mapping from a policy to the value each carrier holds.

Nothing else in the application decides what a file, a site or a credential says: writers,
generators and readers all ask this module.  Values come from tables so that the mapping can be
read (and reviewed against the standards) at a glance.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum, StrEnum
from types import MappingProxyType

from creatorapp.core.policy import Permission, Policy, PolicyError, Use

# --- IPTC / PLUS Data Mining vocabulary (standards.md §2.2) ---------------------------------

PLUS_NS = "http://ns.useplus.org/ldf/xmp/1.0/"
VOCAB_PREFIX = "http://ns.useplus.org/ldf/vocab/"

DATA_MINING_VOCABULARY: Mapping[str, str] = MappingProxyType(
    {
        VOCAB_PREFIX + code: label
        for code, label in (
            ("DMI-UNSPECIFIED", "Unspecified - no prohibition defined"),
            ("DMI-ALLOWED", "Allowed"),
            ("DMI-PROHIBITED-AIMLTRAINING", "Prohibited for AI/ML training"),
            ("DMI-PROHIBITED-GENAIMLTRAINING", "Prohibited for Generative AI/ML training"),
            (
                "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
                "Prohibited except for search engine indexing",
            ),
            ("DMI-PROHIBITED", "Prohibited"),
            ("DMI-PROHIBITED-SEECONSTRAINT", "Prohibited, see plus:OtherConstraints"),
            ("DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR", "Prohibited, see iptcExt:EmbdEncRightsExpr"),
            ("DMI-PROHIBITED-SEELINKEDRIGHTSEXPR", "Prohibited, see iptcExt:LinkedEncRightsExpr"),
        )
    }
)
NOT_RESERVED = frozenset({VOCAB_PREFIX + "DMI-ALLOWED", VOCAB_PREFIX + "DMI-UNSPECIFIED"})

_P, _A = Permission.PROHIBITED, Permission.ALLOWED

# First matching row wins.  A row names the permissions it requires; uses it does not name may be
# anything.  "constraints" True means the policy carries a constraints text.
DATA_MINING_RULES: tuple[tuple[Mapping[Use, Permission], bool | None, str], ...] = (
    ({u: _A for u in Use}, None, "DMI-ALLOWED"),
    ({}, True, "DMI-PROHIBITED-SEECONSTRAINT"),
    ({Use.DATA_MINING: _P, Use.SEARCH_INDEXING: _P}, None, "DMI-PROHIBITED"),
    (
        {Use.DATA_MINING: _P, Use.SEARCH_INDEXING: _A},
        None,
        "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
    ),
    ({Use.DATA_MINING: _A, Use.AI_TRAINING: _P}, None, "DMI-PROHIBITED-AIMLTRAINING"),
    (
        {Use.DATA_MINING: _A, Use.AI_TRAINING: _A, Use.GENAI_TRAINING: _P},
        None,
        "DMI-PROHIBITED-GENAIMLTRAINING",
    ),
)

# The plain-words reservation carried in xmpRights:UsageTerms and the EXIF notice.
_ART_43 = "under Art. 4(3) Directive (EU) 2019/790"
USAGE_TERMS: Mapping[str, str] = MappingProxyType(
    {
        "DMI-ALLOWED": "Text and data mining and AI training of this work are permitted.",
        "DMI-PROHIBITED": f"Reserved against all text and data mining, including AI training and search engine indexing, {_ART_43}.",
        "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING": f"Reserved against text and data mining and AI training {_ART_43}; search engine indexing is permitted.",
        "DMI-PROHIBITED-AIMLTRAINING": f"Reserved against AI and machine-learning training {_ART_43}.",
        "DMI-PROHIBITED-GENAIMLTRAINING": f"Reserved against generative AI training {_ART_43}.",
        "DMI-PROHIBITED-SEECONSTRAINT": f"Reserved against text and data mining and AI training {_ART_43}, except as stated in the constraints.",
    }
)


def validate_data_mining(value: str) -> str:
    """Refuse anything outside the nine IPTC URIs (a bare code is refused too: it is not a URI)."""
    if value not in DATA_MINING_VOCABULARY:
        raise PolicyError(
            f"{value!r} is not an IPTC Data Mining value; expected a full URI from "
            f"{VOCAB_PREFIX} such as {VOCAB_PREFIX}DMI-PROHIBITED"
        )
    return value


def data_mining_code(policy: Policy) -> str:
    has_constraints = bool(policy.constraints.strip())
    for required, constraints, code in DATA_MINING_RULES:
        if constraints is not None and constraints != has_constraints:
            continue
        if all(policy.uses[u] is p for u, p in required.items()):
            return code
    raise PolicyError(
        f"policy {policy.name!r}: no IPTC Data Mining value expresses these choices; "
        "add a constraints text that says them in words"
    )


def data_mining_uri(policy: Policy) -> str:
    return validate_data_mining(VOCAB_PREFIX + data_mining_code(policy))


def usage_terms(policy: Policy) -> str:
    return USAGE_TERMS[data_mining_code(policy)]


def is_reserved(data_mining: str | None) -> bool:
    return (
        bool(data_mining)
        and data_mining in DATA_MINING_VOCABULARY
        and data_mining not in NOT_RESERVED
    )


# --- Content Credentials training-and-mining (standards.md §3) ------------------------------

# CAWG entry key -> the use it speaks of; the deprecated C2PA label carries the same entries
# with a "c2pa." prefix, because some readers still look only for it (§3.6)
TRAINING_MINING_KEYS: Mapping[str, Use] = MappingProxyType(
    {
        "data_mining": Use.DATA_MINING,
        "ai_training": Use.AI_TRAINING,
        "ai_generative_training": Use.GENAI_TRAINING,
        "ai_inference": Use.AI_INFERENCE,
    }
)
TRAINING_MINING_LABELS = ("cawg.training-mining", "c2pa.training-mining")


def training_mining(policy: Policy, prefix: str = "cawg") -> dict[str, dict[str, str]]:
    """The ``entries`` map of a training-mining assertion.  A prohibited use is ``notAllowed``,
    or ``constrained`` with the policy's constraints when it has them (CAWG: constrained
    without information means notAllowed)."""
    entries: dict[str, dict[str, str]] = {}
    constraints = policy.constraints.strip()
    for key, use in TRAINING_MINING_KEYS.items():
        if policy.uses[use] is Permission.ALLOWED:
            entry = {"use": "allowed"}
        elif constraints:
            entry = {"use": "constrained", "constraint_info": constraints}
        else:
            entry = {"use": "notAllowed"}
        entries[f"{prefix}.{key}"] = entry
    return entries


# --- Embedded fields -------------------------------------------------------------------------


class Mode(Enum):
    """OWN: the policy decides the value.  FILL: written only where the file has none, because
    it may hold the photographer's own words (overwritten only when the user forces it, or
    where it still holds exactly what an earlier policy of ours wrote: ``Field.earlier``)."""

    OWN = "own"
    FILL = "fill"


class Family(Enum):
    XMP = "Xmp"
    EXIF = "Exif"
    IPTC = "Iptc"


@dataclass(frozen=True)
class Field:
    key: str
    value: str | dict[str, str] | list[str]
    mode: Mode
    # FILL only: what an earlier policy of ours wrote at this key (see :func:`with_earlier`).
    # Not part of what the file should carry, so not part of the signature.
    earlier: str | dict[str, str] | list[str] | None = None

    @property
    def family(self) -> Family:
        return Family(self.key.split(".", 1)[0])


def lang_alt(text: str) -> dict[str, str]:
    return {'lang="x-default"': text}


def copyright_notice(policy: Policy) -> str | None:
    """The one copyright notice, written alike to ``dc:rights``, EXIF Copyright and IIM 2:116
    as IPTC's mapping requires; the reservation itself goes to ``xmpRights:UsageTerms``."""
    return policy.copyright_notice.strip() or None


def iim_text(text: str | None, limit: int) -> str | None:
    """``text`` cut to an IIM field's limit, which counts UTF-8 bytes, never inside a
    character."""
    if not text:
        return None
    return text.encode()[:limit].decode(errors="ignore").rstrip() or None


def _listed(text: str | None) -> list[str] | None:
    return [text] if text else None


# key, mode, value from policy (None = not written for this policy)
_FIELD_TABLE: tuple[tuple[str, Mode, object], ...] = (
    ("Xmp.plus.DataMining", Mode.OWN, data_mining_uri),
    (
        "Xmp.plus.OtherConstraints",
        Mode.OWN,
        lambda p: lang_alt(p.constraints) if p.constraints else None,
    ),
    ("Xmp.xmpRights.Marked", Mode.OWN, lambda p: "True"),
    ("Xmp.xmpRights.UsageTerms", Mode.OWN, lambda p: lang_alt(usage_terms(p))),
    ("Xmp.xmpRights.WebStatement", Mode.OWN, lambda p: p.policy_url or None),
    (
        "Xmp.dc.rights",
        Mode.FILL,
        lambda p: lang_alt(copyright_notice(p)) if copyright_notice(p) else None,
    ),
    ("Xmp.dc.creator", Mode.FILL, lambda p: [p.creator] if p.creator else None),
    ("Exif.Image.Copyright", Mode.FILL, copyright_notice),
    ("Exif.Image.Artist", Mode.FILL, lambda p: p.creator or None),
    ("Iptc.Application2.Copyright", Mode.FILL, lambda p: iim_text(copyright_notice(p), 128)),
    ("Iptc.Application2.Byline", Mode.FILL, lambda p: _listed(iim_text(p.creator, 32))),
)

# Fields that hold one value in different places (IPTC's mapping of Copyright Notice and
# Creator across XMP, EXIF and IIM), each with the shape its place takes.  Where a file already
# says one of them, its own words are copied into the empty places instead of ours, so the
# places never disagree.
SAME_VALUE_GROUPS: tuple[Mapping[str, object], ...] = (
    MappingProxyType(
        {
            "Xmp.dc.rights": lang_alt,
            "Exif.Image.Copyright": lambda text: text,
            "Iptc.Application2.Copyright": lambda text: iim_text(text, 128),
        }
    ),
    MappingProxyType(
        {
            "Xmp.dc.creator": lambda text: [text],
            "Exif.Image.Artist": lambda text: text,
            "Iptc.Application2.Byline": lambda text: _listed(iim_text(text, 32)),
        }
    ),
)


def plain_text(value: object) -> str:
    """The text of a field value in any of its shapes (language alternative, list, string)."""
    if isinstance(value, dict):
        value = value.get('lang="x-default"') or next(iter(value.values()), "")
    elif isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").strip()


def same_value_elsewhere(key: str, found: Mapping[str, object]) -> object | None:
    """For an empty ``key``, the value a sibling place already holds, in ``key``'s shape."""
    for group in SAME_VALUE_GROUPS:
        if key in group:
            for other in group:
                text = plain_text(found.get(other)) if other != key else ""
                if text:
                    return group[key](text)  # type: ignore[operator]
    return None


OWNED_KEYS = frozenset(k for k, m, _ in _FIELD_TABLE if m is Mode.OWN)
ALL_KEYS = frozenset(k for k, _, _ in _FIELD_TABLE)


def embedded_fields(policy: Policy) -> tuple[Field, ...]:
    """Every metadata field a file should carry for this policy."""
    fields = []
    for key, mode, make in _FIELD_TABLE:
        value = make(policy)
        if value is not None:
            fields.append(Field(key, value, mode))
    return tuple(fields)


def field_rows(fields: tuple[Field, ...]) -> list[list]:
    """The fields as plain JSON rows ``[key, value, mode]``: what the signature is taken of,
    and what the catalogue keeps of each signature it tagged with."""
    return [[f.key, f.value, f.mode.value] for f in fields]


def fields_from_rows(rows: list) -> tuple[Field, ...]:
    """The fields :func:`field_rows` describes (rows of an unknown mode are left out)."""
    modes = {m.value: m for m in Mode}
    return tuple(Field(key, value, modes[mode]) for key, value, mode in rows if mode in modes)


def with_earlier(fields: tuple[Field, ...], previous: tuple[Field, ...]) -> tuple[Field, ...]:
    """``fields`` for a file we tagged before with ``previous``: each FILL field whose value
    changed remembers the value ``previous`` put in its place.  A file that still says that is
    saying our earlier words, not the photographer's, and may be brought to the new ones."""
    before = {f.key: f.value for f in previous if f.mode is Mode.FILL}
    return tuple(
        replace(f, earlier=before[f.key])
        if f.mode is Mode.FILL and f.key in before and before[f.key] != f.value
        else f
        for f in fields
    )


def fields_signature(fields: tuple[Field, ...]) -> str:
    """A short, stable fingerprint of what a file should carry: when it changes (policy edited,
    rights text changed), works tagged under the old one are stale."""
    canonical = json.dumps(
        field_rows(fields),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


# --- Site-level signals (docs/standards.md) ---------------------------------------------------


class CrawlerPurpose(StrEnum):
    """Why an AI crawler fetches pages (the ``purpose`` of each agent in
    resources/ai_crawlers.json).  A crawler is turned away when a use it serves is prohibited."""

    TRAINING = "training"  # collects pages to train its operator's models
    SCRAPER = "scraper"  # collects data or builds datasets that others train on
    SEARCH = "search"  # indexes pages for an AI search engine that answers with them
    ASSISTANT = "assistant"  # fetches a page when a person asks an assistant or agent


# the uses each purpose serves; prohibiting any of them turns the crawler away
PURPOSE_USES: Mapping[CrawlerPurpose, frozenset[Use]] = MappingProxyType(
    {
        # training crawlers do not say which kind of model they feed, so a reservation of
        # generative training alone must already keep them out
        CrawlerPurpose.TRAINING: frozenset({Use.AI_TRAINING, Use.GENAI_TRAINING}),
        CrawlerPurpose.SCRAPER: frozenset({Use.DATA_MINING, Use.AI_TRAINING, Use.GENAI_TRAINING}),
        CrawlerPurpose.SEARCH: frozenset({Use.AI_INFERENCE}),
        CrawlerPurpose.ASSISTANT: frozenset({Use.AI_INFERENCE}),
    }
)


def blocked_purposes(policy: Policy) -> frozenset[CrawlerPurpose]:
    return frozenset(
        purpose
        for purpose, uses in PURPOSE_USES.items()
        if any(policy.uses[u] is Permission.PROHIBITED for u in uses)
    )


# One table per vocabulary, mapping each label to the uses it speaks of.  A label says "no"
# when the policy prohibits every use it covers, "yes" when it allows them all, and nothing
# when the policy allows some and not others: a vocabulary too coarse for the policy is left
# silent rather than made to say more, or less, than the creator chose.  See the watch list in
# docs/standards.md for labels that are still moving.
#
# IETF AIPREF (draft-ietf-aipref-vocab-08): ``train-ai`` is training of generative models,
# ``ai-use`` is use as input to a generative model, ``search`` is search-engine use.  Search is
# only ever said "n": in -08 ``search=y`` overrides the other categories, so it would grant
# training inside a search application.
# (label, uses, the word for "allowed" or None to say nothing then)
AIPREF_LABELS: tuple[tuple[str, frozenset[Use], str | None], ...] = (
    ("train-ai", frozenset({Use.GENAI_TRAINING}), "y"),
    ("ai-use", frozenset({Use.AI_INFERENCE}), "y"),
    ("search", frozenset({Use.SEARCH_INDEXING}), None),
)
# Cloudflare Content Signals: ``search`` (links and short excerpts), ``ai-input`` (RAG,
# grounding, generative answers), ``ai-train`` (training or fine-tuning any AI model).
CONTENT_SIGNAL_LABELS: tuple[tuple[str, frozenset[Use]], ...] = (
    ("search", frozenset({Use.SEARCH_INDEXING})),
    ("ai-input", frozenset({Use.AI_INFERENCE})),
    ("ai-train", frozenset({Use.AI_TRAINING, Use.GENAI_TRAINING})),
)


def _prohibits(policy: Policy, uses: frozenset[Use]) -> bool:
    return any(policy.uses[u] is Permission.PROHIBITED for u in uses)


def _verdict(policy: Policy, uses: frozenset[Use]) -> bool | None:
    """True when every use is prohibited, False when every one is allowed, None when mixed."""
    prohibited = {policy.uses[u] is Permission.PROHIBITED for u in uses}
    return prohibited.pop() if len(prohibited) == 1 else None


def content_usage(policy: Policy) -> str:
    """The AIPREF usage preference (``Content-Usage`` header and robots.txt rule)."""
    parts = []
    for label, uses, allowed in AIPREF_LABELS:
        verdict = _verdict(policy, uses)
        word = "n" if verdict else (allowed if verdict is False else None)
        if word:
            parts.append(f"{label}={word}")
    return ", ".join(parts)


def content_signal(policy: Policy) -> str:
    """The Cloudflare ``Content-Signal`` line (yes/no values)."""
    parts = []
    for label, uses in CONTENT_SIGNAL_LABELS:
        verdict = _verdict(policy, uses)
        if verdict is not None:
            parts.append(f"{label}={'no' if verdict else 'yes'}")
    return ", ".join(parts)


@dataclass(frozen=True)
class SiteSignals:
    tdm_reservation: int  # TDMRep: 1 reserved, 0 not
    content_usage: str  # IETF AIPREF
    content_signal: str  # Cloudflare Content Signals (yes/no values)
    crawlers: frozenset[CrawlerPurpose]  # the purposes of the AI crawlers robots.txt turns away
    x_robots: str | None  # X-Robots-Tag / meta robots tokens (always lower case)
    license_url: str | None  # RSL licence

    @property
    def reserved(self) -> bool:
        return bool(self.tdm_reservation)


# ``noai`` / ``noimageai`` (DeviantArt's tokens, read by img2dataset and others) say "no AI
# use of this at all"; they are written only when the policy reserves all AI training, since
# a no-genai policy allows other training and the tokens cannot say so.
NOAI_TOKENS = "noai, noimageai"
NOAI_WHEN = frozenset({Use.AI_TRAINING})


def site_signals(policy: Policy) -> SiteSignals:
    """What the creator's site says for this policy, in every site-level carrier."""
    tdm = 0 if data_mining_code(policy) == "DMI-ALLOWED" else 1
    return SiteSignals(
        tdm_reservation=tdm,
        content_usage=content_usage(policy),
        content_signal=content_signal(policy),
        crawlers=blocked_purposes(policy),
        x_robots=NOAI_TOKENS if _prohibits(policy, NOAI_WHEN) else None,
        license_url=policy.licence_url or None,
    )
