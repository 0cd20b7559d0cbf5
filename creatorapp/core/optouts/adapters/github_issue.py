"""The Stack (BigCode): a GitHub issue in the opt-out repository, filed from the creator's own
account (registries.md §3, §13b).

The REST API does not apply issue forms, so the body is what GitHub renders from the
repository's form ``opt-out-request.yml`` (``FORM``): a ``### label`` heading per field in the
form's order, ``_No response_`` for an empty field, a ``- [x]`` / ``- [ ]`` line per checkbox.
Whole accounts go in ``remove_accounts``, single ``owner/repo`` repositories in
``remove_repos``.  The title carries the idempotency key, so a retry or a restart finds the
earlier issue among the user's own.

Polling reads the issue (ETag, so an unchanged issue costs a 304) and its comments.  The
processing comment ("Your opt-out request has been processed … The following owners were
removed: - `owner` … The following repositories were removed: - `owner/repo`") gives
per-owner and per-repository outcomes; a maintainer asking who the creator is to what they
listed (proof of authority) puts the items in ``needs_info`` until the creator answers on the
issue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from creatorapp.core.optouts import settings
from creatorapp.core.optouts.adapters.base import Adapter, Capabilities, Outcome, Sent
from creatorapp.core.optouts.http import RateLimiter, RegistryError, send
from creatorapp.core.optouts.model import ItemState, is_repository

TITLE = "Opt-out request"
NO_RESPONSE = "_No response_"  # what GitHub writes for a field left empty


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    options: tuple[str, ...] = ()  # a checkboxes field's options, in the form's order


# .github/ISSUE_TEMPLATE/opt-out-request.yml of bigcode-project/opt-out-v2 (docs/standards.md):
# the fields in the form's order, with the labels GitHub turns into headings
FORM = (
    FormField("remove_accounts", "Accounts and organizations to remove ENTIRELY"),
    FormField("remove_repos", "Specific repositories to remove"),
    FormField(
        "authority",
        "Optional - your relationship to what you listed",
        (
            "These are my own personal account(s).",
            "I am an owner or admin of the organization(s) listed.",
            "I am a maintainer / core contributor of the projects listed.",
        ),
    ),
    FormField("proof", "Optional - a link that helps confirm this is you/yours"),
    FormField("notes", "Anything else? (optional)"),
)
# which authority boxes a request ticks: its own accounts, and the projects it lists (the
# organisation box is the creator's own statement, given with the "authority" option)
_AUTHORITY = {"own": 0, "org_admin": 1, "maintainer": 2}

_PROCESSED = re.compile(r"\[PROCESSED\]|automatically processed|has been processed", re.I)
_LISTED = re.compile(r"^\s*[-*]\s*`?([A-Za-z0-9][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_.-]+)?)`?\s*$", re.M)
# a maintainer asking who the creator is to what they listed (proof of authority)
_ASKS_AUTHORITY = re.compile(
    r"\b(affiliat\w*|proof|prove|verif\w*|confirm\w*|authori[sz]\w*|authority|relationship"
    r"|(?:owner|admin|maintainer|member)s?\b.*\?)",
    re.I | re.S,
)
_ASKING = re.compile(r"\?|\b(please|could you|can you|would you|kindly)\b", re.I)


class GitHubIssue(Adapter):
    kind: ClassVar[str] = "github_issue"
    submit_mode: ClassVar[str] = "github_issue"
    status_mode: ClassVar[str] = "poll_issue"
    settings = settings.token(
        "GitHub token", "a token of your own GitHub account that may open issues"
    )
    capabilities = Capabilities(finds_earlier=True, poll_schedule=("1d", "1d", "7d"))

    def _session(self):
        import requests

        if getattr(self, "_http", None) is None:
            self._http = requests.Session()
            self._http.headers.update(
                {
                    "Authorization": f"Bearer {self.secret or ''}",
                    "Accept": "application/vnd.github+json",
                    "X-GitHub-Api-Version": "2022-11-28",
                    "User-Agent": "creator-reserve",
                }
            )
            # content creation has its own, much lower limit (80/min, 500/h); reads do not
            interval = self.options.get("min_interval", self.descriptor.rate_limit.min_interval())
            self._create_limiter = RateLimiter(float(interval))
            self._read_limiter = RateLimiter(0.0)
        return self._http

    @property
    def api(self) -> str:
        return str(self.options.get("api") or self.descriptor.endpoints["api"]).rstrip("/")

    @property
    def repo(self) -> str:
        return str(self.options.get("repo") or self.descriptor.endpoints["repo"])

    def _call(self, method: str, path: str, **kw):
        if not self.secret:
            raise RegistryError(
                "no GitHub token stored (the issue must come from your own account)",
                retryable=False,
                hint=self.set_up_hint(),
            )
        session = self._session()
        response = send(
            session,
            method,
            self.api + path,
            limiter=self._create_limiter if method == "POST" else self._read_limiter,
            what="GitHub",
            backoff=float(self.options.get("backoff", 1.0)),
            **kw,
        )
        if response.status_code == 401:
            raise RegistryError(
                "GitHub refused the token (401: bad or expired)",
                retryable=False,
                hint=self.set_up_hint(),
            )
        if response.status_code == 403:
            raise RegistryError(f"GitHub refused (403): {_message(response)}; will retry later")
        return response

    def render(self, targets: list[str], key: str, part: tuple[int, int]) -> dict:
        number, count = part
        suffix = f" ({number}/{count})" if count > 1 else ""
        repos = [t for t in targets if is_repository(t)]
        accounts = [t for t in targets if t not in repos]
        ticked = self.options.get("authority")
        if ticked is None:
            ticked = (["own"] if accounts else []) + (["maintainer"] if repos else [])
        answers = {
            "remove_accounts": "\n".join(accounts),
            "remove_repos": "\n".join(repos),
            "authority": {_AUTHORITY[k] for k in ticked},
            "proof": str(self.options.get("proof") or ""),
            "notes": f"Filed with Creator Reserve, reference {key}.",
        }
        return {"title": f"{TITLE}{suffix} [{key}]", "body": render_form(answers)}

    def find(self, key: str) -> Sent | None:
        user = self._call("GET", "/user")
        if user.status_code != 200:
            return None
        login = user.json().get("login")
        response = self._call(
            "GET",
            f"/repos/{self.repo}/issues",
            params={"creator": login, "state": "all", "per_page": 100},
        )
        if response.status_code != 200:
            return None
        for issue in response.json():
            if f"[{key}]" in issue.get("title", ""):
                return self._sent(issue, found=True)
        return None

    def send(self, payload: dict, key: str) -> Sent:
        response = self._call("POST", f"/repos/{self.repo}/issues", json=payload)
        if response.status_code == 422:
            raise RegistryError(
                f"GitHub did not accept the issue (422): {_message(response)}; the request "
                "stays queued (a smaller batch may go through)",
                retryable=False,
            )
        if response.status_code != 201:
            raise RegistryError(f"GitHub answered {response.status_code}: {_message(response)}")
        try:
            return self._sent(response.json(), found=False)
        except (ValueError, KeyError, TypeError):
            raise RegistryError(
                "GitHub's answer had an unexpected shape (no issue number); the issue will be "
                "looked up before it is filed again"
            ) from None

    @staticmethod
    def _sent(issue: dict, *, found: bool) -> Sent:
        return Sent(
            state=ItemState.SUBMITTED,
            remote_ref=str(issue["number"]),
            remote_url=issue.get("html_url"),
            evidence={
                "issue": issue["number"],
                "url": issue.get("html_url"),
                "found_existing": found,
            },
        )

    last_etag: str | None = None

    def poll(self, submission: dict, items: list[dict]) -> list[Outcome]:
        self.last_etag = None
        number = submission["remote_ref"]
        headers = {"If-None-Match": submission["etag"]} if submission.get("etag") else {}
        response = self._call("GET", f"/repos/{self.repo}/issues/{number}", headers=headers)
        if response.status_code == 304:
            return []
        if response.status_code != 200:
            raise RegistryError(f"GitHub answered {response.status_code} for issue #{number}")
        try:
            issue = response.json()
            state, reason = issue["state"], issue.get("state_reason")
            comment_count = int(issue.get("comments") or 0)
            author = str((issue.get("user") or {}).get("login") or "")
        except (ValueError, KeyError, TypeError, AttributeError):
            raise RegistryError(
                f"GitHub's answer for issue #{number} had an unexpected shape; nothing was "
                "recorded, will retry"
            ) from None
        comments = self._call("GET", f"/repos/{self.repo}/issues/{number}/comments")
        if comments.status_code != 200:
            raise RegistryError(f"GitHub answered {comments.status_code} for the comments")
        try:
            texts = [
                (str((c.get("user") or {}).get("login")), str(c.get("body") or ""))
                for c in comments.json()
            ]
        except (ValueError, AttributeError, TypeError):
            raise RegistryError(
                f"GitHub's comments for issue #{number} had an unexpected shape; will retry"
            ) from None
        self.last_etag = response.headers.get("ETag")  # only once the answer was usable
        removed: set[str] = set()
        processed = False
        question: str | None = None  # the latest question the creator has not answered
        answered_by_others = False
        for login, text in texts:
            if _PROCESSED.search(text):
                processed = True
                removed |= {m.lower() for m in _LISTED.findall(text)}
            elif login == author:
                question = None  # the creator answered on the issue
            else:
                answered_by_others = True
                if _ASKS_AUTHORITY.search(text) and _ASKING.search(text):
                    question = f"@{login} asks on issue #{number}: {_brief(text)}"
        outcomes = []
        for item in items:
            target = item["target"].lower()
            owner = target.partition("/")[0]
            if (
                target in removed
                or owner in removed
                or (processed and not removed and state == "closed")
            ):
                outcomes.append(Outcome(item["id"], ItemState.CONFIRMED, f"issue #{number}"))
            elif state == "closed" and reason == "not_planned":
                outcomes.append(
                    Outcome(
                        item["id"], ItemState.REJECTED, f"issue #{number} closed as not planned"
                    )
                )
            elif question and not processed:
                outcomes.append(Outcome(item["id"], ItemState.NEEDS_INFO, question))
            elif (comment_count and answered_by_others) and not processed:
                outcomes.append(Outcome(item["id"], ItemState.ACKNOWLEDGED, f"issue #{number}"))
        return outcomes

    def close(self) -> None:
        if getattr(self, "_http", None) is not None:
            self._http.close()
            self._http = None


def render_form(answers: dict[str, object]) -> str:
    """The body GitHub writes when ``opt-out-request.yml`` is submitted with these answers: a
    ``### label`` heading per field, the text (``_No response_`` when empty), and for the
    checkboxes one ``- [x]``/``- [ ]`` line per option."""
    sections = []
    for field in FORM:
        value = answers.get(field.id)
        if field.options:
            ticked = value if isinstance(value, set | frozenset) else set()
            text = "\n".join(
                f"- [{'x' if i in ticked else ' '}] {label}"
                for i, label in enumerate(field.options)
            )
        else:
            text = str(value or "").strip() or NO_RESPONSE
        sections.append(f"### {field.label}\n\n{text}")
    return "\n\n".join(sections)


def _brief(text: str, limit: int = 300) -> str:
    words = " ".join(text.split())
    return words if len(words) <= limit else words[: limit - 1] + "…"


def _message(response) -> str:
    try:
        doc = response.json()
        details = "; ".join(
            str(e.get("message") or e.get("code")) for e in doc.get("errors", []) if e
        )
        return (str(doc.get("message", "")) + (f" ({details})" if details else ""))[:200]
    except (ValueError, AttributeError, TypeError):
        return response.text[:200]
