"""Pod networking on Windows: host networking, DNS policy and DNS search suffixes.

Windows pods cannot use the host's network namespace (the kubelet's alpha support was
withdrawn in 1.33), except HostProcess pods, which must. ``ClusterFirstWithHostNet`` is not
supported and becomes ``ClusterFirst``; extra DNS search suffixes do not work as on Linux
(a Windows pod gets only its namespace's suffix).
"""

from __future__ import annotations

from porter.engine.findings import Severity
from porter.engine.transform import Context, PodSpecTransform, Rule
from porter.kube.validation import host_process_containers, host_process_violations, is_host_process
from porter.kube.workloads import PodSpec

_NET_URL = "https://kubernetes.io/docs/concepts/services-networking/windows-networking/"
_DNS_URL = "https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#dns-windows"

HOST_NETWORK = Rule(
    code="host-network",
    severity=Severity.ERROR,
    summary="hostNetwork is not available to Windows pods (except HostProcess pods).",
    doc="""
    Converts: deletes ``hostNetwork: true`` from pods that are not HostProcess pods, and
    reports it.

    Why: host networking mode is not supported for Windows pods; the kubelet's alpha gate
    ``WindowsHostNetwork`` (1.26-1.32) was withdrawn in 1.33. The pod now gets its own IP:
    anything that relied on host ports or the node's IP breaks.

    Example: a metrics agent with ``hostNetwork: true``.

    Cannot convert: host networking; use a Service, or a HostProcess pod
    (``windowsOptions.hostProcess: true``, which requires ``hostNetwork: true``).

    Source: Kubernetes Windows networking (host networking not supported); KEP-3503;
    kubernetes/kubernetes PR #130250.
    """,
    source=_NET_URL,
)
DNS_POLICY = Rule(
    code="dns-policy",
    severity=Severity.WARNING,
    summary="dnsPolicy ClusterFirstWithHostNet became ClusterFirst.",
    doc="""
    Converts: ``dnsPolicy: ClusterFirstWithHostNet`` -> ``ClusterFirst``.

    Why: Windows does not support ClusterFirstWithHostNet (and Windows pods have no host
    networking); ClusterFirst gives the pod cluster DNS.

    Example: as above.

    Cannot convert: nothing else.

    Source: Kubernetes "DNS for Services and Pods" (DNS resolution on Windows nodes);
    Windows intro.
    """,
    source=_DNS_URL,
)
DNS_SEARCHES = Rule(
    code="dns-searches",
    severity=Severity.WARNING,
    summary="dnsConfig.searches: Windows pods resolve only their namespace's suffix.",
    doc="""
    Converts: nothing.

    Why: on Windows, a name with a dot is treated as fully qualified (no suffix search) and
    only the pod namespace's suffix (``<ns>.svc.cluster.local``) is appended to short names;
    a Linux-style list of search suffixes does not behave the same.

    Example: ``dnsConfig: {searches: [corp.example.com]}``.

    Cannot convert: use fully qualified names in the application's configuration.

    Source: Kubernetes "DNS for Services and Pods" (DNS resolution on Windows nodes).
    """,
    source=_DNS_URL,
)
HOST_PROCESS = Rule(
    code="incomplete-host-process",
    severity=Severity.ERROR,
    summary="A HostProcess pod the API server rejects: what it still needs is named.",
    doc="""
    Converts: nothing; ``hostNetwork: true`` of a HostProcess pod (one with any HostProcess
    container) is always kept.

    Why: a pod with any HostProcess container (``windowsOptions.hostProcess: true`` on the
    pod or a container) must have every container, init and ephemeral ones included, be a
    HostProcess container (explicitly or inherited from the pod), the pod and container
    values must agree where both are set, and the pod must set ``hostNetwork: true``.

    Example: ``hostProcess: true`` on one container of two, without ``hostNetwork``: the
    finding asks for ``hostNetwork: true`` and ``hostProcess: true`` in the other container.

    Cannot convert: which containers were meant to run on the host; complete the pod or drop
    ``hostProcess``.

    Source: pkg/apis/core/validation/validation.go validateWindowsHostProcessPod; Kubernetes
    "Create a Windows HostProcess Pod".
    """,
    source="https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/",
)


class Networking(PodSpecTransform):
    id = "networking"
    keeps_pod_specs = True
    summary = "Remove hostNetwork (unless HostProcess); fix dnsPolicy; report DNS searches."
    rules = (HOST_NETWORK, DNS_POLICY, DNS_SEARCHES, HOST_PROCESS)

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        spec = pod.spec
        host_process = is_host_process(pod)
        if host_process:
            self._host_process(pod, context)
        elif spec.get("hostNetwork") is True:
            context.report(HOST_NETWORK, (*pod.path, "hostNetwork"),
                           "hostNetwork: true removed: Windows pods cannot use host networking",
                           hint="use a Service, or make it a HostProcess pod")
            del spec["hostNetwork"]
        if spec.get("dnsPolicy") == "ClusterFirstWithHostNet":
            context.report(DNS_POLICY, (*pod.path, "dnsPolicy"),
                           "dnsPolicy ClusterFirstWithHostNet -> ClusterFirst")
            spec["dnsPolicy"] = "ClusterFirst"
        dns = spec.get("dnsConfig")
        searches = dns.get("searches") if isinstance(dns, dict) else None
        if searches:
            context.report(DNS_SEARCHES, (*pod.path, "dnsConfig", "searches"),
                           f"DNS search suffixes {searches} do not apply as on Linux; Windows "
                           "pods resolve short names only in their namespace",
                           hint="use fully qualified names")

    def _host_process(self, pod: PodSpec, context: Context) -> None:
        """A HostProcess pod keeps ``hostNetwork``; what the API server still misses is one
        error that says exactly what to add or change."""
        problems = host_process_violations(pod)
        if not problems:
            return
        missing = []
        if pod.spec.get("hostNetwork") is not True:
            missing.append("hostNetwork: true")
        others = [name for _, name, effective in host_process_containers(pod) if not effective]
        if others:
            missing.append("windowsOptions.hostProcess: true in container(s) "
                           + ", ".join(repr(n) for n in others)
                           + " (every container, init and ephemeral ones included)")
        if any("must be identical" in v.message for v in problems):
            missing.append("the same hostProcess value in the pod and its containers")
        context.report(HOST_PROCESS, pod.path,
                       "incomplete HostProcess pod; the API server requires "
                       + "; ".join(missing),
                       hint="complete the HostProcess pod, or drop hostProcess if the pod "
                            "does not need the host")
