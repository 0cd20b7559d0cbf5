"""WebDAV (RFC 4918) over requests: GET, PUT to a temporary name, MOVE with Overwrite, MKCOL."""

from __future__ import annotations

import posixpath
import secrets as random
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

TIMEOUT = 30


@register
class WebDav(Transport):
    KIND = "webdav"
    TITLE = "WebDAV"
    NOUN = "a WebDAV site"
    RANK = 40
    SETTINGS = (
        Setting("endpoint", "WebDAV address", Type.URL, "the share's address", required=True,
                example="https://dav.example.com/site/"),
        Setting("user", "User name", help="the user name to log in with"),
        Setting("ca_file", "CA certificate", Type.PATH, "trust this CA (PEM) for the server"),
        Setting("password", "Password", secret=True),
    )  # fmt: skip

    def __init__(
        self,
        *,
        endpoint: str,
        user: str | None = None,
        password: str | None = None,
        ca_file: str | None = None,
    ) -> None:
        import requests

        self.endpoint = endpoint.rstrip("/") + "/"
        self._session = requests.Session()
        if user:
            self._session.auth = (user, password or "")
        # given with every request: requests lets REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE override
        # a session's CA, and the CA the site was set up with must win
        self._verify: str | bool = ca_file or True
        # a first request: wrong address, refused connection and wrong password show up here
        response = self._request("OPTIONS", "", what="connecting")
        if response.status_code in (401, 403):
            raise TransportError(f"{self.endpoint} refused the login: wrong user name or password")

    def _url(self, path: str) -> str:
        return self.endpoint + quote(path)

    def _request(self, method: str, path: str, *, what: str, **kw):
        import requests

        url = self._url(path)
        try:
            return self._session.request(method, url, timeout=TIMEOUT, verify=self._verify, **kw)
        except requests.exceptions.SSLError as exc:
            raise TransportError(f"{neterrors.describe(exc, url)}; nothing was sent") from None
        except requests.ConnectionError as exc:
            if dropped(exc):
                raise TransportError(
                    f"the connection to {self.endpoint} dropped while {what} /{path}; the file "
                    "on the site was left as it was"
                ) from None
            raise TransportError(
                f"cannot connect to {self.endpoint}: {neterrors.reason(exc, url)}"
            ) from None
        except requests.RequestException as exc:
            raise TransportError(
                f"{what} /{path} on {self.endpoint} failed: {neterrors.reason(exc, url)}"
            ) from None

    def _check(self, response, action: str, path: str) -> None:
        if response.status_code in (401, 403):
            raise TransportError(
                f"the server does not allow {action} /{path} (permission denied, "
                f"{response.status_code})"
            )
        if response.status_code >= 400:
            raise TransportError(
                f"{action} /{path} failed: the server answered {response.status_code} "
                f"{response.reason}"
            )

    def read(self, path: str) -> bytes | None:
        response = self._request("GET", clean_path(path), what="reading")
        if response.status_code == 404:
            return None
        self._check(response, "reading", path)
        return response.content

    def _makedirs(self, folder: str) -> None:
        current = ""
        for part in folder.split("/"):
            if not part:
                continue
            current = f"{current}{part}/"
            response = self._request("MKCOL", current, what="writing")
            if response.status_code not in (201, 405):  # 405: it exists already
                self._check(response, "creating the folder", current)

    def write_atomic(self, path: str, data: bytes) -> None:
        target = clean_path(path)
        folder, name = posixpath.split(target)
        tmp = posixpath.join(folder, f".{name}.creatorapp-{random.token_hex(4)}.tmp")
        self._makedirs(folder)
        response = self._request("PUT", tmp, what="writing", data=data)
        self._check(response, "writing", path)
        moved = self._request(
            "MOVE",
            tmp,
            what="writing",
            headers={"Destination": self._url(target), "Overwrite": "T"},
        )
        if moved.status_code >= 400:
            self._request("DELETE", tmp, what="cleaning up")
            self._check(moved, "writing", path)

    def delete(self, path: str) -> None:
        response = self._request("DELETE", clean_path(path), what="deleting")
        if response.status_code != 404:
            self._check(response, "deleting", path)

    def close(self) -> None:
        self._session.close()
