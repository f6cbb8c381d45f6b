"""A minimal OCI distribution client: read one image's manifest or index, and its platforms.

It speaks only what porter needs, read-only: ``GET /v2/NAME/manifests/REF`` with the OCI and
Docker media types in ``Accept``, and for a single-platform image its config blob. Auth as
registries answer it (distribution spec, "token" and "basic" challenges): a 401 carries
``WWW-Authenticate: Bearer realm=...,service=...,scope=...`` (porter asks the realm for a
token, anonymously or with the Docker config's credentials) or ``Basic realm=...`` (porter
retries with those credentials). Plain HTTP only for loopback registries and hosts the user
names insecure. Every request has a timeout; retries are bounded; the caller's deadline bounds
everything, so a registry that is down costs seconds, never a hung run.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from porter.images.credentials import Credentials
from porter.images.facts import ImageFacts, Platform
from porter.images.reference import Reference

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
ACCEPT = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST))
_INDEXES = (OCI_INDEX, DOCKER_LIST)
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")
_MAX_BODY = 4 << 20
"""A manifest or config larger than this is not an image porter can judge."""
_MAX_REDIRECTS = 5
_RETRY_STATUS = (429, 500, 502, 503, 504)
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"|(\w+)=([^,\s]+)')


class RegistryError(Exception):
    """The registry could not tell: the message is the one line a user reads."""


class _Unreachable(RegistryError):
    """The host did not answer at all (refused, unknown, timed out): skip its other images."""


@dataclass(frozen=True)
class ClientSettings:
    timeout: float = 5.0
    """Seconds per request (connect and read)."""
    retries: int = 2
    """Extra attempts after a timeout, a 429 or a 5xx."""
    insecure: frozenset[str] = frozenset()
    """Hosts (``host`` or ``host:port``) spoken to over plain HTTP."""


class Client:
    """Resolves references to :class:`ImageFacts`; thread-safe, shares tokens per scope."""

    def __init__(self, settings: ClientSettings, credentials: Credentials,
                 deadline: Callable[[], float]) -> None:
        self.settings = settings
        self.credentials = credentials
        self._deadline = deadline
        self._tokens: dict[tuple[str, str], str] = {}
        self._down: dict[str, str] = {}
        self._lock = threading.Lock()

    def scheme(self, host: str) -> str:
        bare = _bare(host)
        insecure = host in self.settings.insecure or bare in self.settings.insecure
        return "http" if bare in _LOOPBACK or insecure else "https"

    def resolve(self, reference: Reference) -> ImageFacts:
        """The platforms of ``reference``, or the one-line reason they are unknown."""
        name = str(reference)
        host = reference.api_host
        with self._lock:
            down = self._down.get(host)
        if down is not None:
            return ImageFacts(name, error=down)
        try:
            return self._resolve(reference)
        except _Unreachable as exc:
            with self._lock:
                self._down.setdefault(host, str(exc))
            return ImageFacts(name, error=str(exc))
        except RegistryError as exc:
            return ImageFacts(name, error=str(exc))

    def _resolve(self, reference: Reference) -> ImageFacts:
        status, headers, body = self._get(reference, f"manifests/{reference.version}", ACCEPT)
        if status == 404:
            what = f"digest {reference.digest}" if reference.digest else f"tag {reference.tag!r}"
            raise RegistryError(f"{reference.registry} has no {what} in "
                                f"{reference.repository} (or the repository does not exist)")
        self._raise_for(status, reference)
        manifest = _json(body, "manifest")
        media_type = manifest.get("mediaType") or headers.get("content-type", "").split(";")[0]
        digest = headers.get("docker-content-digest") or reference.digest
        if media_type in _INDEXES or "manifests" in manifest:
            platforms = tuple(Platform.from_dict(entry.get("platform") or {})
                              for entry in manifest.get("manifests") or ()
                              if isinstance(entry, dict))
            # BuildKit attaches attestation manifests as unknown/unknown entries: not images.
            platforms = tuple(p for p in platforms if p.os and p.os != "unknown")
            return ImageFacts(str(reference), platforms, digest)
        config = manifest.get("config")
        if not isinstance(config, dict) or not isinstance(config.get("digest"), str):
            raise RegistryError(f"{reference.registry} returned a manifest without a config "
                                f"({media_type or 'no media type'})")
        status, _, blob = self._get(reference, f"blobs/{config['digest']}", "*/*")
        self._raise_for(status, reference)
        return ImageFacts(str(reference), (Platform.from_dict(_json(blob, "image config")),),
                          digest)

    def _raise_for(self, status: int, reference: Reference) -> None:
        if status in (401, 403):
            has = self.credentials.lookup(reference.registry) is not None
            raise RegistryError(f"{reference.registry} denied access to {reference.repository} "
                                f"(HTTP {status}; " + ("the Docker config's credentials were "
                                                        "refused)" if has else
                                                        "no credentials for it in the Docker "
                                                        "config, or it does not exist)"))
        if status != 200:
            raise RegistryError(f"{reference.registry} answered HTTP {status} for "
                                f"{reference.repository}:{reference.version}")

    def _get(self, reference: Reference, what: str,
             accept: str) -> tuple[int, Mapping[str, str], bytes]:
        host = reference.api_host
        url = f"{self.scheme(host)}://{host}/v2/{reference.repository}/{what}"
        scope = f"repository:{reference.repository}:pull"
        headers = {"Accept": accept}
        with self._lock:
            token = self._tokens.get((host, scope))
        if token:
            headers["Authorization"] = token
        status, response_headers, body = self._request(url, headers, reference)
        if status == 401:
            challenge = response_headers.get("www-authenticate", "")
            authorization = self._authorize(challenge, reference, scope)
            if authorization is not None:
                with self._lock:
                    self._tokens[(host, scope)] = authorization
                headers["Authorization"] = authorization
                status, response_headers, body = self._request(url, headers, reference)
        return status, response_headers, body

    def _authorize(self, challenge: str, reference: Reference, scope: str) -> str | None:
        """The ``Authorization`` value that answers ``challenge``, or None when porter has
        nothing to answer with (the 401 then stands)."""
        kind, _, rest = challenge.strip().partition(" ")
        params = {m[0] or m[2]: m[1] or m[3] for m in _CHALLENGE.findall(rest)}
        login = self.credentials.lookup(reference.registry)
        basic = None if login is None else "Basic " + base64.b64encode(
            f"{login[0]}:{login[1]}".encode()).decode("ascii")
        if kind.lower() == "basic":
            return basic
        if kind.lower() != "bearer" or not params.get("realm"):
            return None
        query = {"scope": params.get("scope") or scope}
        if params.get("service"):
            query["service"] = params["service"]
        realm = params["realm"]
        url = realm + ("&" if "?" in realm else "?") + urllib.parse.urlencode(query)
        headers = {"Accept": "application/json"}
        if basic:
            headers["Authorization"] = basic
        status, _, body = self._request(url, headers, reference, token=True)
        if status in (401, 403):
            raise RegistryError(f"the token service of {reference.registry} refused "
                                + ("the Docker config's credentials" if basic else
                                   "an anonymous token") + f" for {reference.repository} "
                                f"(HTTP {status})")
        if status != 200:
            raise RegistryError(f"the token service of {reference.registry} answered HTTP "
                                f"{status}")
        answer = _json(body, "token answer")
        token = answer.get("token") or answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise RegistryError(f"the token service of {reference.registry} gave no token")
        return f"Bearer {token}"

    def _request(self, url: str, headers: dict[str, str], reference: Reference,
                 token: bool = False) -> tuple[int, Mapping[str, str], bytes]:
        """One GET with bounded retries; redirects are followed without the credentials
        when they leave the host (blob stores behind signed URLs refuse them)."""
        attempt = 0
        while True:
            remaining = self._deadline() - time.monotonic()
            if remaining <= 0:
                raise RegistryError(f"not asked: the run's time budget for registries was "
                                    f"spent before {reference}")
            timeout = min(self.settings.timeout, remaining)
            try:
                status, response_headers, body = self._follow(url, headers, timeout)
            except TimeoutError:
                failure: RegistryError = _Unreachable(
                    f"{_host(url)} did not answer within {timeout:.2g}s")
            except urllib.error.URLError as exc:
                reason = exc.reason
                if isinstance(reason, TimeoutError | socket.timeout):
                    failure = _Unreachable(f"{_host(url)} did not answer within {timeout:.2g}s")
                elif isinstance(reason, ssl.SSLError):
                    raise RegistryError(f"TLS with {_host(url)} failed ({reason.reason or reason}"
                                        "); a plain-HTTP registry needs --insecure-registry "
                                        f"{_host(url)}") from None
                else:
                    text = getattr(reason, "strerror", None) or str(reason)
                    raise _Unreachable(f"{_host(url)} is unreachable ({text})") from None
            except (OSError, http.client.HTTPException) as exc:
                failure = _Unreachable(f"{_host(url)} broke the connection ({exc})")
            else:
                if status not in _RETRY_STATUS or attempt >= self.settings.retries:
                    return status, response_headers, body
                failure = RegistryError(f"{_host(url)} answered HTTP {status}")
            if attempt >= self.settings.retries:
                raise failure
            attempt += 1
            time.sleep(min(0.2 * 2 ** attempt, max(0.0, self._deadline() - time.monotonic())))

    def _follow(self, url: str, headers: dict[str, str],
                timeout: float) -> tuple[int, Mapping[str, str], bytes]:
        origin = _host(url)
        for _ in range(_MAX_REDIRECTS + 1):
            sent = headers if _host(url) == origin else {
                k: v for k, v in headers.items() if k != "Authorization"}
            request = urllib.request.Request(url, headers={"User-Agent": "porter", **sent})
            opener = _DIRECT if _bare(_host(url)) in _LOOPBACK else _OPENER
            try:
                with opener.open(request, timeout=timeout) as response:
                    return response.status, _lower(response.headers), _read(response)
            except urllib.error.HTTPError as exc:
                location = exc.headers.get("Location")
                if exc.code in (301, 302, 303, 307, 308) and location:
                    url = urllib.parse.urljoin(url, location)
                    continue
                try:
                    body = _read(exc)
                finally:
                    exc.close()
                return exc.code, _lower(exc.headers), body
        raise RegistryError(f"{origin}: more than {_MAX_REDIRECTS} redirects")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler())
"""Honours ``HTTPS_PROXY``/``NO_PROXY`` as docker does; loopback registries never go through
a proxy (``_DIRECT``)."""
_DIRECT = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


def _bare(host: str) -> str:
    """``host:port`` without the port (``[::1]:5000`` is ``[::1]``)."""
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _read(response: Any) -> bytes:
    body = response.read(_MAX_BODY + 1)
    if len(body) > _MAX_BODY:
        raise RegistryError(f"an answer larger than {_MAX_BODY >> 20} MiB")
    return body


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc


def _json(body: bytes, what: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise RegistryError(f"the registry's {what} is not JSON") from None
    if not isinstance(data, dict):
        raise RegistryError(f"the registry's {what} is not a JSON object")
    return data
