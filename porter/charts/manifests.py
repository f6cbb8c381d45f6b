"""Rendered manifests as Helm writes them: split, ordered and joined like ``helm template``,
and the way back from a rendered stream to the template each document came from."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from porter.errors import InputError
from porter.yamledit.reading import load_one

# Helm's releaseutil.InstallOrder: the order ``helm template`` and ``helm install`` use.
INSTALL_ORDER = (
    "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
    "PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList",
    "ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
    "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
    "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
    "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
    "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
    "APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
)
_RANK = {kind: rank for rank, kind in enumerate(INSTALL_ORDER)}
_SEPARATOR = re.compile(r"(?:^|\s*\n)---\s*")  # releaseutil.SplitManifests
HOOK_ANNOTATION = "helm.sh/hook"
FILENAME_ANNOTATION = "postrenderer.helm.sh/postrender-filename"
"""Helm 4 marks each document it hands a post-renderer with the template it came from."""


@dataclass(frozen=True)
class Manifest:
    """One rendered document and the template (``chart/templates/x.yaml``) it came from."""

    source: str
    content: str
    kind: str = ""
    hook: bool = False


class NotYaml(ValueError):
    """A rendered document that is not YAML (Helm refuses these; porter passes them over)."""

    def __init__(self, source: str) -> None:
        super().__init__(f"{source}: rendered output is not YAML")
        self.source = source


def is_rendered_manifest(source: str) -> bool:
    """Templates whose output belongs in the manifest (not partials, not NOTES.txt)."""
    name = PurePosixPath(source).name
    return not name.startswith("_") and name != "NOTES.txt"


def split_rendered(files: dict[str, str]) -> tuple[list[Manifest], list[str]]:
    """Helm's releaseutil.SortManifests over an engine's ``{template: output}`` map.

    Returns the manifests in install order (hooks last, as ``helm template`` prints them) and
    the templates whose output was not YAML (left out, never converted or reported on).
    """
    generic: list[Manifest] = []
    hooks: list[Manifest] = []
    not_yaml: list[str] = []
    for source in sorted(files):
        content = files[source]
        if not is_rendered_manifest(source) or not content.strip():
            continue
        for document in _SEPARATOR.split(content.strip()):
            if not document:
                continue
            document = document.strip()
            try:
                head = load_one(document, source, templates=False, last_key_wins=True)
            except InputError:
                not_yaml.append(source)
                break
            if head is not None and not isinstance(head, dict):
                not_yaml.append(source)
                break
            head = head or {}
            metadata = head.get("metadata")
            annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
            hook = isinstance(annotations, dict) and HOOK_ANNOTATION in annotations
            manifest = Manifest(source, document, str(head.get("kind") or ""), hook)
            (hooks if hook else generic).append(manifest)
    return _by_kind(generic) + _by_kind(hooks), not_yaml


def _by_kind(manifests: list[Manifest]) -> list[Manifest]:
    """Stable sort by install order; unknown kinds last, alphabetically among themselves."""
    unknown = len(INSTALL_ORDER)
    return sorted(manifests, key=lambda m: (_RANK.get(m.kind, unknown),
                                            "" if m.kind in _RANK else m.kind))


def stream(manifests: list[Manifest]) -> str:
    """The manifests exactly as ``helm template`` prints them."""
    return "".join(f"---\n# Source: {m.source}\n{m.content}\n" for m in manifests)


_DOCUMENT_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.MULTILINE)
_SOURCE_COMMENT = re.compile(r"^# Source: (?P<path>\S[^\r\n]*?)[ \t]*\r?$", re.MULTILINE)
_FILENAME = re.compile(r"^[ \t]*[\"']?" + re.escape(FILENAME_ANNOTATION) +
                       r"[\"']?[ \t]*:[ \t]*[\"']?(?P<path>[^\"'\r\n#]+?)[\"']?[ \t]*\r?$",
                       re.MULTILINE)


@dataclass(frozen=True)
class SourceRange:
    """Lines ``first``..``last`` (1-based, inclusive) of a rendered stream came from ``source``;
    ``content`` is the line where the document's own text starts."""

    first: int
    last: int
    content: int
    source: str


def source_ranges(text: str) -> list[SourceRange]:
    """Where each document of a rendered stream came from: Helm 3's ``# Source:`` comment or
    Helm 4's post-renderer annotation. Documents naming neither are left out."""
    starts = [m.start() for m in _DOCUMENT_START.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    ranges: list[SourceRange] = []
    first = 1  # counted along, not from the top for each document (which is quadratic)
    previous = 0
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(text)
        chunk = text[start:end]
        first += text.count("\n", previous, start)
        previous = start
        last = first + max(chunk.count("\n") - (1 if chunk.endswith("\n") else 0), 0)
        comment = _SOURCE_COMMENT.search(chunk)
        if comment and not chunk[:comment.start()].strip("-\r\n \t"):
            content = first + chunk.count("\n", 0, comment.end()) + 1
            ranges.append(SourceRange(first, last, content, comment["path"]))
            continue
        annotation = _FILENAME.search(chunk)
        if annotation:
            ranges.append(SourceRange(first, last, first, annotation["path"].strip()))
    return ranges


def source_at(ranges: list[SourceRange], line: int) -> SourceRange | None:
    """The range holding ``line`` (``ranges`` in stream order, as :func:`source_ranges` gives
    them), by bisection."""
    index = bisect.bisect_right(ranges, line, key=lambda found: found.first) - 1
    if index >= 0 and ranges[index].first <= line <= ranges[index].last:
        return ranges[index]
    return None
