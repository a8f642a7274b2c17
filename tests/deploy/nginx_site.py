"""The shipped nginx site (deploy/nginx/frontdoor.conf) run by the real nginx in a test's folder:
only the placeholders are substituted; every other line is used as shipped."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT

NGINX = Path("/usr/sbin/nginx")
SITE = ROOT / "deploy" / "nginx" / "frontdoor.conf"
STATIC = ROOT / "bot" / "web" / "static"


@dataclass(frozen=True)
class SitePorts:
    https: int
    http: int
    app: int


def render_site(site: str, folder: Path, ports: SitePorts, cert: Path, key: Path) -> str:
    """The site file with each placeholder replaced; a placeholder missing from the file fails, so the
    test never runs a site other than the one shipped."""
    replacements = {
        "/etc/frontdoor/tls/fullchain.pem": str(cert),
        "/etc/frontdoor/tls/privkey.pem": str(key),
        "frontdoor.example.org": "localhost",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{ports.https} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{ports.http};",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{ports.app};",
        "/opt/frontdoor/app/bot/web/static/": f"{STATIC}/",
        "/var/log/nginx/frontdoor.access.log": str(folder / "access.log"),
    }
    for placeholder, value in replacements.items():
        assert placeholder in site, f"the site file no longer has the placeholder {placeholder!r}"
        site = site.replace(placeholder, value)
    return site


def main_config(folder: Path, site: Path) -> str:
    """A minimal nginx.conf around the site: pid, logs and temp files in `folder`."""
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                            "uwsgi", "scgi"))
    # `user` counts only when the master runs as root; then the workers must read this folder too.
    return (f"user {pwd.getpwuid(os.geteuid()).pw_name};\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'} info;\nevents {{ worker_connections 64; }}\n"
            f"http {{\n    include /etc/nginx/mime.types;\n{temp}\n    include {site};\n}}\n")


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, made by openssl; (certificate, key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is not installed: apt-get install openssl")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def wait_until(ready: Callable[[], bool], process: subprocess.Popen[bytes], log: Path, what: str,
               seconds: float = 240) -> None:
    """Until `ready()`, or fail with the log's end when the process exits or `seconds` pass. The bound only turns a
    hang into a failure: two server processes importing the app while `make test`'s four workers share two cores
    have taken over a minute."""
    deadline = time.monotonic() + seconds
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            pytest.fail(f"{what} did not start:\n{tail}")
        time.sleep(0.1)


def listening(port: int) -> Callable[[], bool]:
    def ready() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    return ready


def healthy(port: int) -> Callable[[], bool]:
    def ready() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    return ready


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_nginx(folder: Path, ports: SitePorts) -> Iterator[Path]:
    """nginx with the rendered site, in the foreground, until the block ends; yields the certificate."""
    if not NGINX.is_file():
        pytest.fail(f"nginx is not installed at {NGINX}: run `make system-packages` (Debian package nginx)")
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / kind).mkdir(exist_ok=True)
    cert, key = self_signed_certificate(folder)
    site = folder / "frontdoor.conf"
    site.write_text(render_site(SITE.read_text(), folder, ports, cert, key))
    config = folder / "nginx.conf"
    config.write_text(main_config(folder, site))
    command = [str(NGINX), "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, f"nginx refuses the site:\n{checked.stderr}"
    process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(listening(ports.https), process, folder / "error.log", "nginx")
        yield cert
    finally:
        stop(process)


@contextmanager
def running_app(folder: Path, port: int, environment: Mapping[str, str], workers: int = 2) -> Iterator[Path]:
    """`frontdoor serve --workers N` as an operator starts it, with only `environment` as its settings
    (nothing inherited from the FRONTDOOR_ variables of the shell running the tests); yields its log."""
    frontdoor = Path(sys.executable).parent / "frontdoor"
    inherited = {name: value for name, value in os.environ.items()
                 if not name.startswith("FRONTDOOR_") and name != "FORWARDED_ALLOW_IPS"}
    log = folder / "app.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(frontdoor), "serve", "--port", str(port), "--workers", str(workers)],
                                   cwd=folder, env={**inherited, **environment}, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_until(healthy(port), process, log, "frontdoor serve")
            yield log
        finally:
            stop(process)
