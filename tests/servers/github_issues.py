"""A loopback stand-in for GitHub's REST issues API as The Stack's opt-out uses it: create an
issue (201, 422 without a title), list the user's issues, read one with an ETag (304 when
unchanged), its comments, 401 for a bad token, a 403 secondary rate limit with Retry-After, a
503 with a long Retry-After, and a gate that holds requests (a slow GitHub).

It also stands in for the opt-out repository's processing: an issue body must read as GitHub
renders the 2026 form ``opt-out-request.yml`` (its own parser below, written from the form, not
from the app's code); a body that does not is refused with 422, since the real processing would
not pick it up.  ``process`` answers like the repository's bot (``scripts/process_issues.py``,
``build_reply``) and closes the issue; ``comment`` lets a maintainer or the creator speak."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.servers.common import Gate, JsonHandler

# the 2026 form, field by field: (id, heading GitHub renders, checkbox options)
FORM_FIELDS = (
    ("remove_accounts", "Accounts and organizations to remove ENTIRELY", ()),
    ("remove_repos", "Specific repositories to remove", ()),
    (
        "authority",
        "Optional - your relationship to what you listed",
        (
            "These are my own personal account(s).",
            "I am an owner or admin of the organization(s) listed.",
            "I am a maintainer / core contributor of the projects listed.",
        ),
    ),
    ("proof", "Optional - a link that helps confirm this is you/yours", ()),
    ("notes", "Anything else? (optional)", ()),
)
BOT = "github-actions[bot]"
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9_.-]+$")
_BOX = re.compile(r"^- \[([ xX])\] (.+)$")


class FormError(ValueError):
    """The body is not the rendered opt-out form."""


def parse_form(body: str) -> dict:
    """The answers of a body GitHub rendered from the form: sections are ``### label`` in the
    form's order (an empty one reads ``_No response_``, or is left out), accounts and
    repositories one a line, checkboxes ``- [x]``/``- [ ]`` with the form's own labels."""
    labels = [label for _, label, _ in FORM_FIELDS]
    chunks = re.split(r"(?m)^### ", body)
    if chunks[0].strip():
        raise FormError("text before the first heading")
    answers: dict = {"remove_accounts": [], "remove_repos": [], "authority": [], "proof": "",
                     "notes": ""}  # fmt: skip
    last = -1
    for chunk in chunks[1:]:
        heading, _, text = chunk.partition("\n")
        if heading not in labels:
            raise FormError(f"unknown heading {heading!r}")
        index = labels.index(heading)
        if index <= last:
            raise FormError(f"heading {heading!r} out of order")
        last = index
        field, _, options = FORM_FIELDS[index]
        text = text.strip()
        if text == "_No response_":
            text = ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if field == "remove_accounts":
            bad = [line for line in lines if not _NAME.match(line)]
            if bad:
                raise FormError(f"not an account: {bad[0]!r}")
            answers[field] = lines
        elif field == "remove_repos":
            bad = [line for line in lines if not _REPO.match(line)]
            if bad:
                raise FormError(f"not owner/repo: {bad[0]!r}")
            answers[field] = lines
        elif options:
            for line in lines:
                box = _BOX.match(line)
                if not box or box.group(2) not in options:
                    raise FormError(f"not one of the form's checkboxes: {line!r}")
                if box.group(1) != " ":
                    answers[field].append(box.group(2))
        else:
            answers[field] = text
    if not answers["remove_accounts"] and not answers["remove_repos"]:
        raise FormError("neither accounts nor repositories listed")
    return answers


def bot_reply(owners: list[str], repos: list[str]) -> str:
    """The repository bot's comment once a request is processed (``build_reply``)."""
    lines = [
        "Your opt-out request has been processed, and your data was removed from all current "
        "and future versions of The Stack. This usually happens within a week."
    ]
    if owners:
        lines += ["", "The following owners were removed:", *(f"- `{o}`" for o in owners)]
    if repos:
        lines += ["", "The following repositories were removed:", *(f"- `{r}`" for r in repos)]
    lines += [
        "",
        "If you believe there was a parsing error, please submit a new issue with more details.",
    ]
    return "\n".join(lines)


TOKEN = "ghp_issue_token_123"
EXPIRED = "ghp_expired_token_000"
REPO = "bigcode-project/opt-out-v2"
LOGIN = "jane"


