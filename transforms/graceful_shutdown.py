"""Graceful shutdown works differently on Windows: say so where a pod relies on it.

On Windows the container's entry point gets a CTRL_SHUTDOWN_EVENT instead of SIGTERM, and
processes in the container have a short registry-configured timeout (5 s by default) to
exit. A pod that sets ``terminationGracePeriodSeconds`` or a ``preStop`` hook expects Linux
signal handling.
"""

from __future__ import annotations

from porter.engine.findings import Severity
from porter.engine.transform import Context, PodSpecTransform, Rule
from porter.kube.workloads import PodSpec

SHUTDOWN = Rule(
    code="shutdown-signals",
    severity=Severity.WARNING,
    summary="terminationGracePeriodSeconds: the app must handle Windows shutdown events.",
    doc="""
    Converts: nothing.

    Why: with containerd on Windows, stopping a container sends CTRL_SHUTDOWN_EVENT to the
    entry point, not SIGTERM, and processes get a default 5-second in-container timeout. An
    application written to drain on SIGTERM within the pod's grace period may be cut off.

    Example: ``terminationGracePeriodSeconds: 60`` on a web server that drains connections.

    Cannot convert: the application's signal handling; handle console control events
    (SetConsoleCtrlHandler) or use a preStop hook that does not rely on a shell.

    Source: Kubernetes Windows intro (terminationGracePeriodSeconds on Windows).
    """,
    source="https://kubernetes.io/docs/concepts/windows/intro/",
)


class GracefulShutdown(PodSpecTransform):
    id = "graceful-shutdown"
    keeps_pod_specs = True
    summary = "Report terminationGracePeriodSeconds: Windows sends shutdown events, not SIGTERM."
    rules = (SHUTDOWN,)

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        period = pod.spec.get("terminationGracePeriodSeconds")
        if isinstance(period, int) and not isinstance(period, bool) and period > 0:
            context.report(SHUTDOWN, (*pod.path, "terminationGracePeriodSeconds"),
                           f"terminationGracePeriodSeconds: {period} assumes SIGTERM; Windows "
                           "sends CTRL_SHUTDOWN_EVENT and gives processes about 5 s",
                           hint="make the app handle console control events")
