"""Image resolution against real servers: the distribution registry started here on
127.0.0.1 (anonymous, htpasswd basic auth, and token auth with a token service these tests
run), filled with crafted images; porter's own client does every request."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from registry_server import WS2019, WS2022, Registry, Signer, TokenService, free_port

from porter.images.resolve import ImageSettings, Resolver

WIN2019 = {"os": "windows", "architecture": "amd64", "os.version": WS2019}
WIN2022 = {"os": "windows", "architecture": "amd64", "os.version": WS2022}
LINUX_AMD64 = {"os": "linux", "architecture": "amd64"}
LINUX_ARM64 = {"os": "linux", "architecture": "arm64", "variant": "v8"}
ATTESTATION = {"os": "unknown", "architecture": "unknown"}


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """An anonymous registry with one image of each shape the issue names."""
    server = Registry(tmp_path_factory.mktemp("registry"))
    try:
        server.push_index("shop/linux", "1", [LINUX_AMD64, LINUX_ARM64, ATTESTATION])
        server.push_index("shop/win2019", "1", [WIN2019])
        server.push_index("shop/win", "1", [WIN2019, WIN2022, LINUX_AMD64])
        server.digest, _ = server.push_image("shop/single", "1", "windows", "amd64", WS2022)
        server.push_index("shop/dockerlist", "1", [WIN2022, LINUX_AMD64], docker=True)
        server.push_image("shop/linux-single", "1", "linux", "amd64", docker=True)
        yield server
    finally:
        server.stop()


def resolver(**settings) -> Resolver:
    settings.setdefault("timeout", 2.0)
    settings.setdefault("user_cache", False)
    return Resolver(ImageSettings(resolve=True, **settings))


def test_linux_only_index_lists_its_platforms_without_attestations(registry):
    facts = resolver().facts(f"{registry.host}/shop/linux:1")
    assert facts.resolved and facts.digest.startswith("sha256:")
    assert [str(p) for p in facts.platforms] == ["linux/amd64", "linux/arm64/v8"]


def test_windows_builds_of_an_index(registry):
    facts = resolver().facts(f"{registry.host}/shop/win:1")
    assert [p.os_version for p in facts.platforms] == [WS2019, WS2022, ""]


def test_single_platform_image_reads_its_config_blob(registry):
    facts = resolver().facts(f"{registry.host}/shop/single:1")
    assert [str(p) for p in facts.platforms] == [f"windows/amd64 {WS2022}"]
    assert facts.digest == registry.digest


def test_docker_manifest_list_and_schema2_manifest(registry):
    found = resolver()
    listed = found.facts(f"{registry.host}/shop/dockerlist:1")
    assert [str(p) for p in listed.platforms] == [f"windows/amd64 {WS2022}", "linux/amd64"]
    single = found.facts(f"{registry.host}/shop/linux-single:1")
    assert [str(p) for p in single.platforms] == ["linux/amd64"]


def test_digest_reference(registry):
    facts = resolver().facts(f"{registry.host}/shop/single@{registry.digest}")
    assert facts.resolved and facts.digest == registry.digest
    assert facts.platforms[0].os == "windows"


def test_missing_tag_says_so(registry):
    facts = resolver().facts(f"{registry.host}/shop/linux:2")
    assert facts.error == f"{registry.host} has no tag '2' in shop/linux (or the repository " \
                          "does not exist)"


def test_stopped_registry_is_a_fast_one_line_reason():
    port = free_port()  # nothing listens there
    start = time.monotonic()
    found = resolver()
    first = found.facts(f"127.0.0.1:{port}/shop/app:1")
    second = found.facts(f"127.0.0.1:{port}/shop/other:1")
    assert time.monotonic() - start < 2
    assert first.error == f"127.0.0.1:{port} is unreachable (Connection refused)"
    assert second.error == first.error  # the host is not asked again
    assert "\n" not in first.error


def test_a_registry_that_never_answers_costs_the_timeout_and_the_budget_only():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)  # accepts connections, never answers
    host = f"127.0.0.1:{listener.getsockname()[1]}"
    try:
        found = resolver(timeout=0.3, retries=1, budget=5)
        start = time.monotonic()
        facts = found.facts(f"{host}/shop/app:1")
        found.prefetch(f"{host}/shop/app{n}:1" for n in range(20))
        elapsed = time.monotonic() - start
    finally:
        listener.close()
    assert facts.error == f"{host} did not answer within 0.3s"
    assert elapsed < 2.5  # two attempts for the first image; the host is then known down


def test_budget_bounds_the_run():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    hosts = [f"localhost:{listener.getsockname()[1]}", f"127.0.0.1:{listener.getsockname()[1]}"]
    try:
        found = resolver(timeout=5, retries=0, budget=0.5)
        start = time.monotonic()
        answers = [found.facts(f"{h}/a:1") for h in hosts]
        elapsed = time.monotonic() - start
    finally:
        listener.close()
    assert elapsed < 1.5
    assert "did not answer within 0.5s" in answers[0].error
    assert answers[1].error.startswith("not asked: the run's time budget")


@pytest.fixture(scope="module")
def basic_registry(tmp_path_factory):
    directory = tmp_path_factory.mktemp("basic")
    htpasswd = directory / "htpasswd"
    line = subprocess.run(["htpasswd", "-Bbn", "ci", "s3cret"], capture_output=True,
                          text=True, check=False) if _has("htpasswd") else None
    if line is None or line.returncode != 0:
        pytest.skip("htpasswd (apache2-utils) is needed: .ci/install-registry.sh installs it")
    htpasswd.write_text(line.stdout.strip() + "\n")
    server = Registry(directory, auth={"htpasswd": {"realm": "porter-test",
                                                    "path": str(htpasswd)}},
                      push_authorization="Basic " + base64.b64encode(b"ci:s3cret").decode())
    try:
        server.push_index("team/app", "1", [WIN2022])
        yield server
    finally:
        server.stop()


def _has(program: str) -> bool:
    import shutil

    return shutil.which(program) is not None


def _docker_config(directory: Path, host: str, user: str, password: str,
                   style: str = "auth") -> Path:
    entry = {"auth": base64.b64encode(f"{user}:{password}".encode()).decode()} \
        if style == "auth" else {"username": user, "password": password}
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps({"auths": {f"http://{host}": entry}}))
    return directory


def test_basic_auth_with_docker_config_credentials(basic_registry, tmp_path, monkeypatch):
    config = _docker_config(tmp_path / "docker", basic_registry.host, "ci", "s3cret")
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    facts = resolver().facts(f"{basic_registry.host}/team/app:1")
    assert facts.resolved and facts.platforms[0].os_version == WS2022


def test_basic_auth_username_password_entry(basic_registry, tmp_path, monkeypatch):
    config = _docker_config(tmp_path / "docker", basic_registry.host, "ci", "s3cret", "plain")
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    assert resolver().facts(f"{basic_registry.host}/team/app:1").resolved


def test_basic_auth_without_or_with_wrong_credentials(basic_registry, tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "none"))
    facts = resolver().facts(f"{basic_registry.host}/team/app:1")
    assert facts.error == (f"{basic_registry.host} denied access to team/app (HTTP 401; no "
                           "credentials for it in the Docker config, or it does not exist)")
    config = _docker_config(tmp_path / "docker", basic_registry.host, "ci", "wrong")
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    facts = resolver().facts(f"{basic_registry.host}/team/app:1")
    assert "the Docker config's credentials were refused" in facts.error


@pytest.fixture(scope="module")
def token_registry(tmp_path_factory):
    """A registry in ``auth: token`` mode: it verifies the JWTs our token service signs."""
    directory = tmp_path_factory.mktemp("token")
    signer = Signer(directory, "porter-test-issuer", "porter-test-registry")
    tokens = TokenService(signer, login=("ci", "t0ken")).start()
    push = "Bearer " + signer.token([{"type": "repository", "name": name,
                                      "actions": ["pull", "push"]}
                                     for name in ("shop/app", "private/app")])
    server = Registry(directory, auth={"token": {
        "realm": f"http://127.0.0.1:{tokens.port}/token", "service": signer.service,
        "issuer": signer.issuer, "rootcertbundle": str(signer.bundle)}},
        push_authorization=push)
    server.tokens = tokens
    try:
        server.push_index("shop/app", "1", [WIN2019, WIN2022])
        server.push_image("private/app", "1", "windows", "amd64", WS2019)
        yield server
    finally:
        server.stop()
        tokens.stop()


def test_anonymous_bearer_token_flow(token_registry, tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "none"))
    token_registry.tokens.requests.clear()
    facts = resolver().facts(f"{token_registry.host}/shop/app:1")
    assert [p.os_version for p in facts.platforms] == [WS2019, WS2022]
    # The challenge's realm was asked once, with its service and scope, anonymously; the
    # token served the manifest request that followed.
    assert token_registry.tokens.requests == [{
        "path": "/token", "service": "porter-test-registry",
        "scope": "repository:shop/app:pull", "authorization": ""}]


def test_bearer_token_with_docker_config_login(token_registry, tmp_path, monkeypatch):
    config = _docker_config(tmp_path / "docker", token_registry.host, "ci", "t0ken")
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    token_registry.tokens.requests.clear()
    found = resolver()
    facts = found.facts(f"{token_registry.host}/private/app:1")
    assert [str(p) for p in facts.platforms] == [f"windows/amd64 {WS2019}"]
    assert token_registry.tokens.requests[0]["authorization"].startswith("Basic ")


def test_bearer_token_refused(token_registry, tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "none"))
    facts = resolver().facts(f"{token_registry.host}/private/app:1")
    assert facts.error == (f"the token service of {token_registry.host} refused an anonymous "
                           "token for private/app (HTTP 401)")


def test_https_is_used_for_other_hosts_and_insecure_registry_opts_out(registry):
    found = resolver()
    client = found.client()
    assert client.scheme("registry.example.com") == "https"
    assert client.scheme("localhost:5000") == "http"
    assert client.scheme(registry.host) == "http"
    # A name that is not loopback: https, until named with --insecure-registry.
    alias = f"localhost.localdomain:{registry.port}"
    assert resolver().client().scheme(alias) == "https"
    assert resolver(insecure=frozenset({alias})).client().scheme(alias) == "http"


def test_each_image_is_asked_once_and_concurrently(registry):
    found = resolver(concurrency=4)
    images = [f"{registry.host}/shop/win:1"] * 5 + [f"{registry.host}/shop/linux:1"]
    threads = [threading.Thread(target=found.prefetch, args=(images,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found.asked <= 6 and len(found._memo) == 2


# --- through the CLI (a real subprocess) -------------------------------------------------

def _manifest(path: Path, images: list[str], windows: bool = False) -> Path:
    containers = "".join(f"      - name: c{n}\n        image: {image}\n"
                         for n, image in enumerate(images))
    selector = "      nodeSelector:\n        kubernetes.io/os: windows\n" if windows else ""
    path.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n"
                    "  template:\n    spec:\n" + selector + "      containers:\n" + containers)
    return path


def porter(*args: str, cwd: Path, env: dict[str, str] | None = None) \
        -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "porter", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=120,
                          env={**os.environ, "PORTER_CACHE_DIR": str(cwd / "cache"),
                               "DOCKER_CONFIG": str(cwd / "no-docker"), **(env or {})})


def _findings(run: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    return [(f["rule"], f["message"]) for f in json.loads(run.stdout)["findings"]]


def test_check_resolves_and_judges_every_case(registry, tmp_path):
    host = registry.host
    stopped = f"127.0.0.1:{free_port()}"
    manifest = _manifest(tmp_path / "app.yaml", [
        f"{host}/shop/linux:1", f"{host}/shop/win2019:1", f"{host}/shop/win:1",
        f"{host}/shop/single:1", f"{host}/shop/dockerlist:1",
        f"{host}/shop/single@{registry.digest}", f"{host}/shop/linux:2",
        f"{stopped}/shop/app:1"])
    run = porter("check", str(manifest), "--resolve-images", "--report", "-",
                 "--report-format", "json", "-q", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    found = [(rule, message.split(": ", 1)[0]) for rule, message in _findings(run)
             if rule.startswith(("image", "linux-image", "windows-image"))]
    assert found == [
        ("image-no-windows-platform", "container 'c0'"),
        ("image-windows-build-missing", "container 'c1'"),
        ("image-unresolved", "container 'c6'"),
        ("linux-image", "container 'c6'"),
        ("image-unresolved", "container 'c7'"),
        ("linux-image", "container 'c7'"),
    ]
    messages = dict(_findings(run))
    assert messages["image-no-windows-platform"].endswith(
        "the registry lists: linux/amd64, linux/arm64/v8")
    assert f"Windows builds {WS2019} (ltsc2019) but none for ltsc2022" in \
        messages["image-windows-build-missing"]
    hints = {f["rule"]: f["hint"] for f in json.loads(run.stdout)["findings"]}
    assert hints["image-windows-build-missing"].startswith("set --target-windows ltsc2019")

    on_2019 = porter("check", str(manifest), "--resolve-images", "--target-windows", "ltsc2019",
                     "--report", "-", "--report-format", "json", "-q", cwd=tmp_path)
    # The three 2022-only images (single, Docker list, digest) now miss their build; the
    # 2019 one and the 2019+2022 one run.
    missing = [m.split(":", 1)[0] for r, m in _findings(on_2019)
               if r == "image-windows-build-missing"]
    assert missing == ["container 'c3'", "container 'c4'", "container 'c5'"]


def test_mapped_images_are_checked_after_mapping(registry, tmp_path):
    manifest = _manifest(tmp_path / "app.yaml", ["nginx:1.25", "redis:7"])
    (tmp_path / "porter.yaml").write_text(
        "images: {resolve: true}\noptions:\n  images:\n    map:\n"
        f"      nginx: {registry.host}/shop/win:1\n      redis: {registry.host}/shop/linux:1\n")
    run = porter("check", str(manifest), "--report", "-", "--report-format", "json", "-q",
                 cwd=tmp_path)
    rules = [rule for rule, _ in _findings(run)]
    assert rules.count("image-mapped") == 2
    assert rules.count("image-no-windows-platform") == 1
    assert "linux-image" not in rules and "image-unresolved" not in rules


def test_cache_file_makes_ci_offline_and_repeatable(registry, tmp_path):
    manifest = _manifest(tmp_path / "app.yaml", [f"{registry.host}/shop/win2019:1",
                                                 f"{registry.host}/shop/win:1"])
    cache = tmp_path / "images.json"
    online = porter("check", str(manifest), "--image-cache", str(cache), "--report", "-",
                    "--report-format", "json", "-q", cwd=tmp_path)
    saved = json.loads(cache.read_text())
    assert sorted(saved["images"]) == [f"{registry.host}/shop/win2019:1",
                                       f"{registry.host}/shop/win:1"]
    # Offline: the registry's host is now a port where nothing listens; no user cache.
    offline_env = {"PORTER_CACHE_DIR": str(tmp_path / "empty-cache")}
    offline = porter("check", str(manifest), "--image-cache", str(cache), "--report", "-",
                     "--report-format", "json", "-q", cwd=tmp_path, env=offline_env)
    assert _findings(offline) == _findings(online)
    assert online.returncode == offline.returncode == 1
    assert cache.read_text() == json.dumps(saved, indent=1, sort_keys=True) + "\n"


def test_user_cache_answers_the_second_run(registry, tmp_path):
    image = f"{registry.host}/shop/win:1"
    manifest = _manifest(tmp_path / "app.yaml", [image])
    first = porter("images", str(manifest), "--format", "json", cwd=tmp_path)
    cached = json.loads((tmp_path / "cache" / "images.json").read_text())
    assert list(cached["images"]) == [image]
    # Change the cached answer: the second run must read it rather than ask the registry.
    cached["images"][image]["platforms"] = [{"os": "windows", "architecture": "amd64",
                                             "os.version": WS2019}]
    (tmp_path / "cache" / "images.json").write_text(json.dumps(cached))
    second = porter("images", str(manifest), "--format", "json", cwd=tmp_path)
    assert json.loads(first.stdout)["images"][0]["verdict"] == "runs"
    assert json.loads(second.stdout)["images"][0]["verdict"] == "image-windows-build-missing"


def test_images_command_lists_each_distinct_image(registry, tmp_path):
    host = registry.host
    _manifest(tmp_path / "a.yaml", [f"{host}/shop/linux:1", f"{host}/shop/win:1"])
    _manifest(tmp_path / "b.yaml", [f"{host}/shop/win:1"], windows=True)
    run = porter("images", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), "--format",
                 "json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    listed = json.loads(run.stdout)
    assert listed["target"] == {"name": "ltsc2022", "build": "10.0.20348"}
    rows = {row["image"]: row for row in listed["images"]}
    assert list(rows) == [f"{host}/shop/linux:1", f"{host}/shop/win:1"]
    win = rows[f"{host}/shop/win:1"]
    assert win["verdict"] == "runs" and win["findings"] == []
    assert [(u["file"].rsplit("/", 1)[-1], u["line"]) for u in win["used"]] == [
        ("a.yaml", 12), ("b.yaml", 12)]
    assert [p.get("os.version") for p in win["platforms"]] == [WS2019, WS2022, None]
    assert rows[f"{host}/shop/linux:1"]["verdict"] == "image-no-windows-platform"
    text = porter("images", str(tmp_path / "a.yaml"), cwd=tmp_path).stdout
    assert f"{host}/shop/linux:1  [image-no-windows-platform]" in text
    assert "platforms: linux/amd64, linux/arm64/v8" in text


def test_post_render_resolves_images(registry, tmp_path):
    manifest = _manifest(tmp_path / "app.yaml", [f"{registry.host}/shop/linux:1"])
    run = subprocess.run([sys.executable, "-m", "porter", "post-render", "--resolve-images"],
                         input=manifest.read_text(), text=True, capture_output=True,
                         cwd=tmp_path, timeout=120,
                         env={**os.environ, "PORTER_CACHE_DIR": str(tmp_path / "cache")})
    assert run.returncode == 1
    assert "image-no-windows-platform" in run.stderr
    assert "kind: Deployment" in run.stdout


def test_workers_share_the_answers_each_image_asked_once(token_registry, tmp_path):
    """--jobs 2: images are resolved once, before the workers start (each would otherwise
    fetch its own token for each repository it meets)."""
    host = token_registry.host
    for number in range(6):
        _manifest(tmp_path / f"f{number}.yaml", [f"{host}/shop/app:1"])
    token_registry.tokens.requests.clear()
    run = porter("convert", str(tmp_path), "--jobs", "2", "--resolve-images", "-o",
                 str(tmp_path / "out"), "--report", "-", "--report-format", "json", "-q",
                 cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert [r["scope"] for r in token_registry.tokens.requests] == ["repository:shop/app:pull"]
    assert not [f for f in json.loads(run.stdout)["findings"] if f["rule"].startswith("image")]
