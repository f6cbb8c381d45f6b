"""Windows identities: gMSA credential specs and runAsUserName values.

Sets ``windowsOptions.gmsaCredentialSpecName`` when you name a GMSACredentialSpec (so the
pod runs with a group Managed Service Account), converts the obsolete alpha gMSA annotations
to that field, and checks every ``runAsUserName`` against the rules the API server applies.

Options:
  gmsa: name of a GMSACredentialSpec to set at pod level (default: none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from porter.engine.findings import Severity
from porter.engine.transform import Context, PodSpecTransform, Rule
from porter.kube.validation import dns1123_subdomain_errors, run_as_user_name_errors
from porter.kube.workloads import PodSpec
from porter.yamledit.dictedit import child
from porter.yamledit.documents import Path

_GMSA_URL = "https://kubernetes.io/docs/tasks/configure-pod-container/configure-gmsa/"
_RAUN_URL = "https://kubernetes.io/docs/tasks/configure-pod-container/configure-runasusername/"
POD_ANNOTATION = "pod.alpha.windows.kubernetes.io/gmsa-credential-spec-name"
CONTAINER_SUFFIX = ".container.alpha.windows.kubernetes.io/gmsa-credential-spec-name"
FULL_SPEC = ("pod.alpha.windows.kubernetes.io/gmsa-credential-spec",
             ".container.alpha.windows.kubernetes.io/gmsa-credential-spec")

GMSA_SET = Rule(
    code="gmsa",
    severity=Severity.INFO,
    summary="A gMSA credential spec was set, or an obsolete gMSA annotation converted.",
    doc="""
    Converts: the option ``gmsa`` -> ``spec.securityContext.windowsOptions
    .gmsaCredentialSpecName``; the alpha annotations
    ``pod.alpha.windows.kubernetes.io/gmsa-credential-spec-name`` and
    ``<container>.container.alpha.windows.kubernetes.io/gmsa-credential-spec-name`` -> the
    pod-level and container-level fields (annotations removed).

    Why: gMSA lets Windows containers authenticate to Active Directory. The field is GA since
    1.18; the alpha annotations are obsolete and ignored.

    Example: ``--option windows-identity.gmsa=webapp1``.

    Cannot convert: the GMSACredentialSpec resource, its ClusterRole (verb ``use``) and the
    RoleBinding to the pod's ServiceAccount, which must exist; the gMSA webhook fills in
    ``gmsaCredentialSpec``.

    Source: Kubernetes "Configure GMSA for Windows Pods and containers".
    """,
    source=_GMSA_URL,
)
GMSA_FULL_SPEC = Rule(
    code="gmsa-full-spec-annotation",
    severity=Severity.WARNING,
    summary="An obsolete annotation carries a whole gMSA credential spec.",
    doc="""
    Converts: nothing.

    Why: the alpha ``...gmsa-credential-spec`` annotations held the JSON credential spec
    itself. Today the spec lives in a GMSACredentialSpec resource and pods name it; the
    webhook fills in the content.

    Example: ``pod.alpha.windows.kubernetes.io/gmsa-credential-spec: '{"CmsPlugins": ...}'``.

    Cannot convert: create a GMSACredentialSpec from the JSON and set
    ``gmsaCredentialSpecName`` (option ``gmsa``).

    Source: Kubernetes "Configure GMSA for Windows Pods and containers".
    """,
    source=_GMSA_URL,
)
INVALID_NAME = Rule(
    code="invalid-windows-identity",
    severity=Severity.ERROR,
    summary="A runAsUserName or gmsaCredentialSpecName the API server rejects.",
    doc="""
    Converts: nothing.

    Why: the API server validates ``runAsUserName`` (``DOMAIN\\USER`` with the domain
    optional; not empty; no control characters; at most one backslash; the domain under 256
    bytes and either a NetBIOS name of at most 15 characters or dot-separated DNS labels of at
    most 63 characters each; the user not empty, at most 104 bytes, not only dots or spaces,
    without ``" / \\ [ ] : ; | = , + * ? < > @``) and ``gmsaCredentialSpecName`` (a DNS-1123
    subdomain of at most 253 characters). porter applies exactly the API server's code
    (porter.kube.validation), message for message.

    Example: ``runAsUserName: "a\\b\\c"`` (two backslashes).

    Cannot convert: choose a valid name.

    Source: validation.go validateWindowsSecurityContextOptions; Kubernetes "Configure
    RunAsUserName for Windows pods and containers".
    """,
    source=_RAUN_URL,
)


def user_name_problem(name: Any) -> str | None:
    """Why the API server would reject ``name`` as a runAsUserName (None when valid): the
    messages of validateWindowsSecurityContextOptions, from :mod:`porter.kube.validation`."""
    if not isinstance(name, str):
        return "must be a string"
    problems = run_as_user_name_errors(name)
    return "; ".join(problems) if problems else None


@dataclass(frozen=True)
class Options:
    gmsa: str | None = None

    def __post_init__(self) -> None:
        if self.gmsa is not None and dns1123_subdomain_errors(self.gmsa):
            raise ValueError(f"gmsa {self.gmsa!r} is not a valid resource name")


class WindowsIdentity(PodSpecTransform):
    id = "windows-identity"
    keeps_pod_specs = True
    summary = "Set gMSA, convert obsolete gMSA annotations, validate runAsUserName."
    rules = (GMSA_SET, GMSA_FULL_SPEC, INVALID_NAME)
    Options = Options
    order = 120  # after the security-context transform has set runAsUserName

    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        self._annotations(pod, context)
        if self.options.gmsa:
            options = child(child(pod.spec, "securityContext"), "windowsOptions")
            if options.get("gmsaCredentialSpecName") != self.options.gmsa:
                context.report(GMSA_SET, pod.path,
                               f"gmsaCredentialSpecName set to {self.options.gmsa!r}",
                               hint="the GMSACredentialSpec, its ClusterRole and RoleBinding "
                                    "must exist")
                options["gmsaCredentialSpecName"] = self.options.gmsa
        self._validate(pod.spec, (*pod.path,), context)
        for path, container in pod.containers():
            self._validate(container, path, context)

    def _annotations(self, pod: PodSpec, context: Context) -> None:
        annotations = pod.annotations()
        containers = {str(c.get("name")): c for _, c in pod.containers()}
        for key in list(annotations):
            where = (*pod.metadata_path, "annotations", key)
            value = annotations[key]
            if key == POD_ANNOTATION:
                target: dict[str, Any] | None = pod.spec
            elif key.endswith(CONTAINER_SUFFIX):
                target = containers.get(key[:-len(CONTAINER_SUFFIX)])
            else:
                if key.startswith(FULL_SPEC[0]) or key.endswith(FULL_SPEC[1]):
                    context.report(GMSA_FULL_SPEC, where,
                                   f"annotation {key} holds a whole gMSA credential spec",
                                   hint="create a GMSACredentialSpec and name it (option gmsa)")
                continue
            if target is None:
                continue
            options = child(child(target, "securityContext"), "windowsOptions")
            options.setdefault("gmsaCredentialSpecName", value)
            context.report(GMSA_SET, where, f"obsolete annotation {key} -> "
                                            "windowsOptions.gmsaCredentialSpecName")
            pod.remove_annotation(key)

    def _validate(self, holder: dict[str, Any], path: Path, context: Context) -> None:
        security = holder.get("securityContext")
        options = security.get("windowsOptions") if isinstance(security, dict) else None
        if not isinstance(options, dict):
            return
        where = (*path, "securityContext", "windowsOptions")
        if "runAsUserName" in options:
            problem = user_name_problem(options["runAsUserName"])
            if problem:
                context.report(INVALID_NAME, (*where, "runAsUserName"),
                               f"invalid runAsUserName {options['runAsUserName']!r}, the API "
                               f"server says: {problem}")
        gmsa = options.get("gmsaCredentialSpecName")
        problems = dns1123_subdomain_errors(gmsa) if isinstance(gmsa, str) else \
            ["must be a string"] if gmsa is not None else []
        if problems:
            context.report(INVALID_NAME, (*where, "gmsaCredentialSpecName"),
                           f"gmsaCredentialSpecName {gmsa!r}: {'; '.join(problems)}")
