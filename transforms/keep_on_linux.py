"""Keep workloads that must run on Linux on Linux, instead of converting them.

Ingress controllers (ingress-nginx, NGINX Inc., Traefik, HAProxy, Kong, Contour/Envoy,
Emissary, Skipper, the AWS and GCE controllers, Istio gateways) are recognised by their
images and by their arguments; DaemonSets of node agents (log shippers, monitoring
exporters, CSI node plugins, CNI and kube-proxy) by what they are: a known agent's image name
under any registry, or host paths only a node agent mounts (the node's logs, runtime and
kubelet state, ``/sys``, ``/proc``, CNI and CSI directories); and CSI controllers (the
``csi-provisioner``/``attacher``/``resizer``/``snapshotter`` sidecars) with their driver.
Such a workload is pinned with ``nodeSelector kubernetes.io/os: linux`` and left otherwise
untouched; the other transforms skip it. Windows nodes need their own Windows builds of node agents.

Per resource (on the resource or its pod template), the annotation
``winporter.dev/keep-on-linux`` overrides the detection: ``"true"`` keeps any workload on
Linux, ``"false"`` converts a detected one. ``winporter.dev/skip: "true"`` makes porter leave
the resource entirely alone.

Options:
  images: extra image name fragments that mark a workload to keep on Linux.
  names: resource names to keep on Linux.
  labels: ``key=value`` labels (of the resource or its pods) that keep it on Linux.
  skip-names: resource names to leave entirely alone.
  node-agents: keep node-agent DaemonSets and CSI controllers on Linux (default true).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from porter.engine.findings import Severity
from porter.engine.transform import Context, Rule, Transform, shared_pod_specs
from porter.kube.windows_versions import WINDOWS_HINTS, image_version
from porter.kube.workloads import PodSpec
from porter.yamledit.dictedit import child, replace_key

ANNOTATION = "winporter.dev/keep-on-linux"
SKIP_ANNOTATION = "winporter.dev/skip"
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

# Node agents' images. This pattern and _NODE_PATHS look at DaemonSets only: they are kept
# as text, compiled (and cached) by ``re`` on first use rather than at import.
_NODE_AGENTS = (
    r"(fluent-?bit|fluentd|filebeat|metricbeat|auditbeat|packetbeat|heartbeat|elastic-agent|"
    r"promtail|grafana/alloy|grafana-agent|timberio/vector|/vector:|datadog/agent|"
    r"node-exporter|node_exporter|node-problem-detector|kube-proxy|calico/node|"
    r"cilium/cilium|flannel|aws-node|amazon-k8s-cni|azure-npm|azure-cns|weave-kube|"
    r"csi-node-driver-registrar|livenessprobe|nfsplugin|csi-.*plugin|"
    r"otel/opentelemetry-collector|splunk-otel|newrelic/infrastructure|dynatrace/oneagent|"
    r"falcosecurity/falco|sysdig/agent|nvidia/k8s-device-plugin|cadvisor)")

# Node agents by name, under any registry and organisation (``docker.io/bitnami/cilium``,
# ``quay.io/cilium/cilium``): the image's repository name without its path, tag or digest.
_AGENT_NAMES = frozenset({
    "alloy", "grafana-alloy", "grafana-agent", "promtail", "fluent-bit", "fluentbit",
    "fluentd", "filebeat", "metricbeat", "auditbeat", "packetbeat", "elastic-agent", "vector",
    "node-exporter", "node-problem-detector", "kube-proxy", "cilium", "cilium-agent",
    "multus-cni", "multus", "whereabouts", "metallb-speaker", "speaker", "calico-node",
    "flannel", "aws-node", "amazon-k8s-cni", "azure-cns", "azure-npm", "weave-kube", "envoy",
    "csi-node-driver-registrar", "livenessprobe", "falco", "cadvisor", "kube-router",
    "kindnetd", "antrea-agent", "spiderpool-agent", "opentelemetry-collector", "otelcol",
    "otelcol-contrib", "datadog-agent", "oneagent", "k8s-device-plugin",
})
# Host paths only a node agent mounts: the node's logs, runtime and kubelet state, kernel
# interfaces, and the CNI and CSI directories.
_NODE_PATHS = (
    r"^/(var/log|var/lib/docker|var/lib/containerd|var/lib/kubelet|var/run|run|sys|proc|dev|"
    r"etc/cni|opt/cni|var/lib/cni|lib/modules|etc/kubernetes|var/lib/calico|"
    r"var/lib/cilium)(/|$)")
# The sidecars of a CSI controller (provisioning, attaching, resizing, snapshots).
_CSI_CONTROLLER = re.compile(r"(^|/)csi-(provisioner|attacher|resizer|snapshotter)(:|@|$)")


def image_name(image: str) -> str:
    """An image's repository name: ``docker.io/bitnami/cilium:1.15`` -> ``cilium``."""
    name = image.lower().split("@", 1)[0].rsplit("/", 1)[-1]
    return name.split(":", 1)[0]