class IssuesStandIn:
    def __init__(self) -> None:
        self.issues: dict[int, dict] = {}
        self.forms: dict[int, dict] = {}  # issue number -> the form's answers
        self.strict_form = True  # refuse bodies that are not the rendered form
        self.comments: dict[int, list[dict]] = {}
        self.created = 0
        self.throttle_next = 0
        self.not_modified = 0
        self.too_long = 0  # bodies longer than this are refused with 422 (0: no limit)
        self.malformed_next = 0
        self.unavailable_for: str | None = None  # answer 503 with this Retry-After
        self.gate = Gate()
        self.lock = threading.Lock()
        outer = self

        class Handler(JsonHandler):
            def _gate(self) -> bool:
                outer.gate.pass_through()
                if outer.unavailable_for is not None:
                    self._send(
                        503, {"message": "Unavailable"}, {"Retry-After": outer.unavailable_for}
                    )
                    return False
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._send(401, {"message": "Bad credentials"})
                    return False
                with outer.lock:
                    if outer.throttle_next:
                        outer.throttle_next -= 1
                        self._send(
                            403,
                            {"message": "You have exceeded a secondary rate limit."},
                            {"Retry-After": "0"},
                        )
                        return False
                return True

            def do_GET(self):
                if not self._gate():
                    return
                parts = urlsplit(self.path)
                path = parts.path
                base = f"/repos/{REPO}/issues"
                if path == "/user":
                    return self._send(200, {"login": LOGIN})
                with outer.lock:
                    if path == base:
                        query = parse_qs(parts.query)
                        creator = query.get("creator", [None])[0]
                        found = [i for i in outer.issues.values() if i["user"]["login"] == creator]
                        return self._send(200, found)
                    rest = path[len(base) + 1 :] if path.startswith(base + "/") else ""
                    if rest.endswith("/comments"):
                        number = int(rest.split("/")[0])
                        return self._send(200, outer.comments.get(number, []))
                    if rest.isdigit() and int(rest) in outer.issues:
                        if outer.malformed_next:
                            outer.malformed_next -= 1
                            return self._send(200, ["not", "an", "issue"])
                        issue = outer.issues[int(rest)]
                        etag = (
                            '"'
                            + hashlib.sha1(json.dumps(issue, sort_keys=True).encode()).hexdigest()
                            + '"'
                        )
                        if self.headers.get("If-None-Match") == etag:
                            outer.not_modified += 1
                            return self._send(304)
                        return self._send(200, issue, {"ETag": etag})
                self._send(404, {"message": "Not Found"})

            def do_POST(self):
                if not self._gate():
                    return
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path != f"/repos/{REPO}/issues":
                    return self._send(404, {"message": "Not Found"})
                if not body.get("title"):
                    return self._send(422, {"message": "Validation Failed"})
                if outer.too_long and len(body.get("body", "")) > outer.too_long:
                    return self._send(
                        422,
                        {
                            "message": "Validation Failed",
                            "errors": [{"field": "body", "code": "custom",
                                        "message": "body is too long"}],
                        },
                    )  # fmt: skip
                answers = None
                if outer.strict_form:
                    try:
                        answers = parse_form(str(body.get("body", "")))
                    except FormError as exc:
                        return self._send(
                            422,
                            {
                                "message": "Validation Failed",
                                "errors": [{"field": "body", "code": "custom",
                                            "message": f"not the opt-out form: {exc}"}],
                            },
                        )  # fmt: skip
                with outer.lock:
                    outer.created += 1
                    number = 1000 + outer.created
                    if answers is not None:
                        outer.forms[number] = answers
                    issue = {
                        "number": number,
                        "title": body["title"],
                        "body": body.get("body", ""),
                        "state": "open",
                        "state_reason": None,
                        "comments": 0,
                        "user": {"login": LOGIN},
                        "html_url": f"https://github.com/{REPO}/issues/{number}",
                    }
                    outer.issues[number] = issue
                self._send(201, issue)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def comment(self, number: int, text: str, *, by: str = BOT, close: str | None = None) -> None:
        """Someone comments: the bot, a maintainer, or the creator (``by=LOGIN``)."""
        with self.lock:
            self.comments.setdefault(number, []).append({"body": text, "user": {"login": by}})
            self.issues[number]["comments"] += 1
            if close:
                self.issues[number]["state"] = "closed"
                self.issues[number]["state_reason"] = close

    def process(self, number: int) -> str:
        """The repository's processing: remove what the form lists, say so, close the issue."""
        form = self.forms[number]
        reply = bot_reply(form["remove_accounts"], form["remove_repos"])
        self.comment(number, reply, close="completed")
        return reply

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
