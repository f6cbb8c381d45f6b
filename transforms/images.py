"""Check that every container image can run on the target Windows nodes; map images.

Process isolation needs the image's Windows build to equal the node's: a Windows Server
2016 image runs nowhere porter targets, an ``ltsc2019`` image does not start on a 2022 node,
and a Linux image does not run on Windows at all. porter reads the build from the image
reference (``ltsc2019``, ``1809``, ``10.0.20348`` ...), rewrites images through a map you
give it, and reports the rest.

Options:
  map: image (or repository, matched before ``:`` or ``@``) -> replacement image.
  windows-images: fragments of image references you know have a Windows variant for the
                  target (multi-arch images), so they are not reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from porter.engine.findings import Severity
from porter.engine.transform import Context, PodSpecTransform, Rule
from porter.kube.windows_versions import WINDOWS_HINTS, image_version
from porter.kube.workloads import PodSpec

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


class Images(PodSpecTransform):
    id = "images"
    summary = "Map images; report Linux, Windows 2016 and wrong-build images."
    rules = (WS2016, MISMATCH, LINUX_IMAGE, UNVERSIONED, MAPPED)
    Options = Options

    def _mapped(self, image: str) -> str | None:
        table = self.options.map
        if image in table:
            return table[image]
        return table.get(_repository(image))

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        target = context.config.target
        for path, container in pod.containers():
            image = container.get("image")
            if not isinstance(image, str) or not image:
                continue
            where = (*path, "image")
            name = container.get("name")
            replacement = self._mapped(image)
            if replacement is not None and replacement != image:
                context.report(MAPPED, where, f"container {name!r}: image {image} -> "
                                              f"{replacement}")
                container["image"] = image = replacement
            self._check(image, target, where, name, context)

    def _check(self, image: str, target: Any, where: tuple[Any, ...], name: Any,
               context: Context) -> None:
        version = image_version(image)
        if version is not None and version.name == "ltsc2016":
            context.report(WS2016, where, f"container {name!r} uses Windows Server 2016 image "
                                          f"{image}; no supported node runs it",
                           hint=f"rebuild on the {target.name} base image, then map it "
                                "(option images.map)")
        elif version is not None and version.name != target.name:
            context.report(MISMATCH, where, f"container {name!r}: image {image} is built for "
                                            f"{version.name} ({version.build}) but the nodes run "
                                            f"{target.name} ({target.build})",
                           hint=f"use the {target.name} tag of this image"
                                + (f", or set --target-windows {version.name}"
                                   if version.name.startswith("ltsc") else
                                   f" ({version.name} is a retired Semi-Annual release)"))
        elif version is None and not any(f in image for f in self.options.windows_images):
            if WINDOWS_HINTS.search(image.lower()):
                context.report(UNVERSIONED, where, f"container {name!r}: Windows image {image} "
                                                   "names no build",
                               hint=f"pin the {target.name} tag")
            else:
                known = " (a Linux-only image)" if _KNOWN_LINUX.search(image.lower()) else ""
                context.report(LINUX_IMAGE, where, f"container {name!r}: image {image} shows no "
                                                   f"Windows build{known}",
                               hint=f"map it to a {target.name} image (option images.map) or "
                                    "list it in images.windows-images if it is multi-arch")
