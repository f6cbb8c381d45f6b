"""The transform protocol: rules, options, the context findings go through, and base classes."""

from __future__ import annotations

import dataclasses
import textwrap
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from porter.engine.findings import Finding, Severity
from porter.kube.resources import resource_at
from porter.kube.workloads import LIST_KINDS, WORKLOAD_KINDS, PodSpec, pod_specs
from porter.yamledit.documents import Document, Path
from porter.yamledit.pointer import json_pointer

if TYPE_CHECKING:
    from porter.engine.config import Config


@dataclass(frozen=True)
class Rule:
    """A finding code: stable ``code``, default severity, summary and documentation.

    ``doc`` has the sections Converts / Why / Example / Cannot convert / Source.
    """

    code: str
    severity: Severity
    summary: str
    doc: str
    source: str

    @property
    def text(self) -> str:
        return textwrap.dedent(self.doc).strip()


@dataclass(frozen=True)
class NoOptions:
    """This transform has no options."""


class Transform(ABC):
    """Base of every transform: metadata as class attributes, ``apply`` edits one document.

    ``apply`` edits ``document.data`` in place and reports through ``context``; it must not
    raise for any user data (the pipeline turns a raise into an ``internal-error`` finding and
    leaves the document as it was).
    """

    id: ClassVar[str]
    summary: ClassVar[str]
    rules: ClassVar[tuple[Rule, ...]] = ()
    Options: ClassVar[type] = NoOptions
    order: ClassVar[int] = 100
    kinds: ClassVar[frozenset[str]] = WORKLOAD_KINDS | LIST_KINDS
    keeps_pod_specs: ClassVar[bool] = False
    """True when ``apply`` never adds, removes, replaces or moves a pod spec, nor changes
    what makes a resource a workload (its kind, its API group, a List's items): the pod specs
    found before it stay right after it, so the pipeline finds them once for all such
    transforms (see :func:`shared_pod_specs`)."""

    def __init__(self, options: Any = None) -> None:
        self.options = options if options is not None else self.Options()

    @abstractmethod
    def apply(self, document: Document, context: Context) -> None:
        """Edit ``document.data`` in place; report findings through ``context``."""

    @classmethod
    def rule(cls, code: str) -> Rule:
        for rule in cls.rules:
            if rule.code == code:
                return rule
        raise KeyError(code)


class PodSpecTransform(Transform):
    """A transform of pod specs: ``apply_pod`` runs for every pod spec not kept on Linux."""

    def apply(self, document: Document, context: Context) -> None:
        pods = shared_pod_specs(document) if self.keeps_pod_specs else pod_specs(document)
        for pod in pods:
            if not context.is_left_alone(pod):
                self.apply_pod(pod, context)

    @abstractmethod
    def apply_pod(self, pod: PodSpec, context: Context) -> None:
        """Edit one pod spec (and its template metadata) in place."""


_LEFT_ALONE = "left-alone"
_POD_SPECS = "pod-specs"


def shared_pod_specs(document: Document) -> list[PodSpec]:
    """The pod specs of ``document``, found once for as long as its data is the same object
    and no transform that may move them has run since (:func:`forget_pod_specs`)."""
    found = document.state.get(_POD_SPECS)
    if found is None or found[0] is not document.data:
        found = document.state[_POD_SPECS] = (document.data, list(pod_specs(document)))
    return found[1]


def forget_pod_specs(document: Document) -> None:
    """Drop the pod specs :func:`shared_pod_specs` found (a transform may have moved them)."""
    document.state.pop(_POD_SPECS, None)


class Context:
    """What a transform sees besides the document: configuration and the findings sink."""

    def __init__(self, document: Document, config: Config,
                 sink: Callable[[Finding], None]) -> None:
        self.document = document
        self.config = config
        self._sink = sink

    def report(self, rule: Rule, path: Path, message: str, hint: str | None = None,
               severity: Severity | None = None) -> None:
        """Report a finding about the input node at ``path`` (its nearest existing ancestor)."""
        line, column = self.document.locate(path)
        self._sink(Finding(
            rule=rule.code,
            severity=severity or rule.severity,
            message=message,
            file=self.document.file,
            line=line,
            column=column,
            resource=resource_at(self.document.data, path),
            path=json_pointer(path),
            hint=hint,
        ))

    def leave_alone(self, pod: PodSpec) -> None:
        """Mark ``pod`` so that later pod-spec transforms leave it alone."""
        self.document.state.setdefault(_LEFT_ALONE, set()).add(pod.path)

    def keep_on_linux(self, pod: PodSpec) -> None:
        """Mark ``pod`` as staying on Linux (so it is left alone from here on)."""
        self.leave_alone(pod)

    def is_left_alone(self, pod: PodSpec) -> bool:
        return pod.path in self.document.state.get(_LEFT_ALONE, ())


def option_fields(options_type: type) -> dict[str, dataclasses.Field[Any]]:
    """The options of a transform, by their config name (kebab-case)."""
    return {f.name.replace("_", "-"): f for f in dataclasses.fields(options_type)}
