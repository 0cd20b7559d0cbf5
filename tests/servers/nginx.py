"""nginx on a free loopback port, serving a document root with the app's generated snippet
included in its server block, the way a creator installs it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.servers.common import free_port
from tests.waiting import wait_until

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def available() -> bool:
    return os.path.exists(NGINX)


def _answers(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Nginx:
    def __init__(self, root: Path, snippet: Path, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        temp = workdir / "temp"
        temp.mkdir(exist_ok=True)
        conf = workdir / "nginx.conf"
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the test's files
        temps = "".join(
            f"    {kind}_temp_path {temp}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        conf.write_text(
            f"{user}worker_processes 1;\n"
            "error_log stderr error;\n"
            f"pid {workdir}/nginx.pid;\n"
            "events { worker_connections 64; }\n"
            "http {\n"
            "    access_log off;\n"
            f"{temps}"
            "    types { text/plain txt; application/json json; text/html html;\n"
            "            image/jpeg jpg jpeg; image/png png; }\n"
            "    default_type application/octet-stream;\n"
            "    server {\n"
            f"        listen 127.0.0.1:{self.port};\n"
            f"        root {root};\n"
            f"        include {snippet};\n"
            "    }\n"
            "}\n"
        )
        self.proc = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(workdir), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_until(lambda: self.proc.poll() is not None or _answers(self.port), what="nginx")
        if self.proc.poll() is not None:
            raise RuntimeError(f"nginx did not start: {self.proc.stderr.read().decode()}")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
