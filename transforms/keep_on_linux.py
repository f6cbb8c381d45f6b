"""Keep workloads that must run on Linux on Linux, instead of converting them.

Ingress controllers (ingress-nginx, NGINX Inc., Traefik, HAProxy, Kong, Contour/Envoy,
Emissary, Skipper, the AWS and GCE controllers, Istio gateways) are recognised by their
images and by their arguments. Such a workload is pinned with ``nodeSelector
kubernetes.io/os: linux`` and left otherwise untouched; the other transforms skip it.

The annotation ``winporter.dev/keep-on-linux`` on the resource or its pod template overrides
the detection: ``"true"`` keeps any workload on Linux, ``"false"`` converts a detected one.

Options:
  images: extra image name fragments that mark a workload to keep on Linux.
  names: resource names to keep on Linux.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from porter.dictedit import child, replace_key
from porter.findings import Severity
from porter.transform import Context, Rule, Transform
from porter.workloads import PodSpec, pod_specs

ANNOTATION = "winporter.dev/keep-on-linux"
OS_LABEL = "kubernetes.io/os"
BETA_OS_LABEL = "beta.kubernetes.io/os"

_INGRESS_IMAGES = re.compile(
    r"(ingress-nginx/controller|nginx-ingress-controller|nginx/nginx-ingress|"
    r"(^|/)traefik(:|@|$)|haproxytech/kubernetes-ingress|haproxy-ingress|"
    r"kong/kubernetes-ingress-controller|projectcontour/contour|envoyproxy/envoy|"
    r"emissary-ingress|datawire/ambassador|zalando/skipper|aws-load-balancer-controller|"
    r"ingress-gce|glbc|istio/proxyv2)")
_INGRESS_ARGS = re.compile(
    r"^(/nginx-ingress-controller|/ingress-controller|--ingress-class(=|$)|"
    r"--controller-class(=|$)|--watch-ingress-without-class|--providers\.kubernetesingress|"
    r"--providers\.kubernetescrd|--ingress\.class|--ingress-class-name|"
    r"--publish-service=.*ingress)")

KEPT = Rule(
    code="kept-on-linux",
    severity=Severity.INFO,
    summary="A workload that must run on Linux (an ingress controller, say) stays on Linux.",
    doc="""
    Converts: adds (or keeps) ``nodeSelector kubernetes.io/os: linux``; nothing else in the
    workload changes, and the other transforms skip it.

    Why: mixed clusters keep Linux node pools (AKS requires the first pool to be Linux).
    Ingress controllers and similar cluster infrastructure ship Linux images and work on
    Linux nodes; moving them to Windows would break them. Pinning them makes sure they keep
    landing on Linux once Windows nodes join the cluster.

    Example: the ingress-nginx controller Deployment gets ``kubernetes.io/os: linux``.

    Cannot convert: nothing; set the annotation ``winporter.dev/keep-on-linux: "false"``
    to convert such a workload anyway, or ``"true"`` to keep any other workload on Linux.

    Source: Kubernetes Windows user guide (taints, tolerations and node selectors for mixed
    clusters); AKS Windows FAQ (the system node pool is Linux).
    """,
    source="https://kubernetes.io/docs/concepts/windows/user-guide/",
)


@dataclass(frozen=True)
class Options:
    images: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


def _flag(value: Any) -> bool | None:
    text = str(value).strip().lower() if value is not None else ""
    return True if text in ("true", "yes", "1") else False if text in ("false", "no", "0") \
        else None


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


class KeepOnLinux(Transform):
    id = "keep-on-linux"
    summary = "Pin ingress controllers (and chosen workloads) to Linux instead of converting."
    rules = (KEPT,)
    Options = Options
    order = 10

    def apply(self, document: Any, context: Context) -> None:
        for pod in pod_specs(document):
            reason = self._reason(pod)
            if reason is None:
                continue
            context.keep_on_linux(pod)
            self._pin(pod)
            context.report(KEPT, pod.owner_path,
                           f"{pod.resource.label()} stays on Linux ({reason})",
                           hint=f'annotate it {ANNOTATION}: "false" to convert it anyway')

    def _reason(self, pod: PodSpec) -> str | None:
        owner_metadata = pod.owner.get("metadata")
        owner_annotations = owner_metadata.get("annotations") \
            if isinstance(owner_metadata, dict) else None
        for found in (owner_annotations, pod.annotations()):
            if isinstance(found, dict) and ANNOTATION in found:
                flag = _flag(found[ANNOTATION])
                if flag is not None:
                    return f"annotation {ANNOTATION}" if flag else None
        if pod.resource.name in self.options.names:
            return "named in the keep-on-linux options"
        for _path, container in pod.containers():
            image = str(container.get("image", ""))
            if _INGRESS_IMAGES.search(image) or any(f in image for f in self.options.images):
                return f"ingress controller image {image}"
            for value in _strings(container.get("command")) + _strings(container.get("args")):
                if _INGRESS_ARGS.match(value):
                    return f"ingress controller argument {value}"
        return None

    def _pin(self, pod: PodSpec) -> None:
        selector = child(pod.spec, "nodeSelector")
        if BETA_OS_LABEL in selector and OS_LABEL not in selector:
            replace_key(selector, BETA_OS_LABEL, OS_LABEL, "linux")
        selector[OS_LABEL] = "linux"
