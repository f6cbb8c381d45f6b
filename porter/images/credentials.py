"""Registry credentials from the Docker config (``$DOCKER_CONFIG/config.json``, else
``~/.docker/config.json``): ``auths`` entries (``auth`` as base64 ``user:password``, or
``username`` and ``password``), and ``credHelpers``/``credsStore`` through the
``docker-credential-NAME get`` protocol that docker and containerd use."""

from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

from porter.images.reference import DOCKER_HUB

_HUB_KEYS = ("https://index.docker.io/v1/", "index.docker.io", "docker.io",
             "registry-1.docker.io")
_HELPER_TIMEOUT = 10


def config_path() -> Path:
    directory = os.environ.get("DOCKER_CONFIG")
    return Path(directory) / "config.json" if directory else Path.home() / ".docker" / \
        "config.json"


def _host_of(key: str) -> str:
    """``https://host:5000/v2/`` and ``host:5000`` both name ``host:5000``."""
    text = key.strip()
    if "://" in text:
        text = text.split("://", 1)[1]
    host = text.split("/", 1)[0].lower()
    return DOCKER_HUB if host in _HUB_KEYS else host


class Credentials:
    """Logins per registry host, read once, lazily."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._config: dict[str, Any] | None = None
        self._found: dict[str, tuple[str, str] | None] = {}
        self._lock = threading.Lock()

    def _load(self) -> dict[str, Any]:
        if self._config is None:
            path = self.path or config_path()
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}  # no config (or an unreadable one): anonymous, as docker pull is
            self._config = data if isinstance(data, dict) else {}
        return self._config

    def lookup(self, registry: str) -> tuple[str, str] | None:
        """(user, password) for ``registry`` (``docker.io`` for Docker Hub), or None."""
        host = registry.lower()
        with self._lock:
            if host not in self._found:
                self._found[host] = self._find(host)
            return self._found[host]

    def _find(self, host: str) -> tuple[str, str] | None:
        config = self._load()
        auths = config.get("auths")
        for key, entry in (auths.items() if isinstance(auths, dict) else ()):
            if _host_of(key) == host and isinstance(entry, dict):
                login = _from_entry(entry)
                if login:
                    return login
        helpers = config.get("credHelpers")
        helper = helpers.get(host) if isinstance(helpers, dict) else None
        if host == DOCKER_HUB and isinstance(helpers, dict):
            helper = helper or next((helpers[k] for k in _HUB_KEYS if k in helpers), None)
        helper = helper or config.get("credsStore")
        if isinstance(helper, str) and helper:
            return _from_helper(helper, _HUB_KEYS[0] if host == DOCKER_HUB else host)
        return None


def _from_entry(entry: dict[str, Any]) -> tuple[str, str] | None:
    auth = entry.get("auth")
    if isinstance(auth, str) and auth:
        try:
            user, sep, password = base64.b64decode(auth).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return (user, password) if sep else None
    user, password = entry.get("username"), entry.get("password")
    if isinstance(user, str) and isinstance(password, str):
        return user, password
    return None


def _from_helper(name: str, server: str) -> tuple[str, str] | None:
    program = shutil.which(f"docker-credential-{name}")
    if program is None:
        return None
    try:
        done = subprocess.run([program, "get"], input=server, capture_output=True, text=True,
                              timeout=_HELPER_TIMEOUT, check=False)
        answer = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    if isinstance(answer, dict) and isinstance(answer.get("Secret"), str):
        return str(answer.get("Username") or ""), answer["Secret"]
    return None
