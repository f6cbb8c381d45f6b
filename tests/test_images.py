"""Image references, registry verdicts, credentials, caches and the images: config, without
a registry (tests/test_images_registry.py runs a real one)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from porter.transforms.images import Options, judge

from porter.engine.config import config_from_mapping
from porter.errors import ConfigError
from porter.images.cache import FactsFile
from porter.images.credentials import Credentials
from porter.images.facts import ImageFacts, Platform
from porter.images.reference import ReferenceError, parse
from porter.kube.windows_versions import target


@pytest.mark.parametrize(("image", "expected", "host"), [
    ("nginx", "docker.io/library/nginx:latest", "registry-1.docker.io"),
    ("nginx:1.25", "docker.io/library/nginx:1.25", "registry-1.docker.io"),
    ("bitnami/redis:7.2", "docker.io/bitnami/redis:7.2", "registry-1.docker.io"),
    ("index.docker.io/library/nginx", "docker.io/library/nginx:latest", "registry-1.docker.io"),
    ("docker.io/nginx", "docker.io/library/nginx:latest", "registry-1.docker.io"),
    ("localhost/app", "localhost/app:latest", "localhost"),
    ("localhost:5000/team/app:v1", "localhost:5000/team/app:v1", "localhost:5000"),
    ("mcr.microsoft.com/windows/servercore:ltsc2022",
     "mcr.microsoft.com/windows/servercore:ltsc2022", "mcr.microsoft.com"),
    ("quay.io/org/app@sha256:" + "a" * 64, "quay.io/org/app@sha256:" + "a" * 64, "quay.io"),
    ("registry:5000/a:1@sha256:" + "b" * 64, "registry:5000/a:1@sha256:" + "b" * 64,
     "registry:5000"),
])
def test_references_are_normalised_as_docker_reads_them(image, expected, host):
    reference = parse(image)
    assert str(reference) == expected
    assert reference.api_host == host


@pytest.mark.parametrize("image", ["Nginx", "nginx:", "a@sha256:xyz", "a//b", "",
                                   "nginx:" + "x" * 200])
def test_invalid_references(image):
    with pytest.raises(ReferenceError):
        parse(image)


def _facts(*platforms: tuple[str, str, str]) -> ImageFacts:
    return ImageFacts("x", tuple(Platform(o, a, "", v) for o, a, v in platforms), "sha256:1")


LTSC2022 = target("ltsc2022")


def test_linux_only_is_an_error_naming_the_platforms():
    [verdict] = judge("redis:7", LTSC2022, Options(),
                      _facts(("linux", "amd64", ""), ("linux", "arm64", "")))
    assert verdict.rule.code == "image-no-windows-platform"
    assert verdict.message.endswith("the registry lists: linux/amd64, linux/arm64")


def test_windows_arm64_only_is_no_windows_amd64():
    [verdict] = judge("a", LTSC2022, Options(), _facts(("windows", "arm64", "10.0.26100.1")))
    assert verdict.rule.code == "image-no-windows-platform"


def test_other_builds_name_them_and_the_target_that_matches():
    [verdict] = judge("a", LTSC2022, Options(),
                      _facts(("windows", "amd64", "10.0.17763.6414")))
    assert verdict.rule.code == "image-windows-build-missing"
    assert "10.0.17763.6414 (ltsc2019)" in verdict.message
    assert verdict.hint.startswith("set --target-windows ltsc2019")


def test_matching_build_has_no_finding_even_when_the_name_looks_wrong():
    # The tag says 2019 and names no build at all: the registry's answer wins.
    for image in ("mcr.microsoft.com/windows/nanoserver", "app:ltsc2019"):
        assert judge(image, LTSC2022, Options(),
                     _facts(("windows", "amd64", "10.0.20348.2762"))) == []


def test_build_prefix_is_not_a_match_across_builds():
    # 10.0.203480 is not 10.0.20348.
    [verdict] = judge("a", LTSC2022, Options(), _facts(("windows", "amd64", "10.0.203480")))
    assert verdict.rule.code == "image-windows-build-missing"


def test_unresolved_warns_then_guesses_by_name():
    facts = ImageFacts("x", error="registry.example.com is unreachable (Connection refused)")
    verdicts = judge("mcr.microsoft.com/windows/servercore:ltsc2019", LTSC2022, Options(), facts)
    assert [v.rule.code for v in verdicts] == ["image-unresolved", "image-build-mismatch"]
    assert verdicts[0].message.endswith("(Connection refused)")


def test_credentials_from_docker_config_auths(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"auths": {
        "https://index.docker.io/v1/": {"auth": base64.b64encode(b"hub:pw").decode()},
        "https://ghcr.io/v2/": {"username": "me", "password": "tok"},
        "localhost:5000": {"auth": base64.b64encode(b"a:b:c").decode()},
        "broken.example": {"auth": "%%%"},
    }}))
    found = Credentials(config)
    assert found.lookup("docker.io") == ("hub", "pw")
    assert found.lookup("ghcr.io") == ("me", "tok")
    assert found.lookup("localhost:5000") == ("a", "b:c")
    assert found.lookup("broken.example") is None
    assert found.lookup("quay.io") is None


def test_missing_or_bad_docker_config_is_anonymous(tmp_path):
    assert Credentials(tmp_path / "none.json").lookup("docker.io") is None
    (tmp_path / "bad.json").write_text("{")
    assert Credentials(tmp_path / "bad.json").lookup("docker.io") is None


def test_cache_ttl_applies_to_tags_not_digests(tmp_path):
    path = tmp_path / "images.json"
    cache = FactsFile(path, ttl=60)
    tag = ImageFacts("r.io/a:1", (Platform("linux", "amd64"),), "sha256:" + "c" * 64)
    pinned = ImageFacts("r.io/a@sha256:" + "c" * 64, (Platform("linux", "amd64"),),
                        "sha256:" + "c" * 64)
    cache.put(tag)
    cache.put(pinned)
    cache.put(ImageFacts("r.io/b:1", error="unreachable"))  # failures are not kept
    cache.save()
    data = json.loads(path.read_text())
    assert sorted(data["images"]) == sorted([pinned.reference, tag.reference])
    for entry in data["images"].values():
        entry["at"] = time.time() - 3600
    path.write_text(json.dumps(data))
    old = FactsFile(path, ttl=60)
    assert old.get(tag.reference) is None
    assert old.get(pinned.reference) == pinned
    assert FactsFile(path, ttl=None).get(tag.reference) == tag


def test_corrupt_cache_is_a_note_and_rewritten(tmp_path):
    path = tmp_path / "images.json"
    path.write_text("not json")
    cache = FactsFile(path, ttl=None)
    assert cache.error and "not a porter image cache" in cache.error
    cache.save()
    assert json.loads(path.read_text()) == {"format": 1, "images": {}}


def test_images_config_is_validated():
    config = config_from_mapping({"images": {"resolve": True, "timeout": 1.5,
                                             "insecure-registries": ["r.local:5000"]}})
    assert config.images.resolve and config.images.timeout == 1.5
    assert config.images.insecure == {"r.local:5000"}
    for bad in ({"resolve": "yes"}, {"timeout": 0}, {"colour": 1}, {"concurrency": 1.5},
                ["resolve"]):
        with pytest.raises(ConfigError):
            config_from_mapping({"images": bad})


def test_bad_images_config_is_one_line_exit_2(tmp_path):
    (tmp_path / "porter.yaml").write_text("images: {resolve: maybe}\n")
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"
                                     "spec: {containers: [{name: a, image: nginx}]}\n")
    run = subprocess.run([sys.executable, "-m", "porter", "check", "a.yaml"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "porter.yaml:1:1: error: images.resolve must be true or false, not 'maybe'"]


_NAME = r"[a-z0-9]+(?:[._-][a-z0-9]+)?"


@given(host=st.one_of(st.none(),
                     st.from_regex(r"\A[a-z][a-z0-9]{0,5}\.[a-z]{2,3}(?::[0-9]{2,5})?\Z")),
       path=st.lists(st.from_regex(rf"\A{_NAME}\Z"), min_size=1, max_size=3),
       tag=st.one_of(st.none(), st.from_regex(r"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}\Z")),
       digest=st.one_of(st.none(), st.from_regex(r"\Asha256:[0-9a-f]{64}\Z")))
def test_normalising_is_idempotent_and_keeps_tag_and_digest(host, path, tag, digest):
    image = "/".join(([host] if host else []) + path) + (f":{tag}" if tag else "") + \
        (f"@{digest}" if digest else "")
    reference = parse(image)
    assert parse(str(reference)) == reference
    assert reference.digest == digest
    assert reference.tag == (tag or (None if digest else "latest"))
    assert reference.version == (digest or tag or "latest")
