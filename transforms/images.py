"""Check that every container image can run on the target Windows nodes; map images.

Process isolation needs the image's Windows build to equal the node's: a Windows Server
2016 image runs nowhere porter targets, an ``ltsc2019`` image does not start on a 2022 node,
and a Linux image does not run on Windows at all. porter reads the build from the image
reference (``ltsc2019``, ``1809``, ``10.0.20348`` ...), rewrites images through a map you
give it, and reports the rest. With resolution on (``--resolve-images``, ``images: {resolve:
true}``) the registry's answer replaces that guess: the platforms of the image index (or of a
single image's config blob) say whether a ``windows/amd64`` entry of the target build exists.

Options:
  map: image (or repository, matched before ``:`` or ``@``) -> replacement image.
  windows-images: fragments of image references you know have a Windows variant for the
                  target (multi-arch images), so they are not reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from porter.engine.findings import Severity
from porter.engine.transform import Context, PodSpecTransform, Rule
from porter.images.facts import ImageFacts, Platform
from porter.kube.windows_versions import (
    TARGETS,
    VERSIONS,
    WINDOWS_HINTS,
    WindowsVersion,
    image_version,
)
from porter.kube.workloads import PodSpec
from porter.yamledit.documents import Document

_VC = ("Windows container version compatibility (process isolation: build must match); "
       "AKS Windows best practices")
_VC_URL = ("https://learn.microsoft.com/virtualization/windowscontainers/deploy-containers/"
           "version-compatibility")

WS2016 = Rule(
    code="windows-server-2016-image",
    severity=Severity.ERROR,
    summary="A Windows Server 2016 image: no supported node runs it.",
    doc="""
    Converts: nothing (the image stays; use the option ``map`` to replace it).

    Why: containers share the node's kernel, so the image's Windows build must equal the
    node's. Kubernetes and AKS nodes run Windows Server 2019, 2022 or 2025; images built on
    2016 (1607, ``ltsc2016``, 10.0.14393) run on none of them.

    Example: ``mcr.microsoft.com/windows/servercore:ltsc2016``.

    Cannot convert: the image; rebuild it on the target's base image (for example
    ``servercore:ltsc2022``) and map it.

    Source: Windows container version compatibility; Kubernetes Windows intro (supported
    Windows Server versions).
    """,
    source=_VC_URL,
)
MISMATCH = Rule(
    code="image-build-mismatch",
    severity=Severity.ERROR,
    summary="The image's Windows build differs from the target nodes' build.",
    doc="""
    Converts: nothing (use the option ``map``, or choose another ``--target-windows``).

    Why: with process isolation a container whose Windows build differs from the host's
    is blocked ("The operating system of the container does not match the operating system
    of the host"). AKS supports no other isolation.

    Example: ``servercore:ltsc2019`` on Windows Server 2022 nodes.

    Cannot convert: the image; use the tag built for the target (``ltsc2022`` ...), or run
    a node pool of the image's version and select it with
    ``node.kubernetes.io/windows-build``.

    Source: Windows container version compatibility; AKS Windows best practices.
    """,
    source=_VC_URL,
)
LINUX_IMAGE = Rule(
    code="linux-image",
    severity=Severity.WARNING,
    summary="The image shows no sign of a Windows build; a Linux image cannot run on Windows.",
    doc="""
    Converts: nothing (use the option ``map`` to point at a Windows image, or list the
    image under ``windows-images`` when it is multi-arch with a Windows variant).

    Why: most images (alpine, busybox, nginx, redis, postgres, ubuntu, ...) are Linux-only;
    pulled onto a Windows node they fail with "no matching manifest". porter can only tell
    from the reference, so this is a warning, not an error.

    Example: ``redis:7`` in a pod moved to Windows.

    Cannot convert: the application image; build a Windows image or keep the workload on
    Linux (annotation ``winporter.dev/keep-on-linux: "true"``).

    Source: Kubernetes Windows user guide; Windows container base images.
    """,
    source="https://kubernetes.io/docs/concepts/windows/user-guide/",
)
UNVERSIONED = Rule(
    code="windows-image-unversioned",
    severity=Severity.WARNING,
    summary="A Windows image whose reference does not name a build.",
    doc="""
    Converts: nothing.

    Why: the image looks like a Windows image but its tag names no build (``latest`` is not
    published for Windows base images since 2019), so porter cannot check it against the
    nodes' build.

    Example: ``mcr.microsoft.com/windows/nanoserver`` without a tag.

    Cannot convert: pin a tag of the target build (``ltsc2022`` ...).

    Source: Windows container version compatibility; Windows base image tags.
    """,
    source=_VC_URL,
)
MAPPED = Rule(
    code="image-mapped",
    severity=Severity.INFO,
    summary="An image was replaced through the image map.",
    doc="""
    Converts: ``image`` to the value the option ``map`` gives for it.

    Why: you told porter which Windows image replaces this one.

    Example: ``map: {nginx: "mcr.microsoft.com/windows/servercore/iis:ltsc2022"}``.

    Cannot convert: nothing.

    Source: porter configuration.
    """,
    source="porter configuration",
)

NO_WINDOWS = Rule(
    code="image-no-windows-platform",
    severity=Severity.ERROR,
    summary="The registry lists no windows/amd64 platform for the image.",
    doc="""
    Converts: nothing.

    Why: a Windows node pulls the ``windows/amd64`` entry of an image index (or a
    single-platform image whose config says ``windows``); without one the pull fails with
    "no matching manifest for windows/amd64 ... in the manifest list entries" and the pod
    never starts. porter asked the registry (``--resolve-images``), so this is a fact.

    Example: ``redis:7``, whose index lists only ``linux/amd64``, ``linux/arm64/v8`` ...

    Cannot convert: the image; build a Windows image (on the target's base image) and map it
    (option ``images.map``), or keep the workload on Linux (annotation
    ``winporter.dev/keep-on-linux: "true"``).

    Source: OCI image index (``manifests[].platform``: ``os``, ``architecture``,
    ``os.version``); Kubernetes Windows user guide.
    """,
    source="https://github.com/opencontainers/image-spec/blob/main/image-index.md",
)
NO_BUILD = Rule(
    code="image-windows-build-missing",
    severity=Severity.ERROR,
    summary="The image has Windows builds, none for the target nodes' Windows version.",
    doc="""
    Converts: nothing (use the option ``map``, or choose the ``--target-windows`` it names).

    Why: with process isolation the image's Windows build (``os.version`` of its index entry,
    such as ``10.0.17763.5329``) must equal the node's (``10.0.20348`` for Windows Server
    2022). The registry lists the image's Windows builds, and none is the target's, so the
    container is blocked on these nodes.

    Example: an index with only ``windows/amd64 10.0.17763`` on ``ltsc2022`` nodes.

    Cannot convert: the image; publish a build for the target (or a tag that has one), or
    run nodes of a build the image has and set ``--target-windows`` to it.

    Source: OCI image index (``platform.os.version``); Windows container version
    compatibility.
    """,
    source=_VC_URL,
)
UNRESOLVED = Rule(
    code="image-unresolved",
    severity=Severity.WARNING,
    summary="The registry could not be asked about the image; the verdict is a guess from its "
            "name.",
    doc="""
    Converts: nothing.

    Why: with ``--resolve-images`` porter reads each image's index from its registry; this
    one it could not (unknown tag, no access, registry unreachable, a timeout, or the run's
    time budget spent), so the image's platforms are unknown and porter falls back to what
    the reference shows (the other image rules).

    Example: ``registry.example.com/app:1.0`` when the registry needs a login that the Docker
    config does not hold.

    Cannot convert: fix what the message names (``docker login``, the tag, the network), or
    run with an ``--image-cache`` file that holds the answer.

    Source: OCI distribution spec (pulling manifests, token authentication).
    """,
    source="https://github.com/opencontainers/distribution-spec/blob/main/spec.md",
)

# Multi-arch or Windows-only images with Windows builds: no "shows no Windows build" guess.
_KNOWN_WINDOWS = re.compile(
    r"^(?:mcr\.microsoft\.com/(?:windows/|dotnet/framework/|dotnet/(?:aspnet|runtime|sdk)"
    r"(?:[:@]|$)|oss/kubernetes/pause(?:[:@]|$)|"
    r"oss/kubernetes-csi/(?:livenessprobe|csi-node-driver-registrar)(?:[:@]|$))|"
    r"(?:registry\.k8s\.io|k8s\.gcr\.io)/(?:pause|sig-storage/(?:livenessprobe|"
    r"csi-node-driver-registrar))(?:[:@]|$))")

_KNOWN_LINUX = re.compile(
    r"(^|/)(alpine|busybox|ubuntu|debian|centos|fedora|rockylinux|almalinux|amazonlinux|"
    r"nginx|httpd|redis|postgres|mysql|mariadb|mongo|memcached|rabbitmq|node|python|golang|"
    r"openjdk|eclipse-temurin|ruby|php|traefik|haproxy|envoy|distroless|static|base|"
    r"busybox|curl|bitnami/[a-z-]+)(:|@|$)")


@dataclass(frozen=True)
class Options:
    map: dict[str, str] = field(default_factory=dict)
    windows_images: tuple[str, ...] = ()


def _repository(image: str) -> str:
    name = image.partition("@")[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


@dataclass(frozen=True)
class Verdict:
    """One image finding: the rule, its message (after ``container 'NAME': ``) and hint."""

    rule: Rule
    message: str
    hint: str | None = None


def mapped_image(options: Options, image: str) -> str | None:
    """The replacement the option ``map`` gives for ``image`` (exact, else its repository)."""
    table = options.map
    if image in table:
        return table[image]
    return table.get(_repository(image))


def _builds_match(platform: Platform, build: str) -> bool:
    return platform.os_version == build or platform.os_version.startswith(build + ".")


def _named(build: str) -> str:
    version = next((v for v in VERSIONS if build == v.build or build.startswith(v.build + ".")),
                   None)
    return f"{build} ({version.name})" if version else build


def judge(image: str, target: WindowsVersion, options: Options,
          facts: ImageFacts | None = None, windows_workload: bool = False) -> list[Verdict]:
    """The image findings for ``image`` on ``target`` nodes: from the registry's ``facts``
    when it answered, else from the reference (with a warning saying why it did not)."""
    verdicts: list[Verdict] = []
    if facts is not None and facts.resolved:
        windows = [p for p in facts.platforms if p.os == "windows" and p.architecture == "amd64"]
        if not windows:
            listed = ", ".join(dict.fromkeys(str(p) for p in facts.platforms)) or "none"
            return [Verdict(NO_WINDOWS, f"image {image} has no windows/amd64 build; the "
                                        f"registry lists: {listed}",
                            f"map it to a {target.name} image (option images.map) or keep the "
                            "workload on Linux")]
        if any(_builds_match(p, target.build) for p in windows):
            return []
        builds = sorted({p.os_version for p in windows if p.os_version})
        matching = [t.name for t in TARGETS if any(_builds_match(p, t.build) for p in windows)]
        have = ", ".join(_named(b) for b in builds) or "none with an os.version"
        return [Verdict(NO_BUILD, f"image {image} has Windows builds {have} but none for "
                                  f"{target.name} ({target.build})",
                        (f"set --target-windows {' or '.join(matching)}, or " if matching
                         else "") + f"use a tag built for {target.name}")]
    if facts is not None:
        verdicts.append(Verdict(UNRESOLVED, f"could not ask the registry about image {image}: "
                                            f"{facts.error}",
                                "until it can, porter judges the image by its name (the "
                                "other findings here)"))
    version = image_version(image)
    if version is not None and version.name == "ltsc2016":
        verdicts.append(Verdict(WS2016, f"uses Windows Server 2016 image {image}; no supported "
                                        "node runs it",
                                f"rebuild on the {target.name} base image, then map it "
                                "(option images.map)"))
    elif version is not None and version.name != target.name:
        verdicts.append(Verdict(MISMATCH, f"image {image} is built for {version.name} "
                                          f"({version.build}) but the nodes run {target.name} "
                                          f"({target.build})",
                                f"use the {target.name} tag of this image"
                                + (f", or set --target-windows {version.name}"
                                   if version.name.startswith("ltsc") else
                                   f" ({version.name} is a retired Semi-Annual release)")))
    elif version is None and not any(f in image for f in options.windows_images):
        if WINDOWS_HINTS.search(image.lower()):
            verdicts.append(Verdict(UNVERSIONED, f"Windows image {image} names no build",
                                    f"pin the {target.name} tag"))
        elif not windows_workload and not _KNOWN_WINDOWS.search(image.lower()):
            known = " (a Linux-only image)" if _KNOWN_LINUX.search(image.lower()) else ""
            verdicts.append(Verdict(LINUX_IMAGE, f"image {image} shows no Windows build{known}",
                                    f"map it to a {target.name} image (option images.map) or "
                                    "list it in images.windows-images if it is multi-arch"))
    return verdicts


def written_for_windows(document: Document, pod: PodSpec) -> bool:
    """Whether the input (before any transform) already put this pod on Windows nodes:
    ``spec.os.name: windows`` or a ``kubernetes.io/os: windows`` node selector."""
    def original(*path: str) -> str | None:
        node = document.node_at((*pod.path, *path))
        value = getattr(node, "value", None)
        return value if isinstance(value, str) else None

    return "windows" in (original("os", "name"),
                         original("nodeSelector", "kubernetes.io/os"),
                         original("nodeSelector", "beta.kubernetes.io/os"))


class Images(PodSpecTransform):
    id = "images"
    keeps_pod_specs = True
    summary = "Map images; report Linux, Windows 2016 and wrong-build images."
    rules = (WS2016, MISMATCH, LINUX_IMAGE, UNVERSIONED, MAPPED, NO_WINDOWS, NO_BUILD, UNRESOLVED)
    Options = Options

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        target = context.config.target
        windows_workload = written_for_windows(context.document, pod)
        for path, container in pod.containers():
            image = container.get("image")
            if not isinstance(image, str) or not image:
                continue
            where = (*path, "image")
            name = container.get("name")
            replacement = mapped_image(self.options, image)
            if replacement is not None and replacement != image:
                context.report(MAPPED, where, f"container {name!r}: image {image} -> "
                                              f"{replacement}")
                container["image"] = image = replacement
            facts = context.config.image_facts(image)
            for verdict in judge(image, target, self.options, facts, windows_workload):
                context.report(verdict.rule, where, f"container {name!r}: {verdict.message}",
                               hint=verdict.hint)
