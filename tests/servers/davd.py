"""wsgidav served by cheroot on a free loopback port, with basic authentication."""

from __future__ import annotations

import threading
from pathlib import Path

from cheroot import wsgi
from wsgidav.wsgidav_app import WsgiDAVApp

USER, PASSWORD = "jane", "s3cret-dav"


class DavServer:
    def __init__(self, root: Path, *, read_only: bool = False) -> None:
        config = {
            "host": "127.0.0.1",
            "port": 0,
            "provider_mapping": {"/": {"root": str(root), "readonly": read_only}},
            "http_authenticator": {
                "domain_controller": None,  # the simple one below
                "accept_basic": True,
                "accept_digest": False,
                "default_to_digest": False,
            },
            "simple_dc": {"user_mapping": {"*": {USER: {"password": PASSWORD}}}},
            "verbose": 0,
            "logging": {"enable": False, "enable_loggers": []},
            "property_manager": True,
            "lock_storage": True,
        }
        app = WsgiDAVApp(config)
        self.server = wsgi.Server(("127.0.0.1", 0), app, numthreads=4)
        self.server.prepare()
        self.port = self.server.bind_addr[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self.server.serve, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.stop()
