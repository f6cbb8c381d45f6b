"""A kustomize overlay (``--kustomize DIR``): the upstream files as resources, the Windows
changes as JSON 6902 patches on top, each aimed at exactly one resource.

``kubectl kustomize DIR`` then builds what ``porter convert`` writes, while the upstream files
stay as they are. The patches are the operations of :mod:`porter.outputs.json_patch`, written
one per line as JSON (which YAML reads the same under every YAML version).

A directory that holds its own ``kustomization.yaml`` is a kustomize base: the overlay names
that directory as its resource (never the kustomization file itself, which is not a resource),
and the files the base lists are not named again. Two resources with the same id (group,
version, kind, namespace, name) in what the overlay would load are an error, as kustomize
would refuse them too.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from porter.engine.results import FileResult
from porter.errors import PorterError
from porter.kube.resources import Resource, resource_of
from porter.kube.workloads import LIST_KINDS
from porter.outputs.json_patch import ResourcePatch, resource_patches
from porter.version import __version__
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import build

FILE_NAME = "kustomization.yaml"
KUSTOMIZATION_NAMES = frozenset(("kustomization.yaml", "kustomization.yml", "Kustomization"))
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


def _entry(patch: ResourcePatch, namespace: str | None = None) -> str:
    resource = patch.resource
    if namespace and not resource.namespace and resource.kind not in CLUSTER_SCOPED:
        resource = Resource(resource.api_version, resource.kind, namespace, resource.name)
    lines = [f"# {patch.file}, document {patch.document}"
             + (f" ({patch.pointer})" if patch.pointer else "")
             + f": {patch.resource.label()}",
             "- target:"]
    lines += [f"    {key}: {_scalar(value)}" for key, value in target(resource).items()]
    lines.append("  patch: |-")
    lines += ["    - " + json.dumps(op, ensure_ascii=False) for op in patch.operations]
    return "".join(line + "\n" for line in lines)


def _resource_path(result: FileResult, directory: str, cwd: str) -> str:
    path = posixpath.normpath(posixpath.join(cwd, result.path.replace("\\", "/")))
    return posixpath.relpath(path, directory)


def _documents(result: FileResult) -> list[object]:
    """The plain data of every document of ``result``'s input (empty when unreadable)."""
    try:
        return [build(document.root, result.path)[0]
                for document in compose(result.original, result.path)]
    except PorterError:
        return []


def _resources_of(data: object) -> list[Resource]:
    if isinstance(data, dict) and data.get("kind") == "List" and \
            isinstance(data.get("items"), list):
        return [resource_of(item) for item in data["items"]]
    return [resource_of(data)] if isinstance(data, dict) else []


@dataclass
class _Base:
    """A directory with its own kustomization: the files it lists, and its namespace."""

    directory: str
    file: str
    shown: str
    entries: list[str]
    namespace: str | None
    renames: bool

    def covers(self, path: str) -> bool:
        for entry in self.entries:
            target = posixpath.normpath(posixpath.join(self.directory, entry))
            if path == target or path.startswith(target + "/"):
                return True
        return False


def _base(result: FileResult, path: str) -> _Base | None:
    documents = _documents(result)
    data = documents[0] if len(documents) == 1 else None
    if not isinstance(data, dict) or data.get("kind", "Kustomization") != "Kustomization":
        return None
    entries = [str(e) for key in ("resources", "bases")
               for e in (data.get(key) or []) if isinstance(e, str)]
    namespace = data.get("namespace")
    return _Base(posixpath.dirname(path), path, result.path, entries,
                 namespace if isinstance(namespace, str) else None,
                 bool(data.get("namePrefix") or data.get("nameSuffix")))


def _resource_id(resource: Resource, namespace: str | None) -> tuple[str, ...]:
    group, _, version = (resource.api_version or "").rpartition("/")
    space = "" if resource.kind in CLUSTER_SCOPED else \
        resource.namespace or namespace or "default"
    return (group, version, resource.kind or "", space, resource.name or "")


def overlay(results: Sequence[FileResult], directory: str, cwd: str,
            shown_as: str | None = None) -> Overlay:
    """The overlay for ``results`` written to ``directory``; both it and ``cwd`` (which
    relative input paths are relative to) are absolute POSIX paths. ``shown_as`` is the
    directory as the user named it, for the build command in the file's header."""
    resources: list[str] = []
    entries: list[str] = []
    notes: list[str] = []
    absolute = {id(r): posixpath.normpath(posixpath.join(cwd, r.path.replace("\\", "/")))
                for r in results}
    bases = [base for r in results
             if posixpath.basename(absolute[id(r)]) in KUSTOMIZATION_NAMES and r.source is not None
             and not r.errors for base in [_base(r, absolute[id(r)])] if base is not None]
    # A base inside another base's directory is loaded through it, or not at all.
    tops = [b for b in bases
            if not any(o is not b and b.directory.startswith(o.directory + "/") for o in bases)]
    ids: dict[tuple[str, ...], str] = {}
    unlisted: dict[str, list[str]] = {}
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
        here = absolute[id(result)]
        inside = [b for b in tops if here.startswith(b.directory + "/")]
        covering = next((b for b in inside if b.covers(here)), None)
        if any(b.file == here for b in bases):
            base = next(b for b in bases if b.file == here)
            if base in tops:
                resources.append(posixpath.relpath(base.directory, directory))
                if base.renames:
                    notes.append(f"{result.path}: namePrefix/nameSuffix rename the base's "
                                 "resources; the patch targets name them as the files do")
            continue
        if inside and covering is None:
            unlisted.setdefault(inside[-1].shown, []).append(result.path)
            continue
        if covering is None:
            path = _resource_path(result, directory, cwd)
            if path not in resources:
                resources.append(path)
        if _DIRECTIVE.search(result.original):
            notes.append(f"{result.path}: has a YAML directive (%YAML or %TAG), which kustomize "
                         "cannot read")
        namespace = covering.namespace if covering else None
        for number, data in enumerate(_documents(result)):
            for resource in _resources_of(data):
                if not resource.kind or not resource.name:
                    continue
                key = _resource_id(resource, namespace)
                where = f"{result.path} (document {number})"
                if key in ids and ids[key] != where:
                    raise PorterError(f"{resource.label()} is also in {ids[key]}: kustomize "
                                      "cannot load a resource twice; the overlay was not "
                                      "written", result.path)
                ids[key] = where
        for patch in resource_patches(result):
            where = f"{result.path}, document {patch.document}"
            if not patch.resource.name or not patch.resource.kind:
                notes.append(f"{where}: a resource without kind or name cannot be a patch "
                             "target; its changes are not in the overlay")
            elif patch.resource.kind in LIST_KINDS:
                notes.append(f"{where}: changes to a List itself (not to its items) cannot be "
                             "a kustomize patch; they are not in the overlay")
            else:
                entries.append(_entry(patch, namespace))
    for shown, paths in unlisted.items():
        others = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
        notes.append(f"{paths[0]}{others}: not among the resources of {shown}, so not in the "
                     "overlay")
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
