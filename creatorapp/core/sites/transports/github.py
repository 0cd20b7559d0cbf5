"""A GitHub Pages site, written through the GitHub contents API (each write is a commit).

The token lives in the keyring.  ``.nojekyll`` is added so that Pages serves ``.well-known``.
An update names the file's current blob ``sha``; if someone changed the file meanwhile GitHub
answers 409 and nothing is overwritten.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from creatorapp.core.sites.transports.base import (
    Transport,
    TransportError,
    clean_path,
    dropped,
    register,
)
from creatorapp.core.sites.transports.settings import Setting, Type
from creatorapp.core.text import neterrors

API = "https://api.github.com"
TIMEOUT = 30


@register
class GitHubPages(Transport):
    KIND = "github"
    TITLE = "GitHub Pages"
    NOUN = "a GitHub Pages site"
    RANK = 50
    SETTINGS = (
        Setting("repo", "Repository", help="the Pages repository", required=True,
                example="OWNER/NAME", pattern=r"[^/\s]+/[^/\s]+"),
        Setting("branch", "Branch", help="the branch Pages publishes from (default: the "
                "repository's)"),
        Setting("folder", "Folder", help="the folder Pages publishes (docs)", default=""),
        Setting("api", "API address", Type.URL, "GitHub Enterprise's API address",
                example=API),
        Setting("token", "Token", help="a token that may write the repository's contents",
                required=True, secret=True),
    )  # fmt: skip

    def __init__(
        self,
        *,
        repo: str,
        token: str,
        branch: str | None = None,
        folder: str = "",
        api: str = API,
    ) -> None:
        import requests

        self.repo, self.branch = repo, branch
        self.folder = folder.strip("/")
        self.api = api.rstrip("/")
        self._session = requests.Session()
        self._session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "creator-reserve",
            }
        )
        self._shas: dict[str, str] = {}
        response = self._call("GET", f"/repos/{repo}")
        if response.status_code == 404:
            raise TransportError(f"no repository {repo} (or the token cannot see it)")
        self._raise_for(response, "opening", repo)

    def required_files(self) -> dict[str, bytes]:
        return {".nojekyll": b""}

    def _call(self, method: str, path: str, **kw):
        import requests

        try:
            return self._session.request(method, self.api + path, timeout=TIMEOUT, **kw)
        except requests.ConnectionError as exc:
            if dropped(exc):
                raise TransportError(
                    f"the connection to {self.api} dropped during {method} {path}; GitHub "
                    "applies a write whole or not at all, publish again"
                ) from None
            raise TransportError(neterrors.describe(exc, self.api)) from None
        except requests.RequestException as exc:
            raise TransportError(neterrors.describe(exc, self.api)) from None

    def _raise_for(self, response, action: str, path: str) -> None:
        code = response.status_code
        if code < 400:
            return
        try:
            message = response.json().get("message", "")
        except ValueError:
            message = response.text[:200]
        if code == 401:
            raise TransportError("GitHub refused the token (401: bad or expired credentials)")
        if code == 403:
            raise TransportError(f"GitHub does not allow {action} {path} (403: {message})")
        if code == 409:
            raise TransportError(
                f"{path} changed on GitHub while publishing (409: {message}); nothing was "
                "overwritten, publish again"
            )
        raise TransportError(f"{action} {path} on GitHub failed ({code}: {message})")

    def _contents(self, path: str) -> str:
        full = "/".join(p for p in (self.folder, clean_path(path)) if p)
        return f"/repos/{self.repo}/contents/{quote(full)}"

    def read(self, path: str) -> bytes | None:
        params = {"ref": self.branch} if self.branch else None
        response = self._call("GET", self._contents(path), params=params)
        if response.status_code == 404:
            self._shas.pop(path, None)
            return None
        self._raise_for(response, "reading", path)
        doc = response.json()
        self._shas[path] = doc["sha"]
        return base64.b64decode(doc.get("content", ""))

    def write_atomic(self, path: str, data: bytes) -> None:
        if path not in self._shas:
            self.read(path)  # learn the current sha, if the file exists
        body = {
            "message": f"Creator Reserve: update /{path}",
            "content": base64.b64encode(data).decode(),
        }
        if self.branch:
            body["branch"] = self.branch
        if path in self._shas:
            body["sha"] = self._shas[path]
        response = self._call("PUT", self._contents(path), json=body)
        self._raise_for(response, "writing", path)
        self._shas[path] = response.json()["content"]["sha"]

    def delete(self, path: str) -> None:
        if path not in self._shas and self.read(path) is None:
            return
        body = {"message": f"Creator Reserve: remove /{path}", "sha": self._shas[path]}
        if self.branch:
            body["branch"] = self.branch
        response = self._call("DELETE", self._contents(path), json=body)
        if response.status_code != 404:
            self._raise_for(response, "deleting", path)
        self._shas.pop(path, None)

    def close(self) -> None:
        self._session.close()