def _node_paths(pod: PodSpec) -> list[str]:
    volumes = pod.spec.get("volumes")
    paths = []
    for volume in volumes if isinstance(volumes, list) else []:
        host = volume.get("hostPath") if isinstance(volume, dict) else None
        path = host.get("path") if isinstance(host, dict) else None
        if isinstance(path, str) and re.match(_NODE_PATHS, path.rstrip("/") or "/"):
            paths.append(path)
    return paths


def node_agent(pod: PodSpec) -> str | None:
    """Why a DaemonSet is a node agent (by its image's name or by what it mounts), or None."""
    if pod.kind != "DaemonSet":
        return None
    for _path, container in pod.containers():
        image = str(container.get("image", ""))
        if re.search(_NODE_AGENTS, image.lower()) or image_name(image) in _AGENT_NAMES:
            return f"node agent DaemonSet, image {image}"
    paths = _node_paths(pod)
    if paths:
        host = [key for key in ("hostNetwork", "hostPID") if pod.spec.get(key) is True]
        return f"node agent DaemonSet: mounts the node's {', '.join(paths[:3])}" + \
            (f" with {' and '.join(host)}" if host else "")
    return None


def csi_controller(pod: PodSpec) -> str | None:
    """A CSI driver's controller (a Deployment or StatefulSet with the CSI controller
    sidecars): it stays on Linux with the driver's node DaemonSet."""
    if pod.kind not in ("Deployment", "StatefulSet"):
        return None
    for _path, container in pod.containers():
        image = str(container.get("image", ""))
        if _CSI_CONTROLLER.search(image.lower()):
            return f"CSI controller, sidecar {image_name(image)}"
    return None


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

    Node agents deployed as DaemonSets (fluent-bit, node-exporter, CSI node plugins,
    kube-proxy, CNI agents) run one pod per node and touch the node itself; their Linux
    images cannot serve Windows nodes, which need Windows builds (usually HostProcess).
    They are recognised by their image's name under any registry (``bitnami/cilium`` as
    ``quay.io/cilium/cilium``) and, whatever the image, by host paths only a node agent
    mounts: ``/var/log``, ``/var/lib/docker``, ``/var/lib/kubelet``, ``/var/run``, ``/run``,
    ``/sys``, ``/proc``, ``/dev``, ``/etc/cni``, ``/opt/cni``. A CSI driver's controller
    (a Deployment with the ``csi-provisioner``, ``csi-attacher``, ``csi-resizer`` or
    ``csi-snapshotter`` sidecar) stays on Linux with its node plugin.

    Example: the ingress-nginx controller Deployment gets ``kubernetes.io/os: linux``.

    Cannot convert: nothing; set the annotation ``winporter.dev/keep-on-linux: "false"``
    to convert such a workload anyway, or ``"true"`` to keep any other workload on Linux.

    Source: Kubernetes Windows user guide (taints, tolerations and node selectors for mixed
    clusters); AKS Windows FAQ (the system node pool is Linux).
    """,
    source="https://kubernetes.io/docs/concepts/windows/user-guide/",
)


SKIPPED = Rule(
    code="skipped",
    severity=Severity.INFO,
    summary="A resource porter was told to leave alone (annotation or skip-names).",
    doc="""
    Converts: nothing in that resource.

    Why: the resource carries ``winporter.dev/skip: "true"`` (or is named in the option
    ``skip-names``), so porter neither converts nor pins it, and raises no other finding.

    Example: a Deployment you convert by hand.

    Cannot convert: by request.

    Source: porter configuration.
    """,
    source="porter configuration",
)


@dataclass(frozen=True)
class Options:
    images: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    skip_names: tuple[str, ...] = ()
    node_agents: bool = True

    def __post_init__(self) -> None:
        for label in self.labels:
            if "=" not in label:
                raise ValueError(f"labels: {label!r} is not key=value")


def _flag(value: Any) -> bool | None:
    text = str(value).strip().lower() if value is not None else ""
    return True if text in ("true", "yes", "1") else False if text in ("false", "no", "0") \
        else None


def targets_windows(pod: PodSpec) -> bool:
    """Is the pod already written for Windows (OS field, selector, options or images)?"""
    spec = pod.spec
    os_field = spec.get("os")
    selector = spec.get("nodeSelector")
    if isinstance(os_field, dict) and os_field.get("name") == "windows":
        return True
    if isinstance(selector, dict) and "windows" in (selector.get(OS_LABEL),
                                                    selector.get(BETA_OS_LABEL)):
        return True
    holders = [spec, *(c for _, c in pod.containers())]
    for holder in holders:
        security = holder.get("securityContext")
        if isinstance(security, dict) and security.get("windowsOptions"):
            return True
    images = [str(c.get("image", "")).lower() for _, c in pod.containers()]
    return bool(images) and all(WINDOWS_HINTS.search(i) or image_version(i) for i in images)


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


class KeepOnLinux(Transform):
    id = "keep-on-linux"
    keeps_pod_specs = True
    summary = "Pin ingress controllers (and chosen workloads) to Linux instead of converting."
    rules = (KEPT, SKIPPED)
    Options = Options
    order = 10

    def apply(self, document: Any, context: Context) -> None:
        for pod in shared_pod_specs(document):
            if self._skipped(pod):
                context.leave_alone(pod)
                context.report(SKIPPED, pod.owner_path,
                               f"{pod.resource.label()} left alone as requested")
                continue
            reason = self._reason(pod)
            if reason is None:
                continue
            context.keep_on_linux(pod)
            self._pin(pod)
            context.report(KEPT, pod.owner_path,
                           f"{pod.resource.label()} stays on Linux ({reason})",
                           hint=f'annotate it {ANNOTATION}: "false" to convert it anyway')

    def _annotation(self, pod: PodSpec, key: str) -> bool | None:
        owner_metadata = pod.owner.get("metadata")
        owner_annotations = owner_metadata.get("annotations") \
            if isinstance(owner_metadata, dict) else None
        for found in (owner_annotations, pod.annotations()):
            if isinstance(found, dict) and key in found:
                flag = _flag(found[key])
                if flag is not None:
                    return flag
        return None

    def _skipped(self, pod: PodSpec) -> bool:
        return bool(self._annotation(pod, SKIP_ANNOTATION)) or \
            pod.resource.name in self.options.skip_names

    def _labels(self, pod: PodSpec) -> dict[str, Any]:
        labels: dict[str, Any] = {}
        for metadata in (pod.owner.get("metadata"), pod.metadata()):
            found = metadata.get("labels") if isinstance(metadata, dict) else None
            if isinstance(found, dict):
                labels.update(found)
        return labels

    def _reason(self, pod: PodSpec) -> str | None:
        flag = self._annotation(pod, ANNOTATION)
        if flag is not None:
            return f"annotation {ANNOTATION}" if flag else None
        if pod.resource.name in self.options.names:
            return "named in the keep-on-linux options"
        labels = self._labels(pod)
        for label in self.options.labels:
            key, _, value = label.partition("=")
            if key in labels and str(labels[key]) == value:
                return f"label {label}"
        if targets_windows(pod):
            return None  # a Windows build of an agent or controller: not one to keep on Linux
        for _path, container in pod.containers():
            image = str(container.get("image", ""))
            if _INGRESS_IMAGES.search(image) or any(f in image for f in self.options.images):
                return f"ingress controller image {image}"
            for value in _strings(container.get("command")) + _strings(container.get("args")):
                if _INGRESS_ARGS.match(value):
                    return f"ingress controller argument {value}"
        if self.options.node_agents:
            return node_agent(pod) or csi_controller(pod)
        return None

    def _pin(self, pod: PodSpec) -> None:
        selector = child(pod.spec, "nodeSelector")
        if BETA_OS_LABEL in selector and OS_LABEL not in selector:
            replace_key(selector, BETA_OS_LABEL, OS_LABEL, "linux")
        selector[OS_LABEL] = "linux"
