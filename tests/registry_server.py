"""A real registry for the tests: the CNCF distribution server (Debian's ``docker-registry``)
on 127.0.0.1, filled with crafted images by plain HTTP pushes, and a token service that signs
the JWTs the registry verifies (its ``auth: token`` mode, with the signing certificate as
its ``rootcertbundle``)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import http.server
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

WS2019, WS2022 = "10.0.17763.6414", "10.0.20348.2762"
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""Pushes go straight to 127.0.0.1, whatever proxy the environment names."""


def registry_binary() -> str:
    binary = shutil.which("docker-registry") or shutil.which("registry")
    if binary is None:
        pytest.skip("the distribution registry (Debian package docker-registry) is not "
                    "installed: .ci/install-registry.sh installs it")
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _key_id(public_key: Any) -> str:
    """libtrust's key ID, which distribution looks a JWT's ``kid`` up by: base32 of the first
    240 bits of the SHA-256 of the DER public key, in groups of four."""
    from cryptography.hazmat.primitives import serialization

    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    text = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(text[i:i + 4] for i in range(0, len(text), 4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class Signer:
    """An RSA key and its self-signed certificate; signs registry tokens (RS256)."""

    def __init__(self, directory: Path, issuer: str, service: str) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        self.issuer, self.service = issuer, service
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)])
        now = datetime.datetime.now(datetime.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=1))
                .sign(self.key, hashes.SHA256()))
        self.bundle = directory / "token-ca.pem"
        self.bundle.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.kid = _key_id(self.key.public_key())

    def token(self, access: list[dict[str, Any]]) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "kid": self.kid}
        claims = {"iss": self.issuer, "sub": "porter-test", "aud": self.service,
                  "exp": now + 600, "nbf": now - 10, "iat": now, "jti": f"t{time.time_ns()}",
                  "access": access}
        signing = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        signature = self.key.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing}.{_b64(signature)}"


@dataclass
class TokenService:
    """The realm of ``auth: token``: an in-process HTTP server that hands out pull tokens,
    anonymously for repositories outside ``private/``, for those only with the login."""

    signer: Signer
    login: tuple[str, str] | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    def start(self) -> TokenService:
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                auth = self.headers.get("Authorization", "")
                service.requests.append({"path": url.path, **query, "authorization": auth})
                scope = query.get("scope", "")
                _, repository, actions = [*scope.split(":"), "", "", ""][:3]
                expected = "Basic " + base64.b64encode(
                    ":".join(service.login).encode()).decode() if service.login else None
                if repository.startswith("private/") and auth != expected:
                    self.send_response(401)
                    self.end_headers()
                    return
                access = [{"type": "repository", "name": repository,
                           "actions": [a for a in actions.split(",") if a == "pull"]}]
                body = json.dumps({"token": service.signer.token(access)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Registry:
    """One ``docker-registry serve`` process with its own config and storage."""

    def __init__(self, directory: Path, auth: dict[str, Any] | None = None,
                 push_authorization: str | None = None) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.push_authorization = push_authorization
        lines = ["version: 0.1", "log: {level: error, accesslog: {disabled: true}}",
                 "storage:", f"  filesystem: {{rootdirectory: {directory / 'data'}}}",
                 f"http: {{addr: '{self.host}'}}"]
        if auth:
            lines.append("auth: " + json.dumps(auth))
        config = directory / "config.yml"
        config.write_text("\n".join(lines) + "\n")
        self.log = (directory / "registry.log").open("wb")
        self.process = subprocess.Popen([registry_binary(), "serve", str(config)],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the registry exited: "
                                   + (directory / "registry.log").read_text())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the registry did not start within 20 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def _send(self, method: str, url: str, data: bytes | None = None,
              headers: dict[str, str] | None = None) -> tuple[int, Any]:
        headers = dict(headers or {})
        if self.push_authorization:
            headers["Authorization"] = self.push_authorization
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with _DIRECT.open(request, timeout=10) as response:
                return response.status, response.headers
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {url}: HTTP {exc.code} {exc.read()[:300]!r}") \
                from None

    def push_blob(self, repository: str, data: bytes) -> str:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        base = f"http://{self.host}/v2/{repository}/blobs/uploads/"
        _, headers = self._send("POST", base, b"")
        location = urllib.parse.urljoin(base, headers["Location"])
        joiner = "&" if "?" in location else "?"
        self._send("PUT", f"{location}{joiner}digest={digest}", data,
                   {"Content-Type": "application/octet-stream"})
        return digest

    def push_manifest(self, repository: str, reference: str, manifest: dict[str, Any],
                      media_type: str) -> tuple[str, int]:
        body = json.dumps(manifest).encode()
        self._send("PUT", f"http://{self.host}/v2/{repository}/manifests/{reference}", body,
                   {"Content-Type": media_type})
        return "sha256:" + hashlib.sha256(body).hexdigest(), len(body)

    def push_image(self, repository: str, reference: str, os: str, architecture: str,
                   os_version: str = "", variant: str = "",
                   docker: bool = False) -> tuple[str, int]:
        """A single-platform image: one layer, and a config blob that names its platform."""
        # Unique per reference: concurrent pushes of one blob race in the registry.
        config: dict[str, Any] = {"architecture": architecture, "os": os,
                                  "config": {"Labels": {"ref": f"{repository}:{reference}"}},
                                  "rootfs": {"type": "layers", "diff_ids": []}}
        if os_version:
            config["os.version"] = os_version
        if variant:
            config["variant"] = variant
        config_bytes = json.dumps(config).encode()
        layer = f"layer {repository}:{reference} {os} {architecture} {os_version}".encode()
        manifest = {"schemaVersion": 2,
                    "mediaType": DOCKER_MANIFEST if docker else OCI_MANIFEST,
                    "config": {"mediaType": DOCKER_CONFIG if docker else OCI_CONFIG,
                               "digest": self.push_blob(repository, config_bytes),
                               "size": len(config_bytes)},
                    "layers": [{"mediaType": DOCKER_LAYER if docker else OCI_LAYER,
                                "digest": self.push_blob(repository, layer),
                                "size": len(layer)}]}
        return self.push_manifest(repository, reference, manifest, manifest["mediaType"])

    def push_index(self, repository: str, tag: str, platforms: list[dict[str, str]],
                   docker: bool = False) -> str:
        """A multi-platform image: each platform's image pushed by digest, then the index
        (an OCI image index, or a Docker manifest list) naming them."""
        entries = []
        for platform in platforms:
            digest, size = self.push_image(repository, f"{tag}-{len(entries)}",
                                           platform["os"], platform["architecture"],
                                           platform.get("os.version", ""),
                                           platform.get("variant", ""), docker)
            entries.append({"mediaType": DOCKER_MANIFEST if docker else OCI_MANIFEST,
                            "digest": digest, "size": size, "platform": platform})
        media_type = DOCKER_LIST if docker else OCI_INDEX
        digest, _ = self.push_manifest(repository, tag, {"schemaVersion": 2,
                                                         "mediaType": media_type,
                                                         "manifests": entries}, media_type)
        return digest
