"""A kustomize overlay (``--kustomize DIR``): the upstream files as resources, the Windows
changes as JSON 6902 patches on top, each aimed at exactly one resource.

``kubectl kustomize DIR`` then builds what ``porter convert`` writes, while the upstream files
stay as they are. The patches are the operations of :mod:`porter.outputs.json_patch`, written
one per line as JSON (which YAML reads the same under every YAML version).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from porter.engine.results import FileResult
from porter.kube.resources import Resource
from porter.kube.workloads import LIST_KINDS
from porter.outputs.json_patch import ResourcePatch, resource_patches
from porter.version import __version__

FILE_NAME = "kustomization.yaml"
LOAD_RESTRICTOR = "--load-restrictor LoadRestrictionsNone"
_PLAIN = re.compile(r"[A-Za-z_./][A-Za-z0-9_./-]*")
_YAML_WORDS = frozenset(("y", "n", "yes", "no", "on", "off", "true", "false", "null", ".inf",
                         ".nan"))
_REGEX_SPECIAL = re.compile(r"([\\.+*?()|\[\]{}^$])")
_DIRECTIVE = re.compile(r"(?m)^%")
# Kinds kustomize knows to be cluster-scoped; every other kind is namespaced to it, and a
# namespaced resource without a namespace is in kustomize's eyes in "default".
CLUSTER_SCOPED = frozenset((
    "APIService", "CSIDriver", "CSINode", "CertificateSigningRequest", "ClusterIssuer",
    "ClusterRole", "ClusterRoleBinding", "ComponentStatus", "CustomResourceDefinition",
    "IngressClass", "MutatingWebhookConfiguration", "Namespace", "Node", "PersistentVolume",
    "PodSecurityPolicy", "PriorityClass", "RuntimeClass", "SelfSubjectAccessReview",
    "SelfSubjectRulesReview", "StorageClass", "SubjectAccessReview", "TokenReview",
    "ValidatingWebhookConfiguration", "VolumeAttachment",
))


@dataclass
class Overlay:
    """The overlay's ``kustomization.yaml`` and what the user should know about it."""

    text: str
    resources: list[str]
    patches: int
    notes: list[str] = field(default_factory=list)
    outside: bool = False
    """Some resources lie outside the overlay directory: kustomize must be told to load them."""


def _scalar(value: str) -> str:
    """``value`` as a YAML scalar that every YAML version reads as this string."""
    if _PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value, ensure_ascii=False)


def _regex(value: str) -> str:
    """kustomize matches target names and namespaces as anchored regular expressions."""
    return _REGEX_SPECIAL.sub(r"\\\1", value)


def target(resource: Resource) -> dict[str, str]:
    """The patch target that selects exactly ``resource`` (group, version, kind, namespace,
    name)."""
    group, _, version = (resource.api_version or "").rpartition("/")
    # Without a namespace the target would match the name in every namespace.
    namespace = resource.namespace or ("" if resource.kind in CLUSTER_SCOPED else "default")
    selected = {"group": group, "version": version, "kind": resource.kind or "",
                "namespace": _regex(namespace), "name": _regex(resource.name or "")}
    return {key: value for key, value in selected.items() if value}


def _entry(patch: ResourcePatch) -> str:
    lines = [f"# {patch.file}, document {patch.document}"
             + (f" ({patch.pointer})" if patch.pointer else "")
             + f": {patch.resource.label()}",
             "- target:"]
    lines += [f"    {key}: {_scalar(value)}" for key, value in target(patch.resource).items()]
    lines.append("  patch: |-")
    lines += ["    - " + json.dumps(op, ensure_ascii=False) for op in patch.operations]
    return "".join(line + "\n" for line in lines)


def _resource_path(result: FileResult, directory: str, cwd: str) -> str:
    path = posixpath.normpath(posixpath.join(cwd, result.path.replace("\\", "/")))
    return posixpath.relpath(path, directory)


def overlay(results: Sequence[FileResult], directory: str, cwd: str,
            shown_as: str | None = None) -> Overlay:
    """The overlay for ``results`` written to ``directory``; both it and ``cwd`` (which
    relative input paths are relative to) are absolute POSIX paths. ``shown_as`` is the
    directory as the user named it, for the build command in the file's header."""
    resources: list[str] = []
    entries: list[str] = []
    notes: list[str] = []
    for result in results:
        if getattr(result, "chart", ""):
            notes.append(f"{result.path}: a Helm chart is not a kustomize resource; use the "
                         "chart's values overlay instead")
            continue
        if result.source is None or result.errors or not result.kubernetes:
            if result.source is not None and result.kubernetes:
                notes.append(f"{result.path}: not in the overlay (it has input errors)")
            continue
        if result.path in ("<stdin>", "-"):
            if result.patches:
                notes.append("standard input cannot be a kustomize resource; its changes are "
                             "not in the overlay")
            continue
        path = _resource_path(result, directory, cwd)
        if _DIRECTIVE.search(result.original):
            notes.append(f"{result.path}: has a YAML directive (%YAML or %TAG), which kustomize "
                         "cannot read")
        if path not in resources:
            resources.append(path)
        for patch in resource_patches(result):
            where = f"{result.path}, document {patch.document}"
            if not patch.resource.name or not patch.resource.kind:
                notes.append(f"{where}: a resource without kind or name cannot be a patch "
                             "target; its changes are not in the overlay")
            elif patch.resource.kind in LIST_KINDS:
                notes.append(f"{where}: changes to a List itself (not to its items) cannot be "
                             "a kustomize patch; they are not in the overlay")
            else:
                entries.append(_entry(patch))
    outside = any(path == ".." or path.startswith("../") for path in resources)
    build = f"kubectl kustomize {LOAD_RESTRICTOR + ' ' if outside else ''}" \
            f"{shown_as or directory}"
    head = [f"# Windows overlay made by porter {__version__}: the upstream files below stay "
            "as they are;",
            "# the changes for Windows nodes are JSON 6902 patches on top of them.",
            f"# Build: {build}"]
    if outside:
        head.append("# (the load restrictor lets kustomize read resources outside this "
                    "directory)")
    body = [*head, "apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization",
            "resources:" if resources else "resources: []"]
    body += [f"- {_scalar(path)}" for path in resources]
    text = "".join(line + "\n" for line in body)
    if entries:
        text += "patches:\n" + "".join(entries)
    return Overlay(text, resources, len(entries), notes, outside)
