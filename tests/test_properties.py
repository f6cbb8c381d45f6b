"""Property tests: porter on generated manifest streams written in many different layouts.

The strategies build plain manifest data (workloads with random Linux-flavoured pod specs,
plus documents without pod specs); a small renderer in this module writes it as YAML text
with random layout choices (2 or 4 space indentation, indentless or indented sequences, key
order, full-line and trailing comments, blank lines, plain/single/double quoting, literal
block scalars, plain scalars over two lines, one-line and multi-line flow collections,
anchors and aliases, merge keys, ``---``/``...`` markers, empty documents, LF or CRLF, with
or without a final newline, and a BOM on the bytes). The renderer is deliberately independent
of porter's emitter and of ruamel: the point is layout variety the splicer must survive.

The properties run the whole pipeline (and, last, the splicer alone on arbitrary edits).
"""

from __future__ import annotations

import codecs
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from porter.engine.config import Config
from porter.engine.pipeline import Pipeline
from porter.kube.workloads import CONTAINER_LISTS, pod_specs
from porter.yamledit.diffing import diff, same
from porter.yamledit.documents import Document
from porter.yamledit.emitting import plain_is_safe
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import build, clone
from porter.yamledit.pointer import parse_pointer
from porter.yamledit.splicing import LineIndex, SharedNodeError, Splicer, apply_edits
from porter.yamledit.textfile import decode

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FULL = Pipeline()
NOOP = Pipeline(Config(only=frozenset()))

# -- data ----------------------------------------------------------------------------------

# Strings that are easy to get wrong when written back as YAML.
TRICKY = ("yes", "no", "on", "off", "y", "n", "true", "null", "~", "", " x", "x ", "a: b",
          "a:b", "#x", "a #b", "a#b", "2001-12-14", "0x1F", "0o17", "010", "1_000", "+1", ".5",
          "1e3", ".inf", ".nan", "1:20", "10.0.20348", "C:\\data", "K:", "-", "- x", "?", "? x",
          "*x", "&x", "!x", "%x", "@x", "`x", "'q'", '"dq"', "{x}", "[x]", "x, y", "100%", "=",
          "<<", "héllo wörld", "日本語", "a\tb", "x\u2028y", "caf\u00e9 \U0001f600")
MULTILINE = ("line one\nline two\n", "line one\nline two", "#!/bin/sh\necho hi\n",
             "a: b\n- c\n", "ünïcode\n\nafter blank\n", "kept\n\n", "x\n\n\n")

names = st.sampled_from(("web", "api", "worker", "db", "cache", "edge", "job-1", "x"))
uids = st.sampled_from((0, 1000, 65534, 101))
plain_words = st.sampled_from(("alpha", "beta", "prod", "eu-west", "v1.2.3", "8080"))
texts = st.one_of(plain_words, st.sampled_from(TRICKY), st.sampled_from(MULTILINE))
linux_paths = st.sampled_from(("/srv/data", "/data", "/var/log/app", "/mnt/volume",
                               "/mnt/volume/logs", "/etc/config", "/tmp", "/"))
mount_paths = st.one_of(linux_paths, st.sampled_from(("C:\\data", "D:", "\\\\.\\pipe\\x")))
common_images = st.sampled_from((
    "nginx:1.25", "registry.example.com/shop/web:2.3-ltsc2022", "busybox", "redis:7",
    "mcr.microsoft.com/windows/servercore:ltsc2022", "example.com/app@sha256:0123abcd",
    "mcr.microsoft.com/dotnet/aspnet:8.0-nanoserver-ltsc2022", "postgres:16"))
images = st.one_of(
    common_images, common_images, common_images,
    # now and then an ingress controller, which stays on Linux
    st.sampled_from(("registry.k8s.io/ingress-nginx/controller:v1.9.4", "traefik:v3.0",
                     "nginx:1.25", "busybox", "redis:7", "postgres:16")))
nulls = st.none()


def optional(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts with any of ``fields`` (the renderer writes keys in a random order)."""
    return st.fixed_dictionaries({}, optional=fields)


profile = st.sampled_from(({"type": "RuntimeDefault"},
                           {"type": "Localhost", "localhostProfile": "prof.json"}))
pod_security = optional(
    runAsUser=uids, runAsGroup=uids, runAsNonRoot=st.booleans(), fsGroup=uids,
    fsGroupChangePolicy=st.just("OnRootMismatch"), seccompProfile=profile,
    seLinuxOptions=st.just({"level": "s0:c123,c456"}), seLinuxChangePolicy=st.just("Recursive"),
    supplementalGroups=st.lists(uids, max_size=2), supplementalGroupsPolicy=st.just("Strict"),
    sysctls=st.lists(st.fixed_dictionaries({"name": st.just("net.core.somaxconn"),
                                            "value": st.just("1024")}), max_size=2),
    appArmorProfile=st.just({"type": "RuntimeDefault"}),
    windowsOptions=st.just({"runAsUserName": "ContainerUser"}),
)
container_security = optional(
    capabilities=st.sampled_from(({"drop": ["ALL"]}, {"add": ["NET_ADMIN"], "drop": ["ALL"]},
                                  {})),
    allowPrivilegeEscalation=st.booleans(), privileged=st.booleans(),
    readOnlyRootFilesystem=st.booleans(), procMount=st.just("Default"), runAsUser=uids,
    runAsGroup=uids, runAsNonRoot=st.booleans(), seccompProfile=profile,
    seLinuxOptions=st.just({"user": "system_u"}), appArmorProfile=st.just({"type": "Unconfined"}),
    windowsOptions=st.just({"runAsUserName": "ContainerAdministrator"}),
)
env_var = st.fixed_dictionaries({"name": st.sampled_from(("DATA_DIR", "MODE", "X")),
                                 "value": st.one_of(texts, linux_paths)})
mount = st.fixed_dictionaries(
    {"name": names, "mountPath": mount_paths}, optional={"readOnly": st.booleans()})
flags = st.sampled_from(("--verbose", "--port=8080", "-c", "--config=/etc/config/app.yaml",
                         "--ingress-class=nginx"))
container = st.fixed_dictionaries(
    {"name": names, "image": images},
    optional={
        "args": st.lists(st.one_of(texts, linux_paths, flags), max_size=3),
        "command": st.just(["/bin/sh", "-c"]),
        "env": st.lists(env_var, max_size=3),
        "volumeMounts": st.lists(mount, max_size=3),
        "securityContext": st.one_of(container_security, nulls),
        "resources": st.just({"limits": {"cpu": "500m", "memory": "1Gi"}}),
        "ports": st.just([{"containerPort": 8080}]),
    })
volume = st.one_of(
    st.fixed_dictionaries({"name": names, "emptyDir": st.sampled_from(({}, {"medium": "Memory"},
                                                                       None))}),
    st.fixed_dictionaries({"name": names, "hostPath": st.fixed_dictionaries(
        {"path": linux_paths}, optional={"type": st.just("Directory")})}),
    st.fixed_dictionaries({"name": names, "nfs": st.fixed_dictionaries(
        {"server": st.sampled_from(("nfs.example.com", "10.0.0.4")), "path": linux_paths},
        optional={"readOnly": st.booleans()})}),
    st.fixed_dictionaries({"name": names, "configMap": st.fixed_dictionaries({"name": names})}),
)
os_labels = st.sampled_from(("kubernetes.io/os", "beta.kubernetes.io/os"))
node_selector = st.one_of(
    nulls,
    st.dictionaries(st.one_of(os_labels, st.sampled_from(("disk", "zone"))),
                    st.sampled_from(("linux", "windows", "ssd", "yes")), max_size=3))
toleration = st.fixed_dictionaries(
    {"key": st.sampled_from(("os", "dedicated", "node.kubernetes.io/not-ready"))},
    optional={"operator": st.sampled_from(("Equal", "Exists")),
              "value": st.sampled_from(("windows", "infra")),
              "effect": st.sampled_from(("NoSchedule", "NoExecute"))})
affinity = st.builds(
    lambda key, values: {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": key, "operator": "In", "values": values}]}]}}},
    os_labels, st.sampled_from((["linux"], ["windows"], ["linux", "windows"])))
MERGE = "<<"
merged_defaults = st.one_of(
    optional(dnsPolicy=st.sampled_from(("ClusterFirst", "Default")),
             terminationGracePeriodSeconds=st.just(30), priorityClassName=st.just("low")),
    st.lists(optional(enableServiceLinks=st.booleans(), schedulerName=st.just("default")),
             min_size=1, max_size=2))
pod_spec = st.fixed_dictionaries(
    {"containers": st.lists(container, min_size=1, max_size=2)},
    optional={
        MERGE: merged_defaults,
        "initContainers": st.lists(container, min_size=1, max_size=1),
        "volumes": st.lists(volume, max_size=3),
        "securityContext": st.one_of(pod_security, nulls),
        "nodeSelector": node_selector,
        "tolerations": st.one_of(nulls, st.lists(toleration, max_size=2)),
        "affinity": affinity,
        "hostPID": st.booleans(), "hostIPC": st.booleans(),
        "shareProcessNamespace": st.booleans(), "hostUsers": st.booleans(),
        "hostNetwork": st.booleans(),
        "resources": st.just({"limits": {"memory": "2Gi"}}),
        "os": st.sampled_from(({"name": "linux"}, {"name": "windows"}, {"name": None})),
        "serviceAccountName": names,
        "restartPolicy": st.sampled_from(("Always", "OnFailure")),
    })
annotations = st.dictionaries(
    st.sampled_from(("seccomp.security.alpha.kubernetes.io/pod",
                     "container.apparmor.security.beta.kubernetes.io/web",
                     "winporter.dev/keep-on-linux", "team", "owner", "prometheus.io/scrape")),
    st.sampled_from(("runtime/default", "true", "false", "shop")), max_size=2)
template_metadata = optional(
    labels=st.fixed_dictionaries({"app": names}, optional={
        "kubernetes.io/os": st.sampled_from(("linux", "windows"))}),
    annotations=st.one_of(annotations, nulls))
metadata = st.fixed_dictionaries(
    {"name": names}, optional={"namespace": st.sampled_from(("shop", "default", "yes")),
                               "labels": st.dictionaries(names, texts, max_size=2)})


def _template(meta: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": meta, "spec": spec} if meta else {"spec": spec}


deployment = st.builds(
    lambda meta, replicas, tmeta, spec: {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": meta["name"]}},
                 "template": _template(tmeta, spec)}},
    metadata, st.integers(0, 3), template_metadata, pod_spec)
pod = st.builds(
    lambda meta, extra, spec: {"apiVersion": "v1", "kind": "Pod", "metadata": {**meta, **extra},
                               "spec": spec},
    metadata, template_metadata, pod_spec)
cron_job = st.builds(
    lambda meta, tmeta, spec: {
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta,
        "spec": {"schedule": "*/5 * * * *",
                 "jobTemplate": {"spec": {"template": _template(tmeta, spec)}}}},
    metadata, template_metadata, pod_spec)
service = st.builds(
    lambda meta, port: {"apiVersion": "v1", "kind": "Service", "metadata": meta,
                        "spec": {"selector": {"app": meta["name"]},
                                 "ports": [{"port": port, "targetPort": 8080}]}},
    metadata, st.sampled_from((80, 443)))
config_map = st.builds(
    lambda meta, data: {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
                        "data": data},
    metadata, st.dictionaries(st.sampled_from(("a.conf", "mode", "script.sh")), texts,
                              max_size=3))
plain_docs = st.one_of(service, config_map)
workloads = st.one_of(deployment, pod, cron_job)
item_list = st.builds(
    lambda items: {"apiVersion": "v1", "kind": "List", "items": items},
    st.lists(st.one_of(workloads, plain_docs), min_size=1, max_size=3))
documents = st.lists(st.one_of(workloads, workloads, plain_docs, item_list),
                     min_size=1, max_size=4)


def merged(value: Any) -> Any:
    """The data YAML reads from generated data with merge keys (``<<``) in it."""
    if isinstance(value, list):
        return [merged(v) for v in value]
    if not isinstance(value, dict):
        return value
    result = {k: merged(v) for k, v in value.items() if k != MERGE}
    sources = value.get(MERGE, [])
    for source in sources if isinstance(sources, list) else [sources]:
        for key, item in source.items():
            result.setdefault(key, merged(item))
    return result


# -- rendering -----------------------------------------------------------------------------

SEPARATOR = re.compile(r"^(?:---|\.\.\.)(?: #.*)?$")
"""A document marker line the renderer writes (content lines never look like this)."""


@dataclass
class Stream:
    """Rendered YAML text and where its documents are."""

    text: str
    data: list[Any]
    """What each document reads as (merge keys resolved; None for an empty document)."""
    chunk_of: list[int] = field(default_factory=list)
    """For each document, the index of its chunk between marker lines (see ``chunks``)."""


def chunks(text: str) -> tuple[list[str], list[str]]:
    """The text between marker lines, and the marker lines themselves."""
    parts: list[str] = []
    markers: list[str] = []
    current: list[str] = []
    for line in text.splitlines(keepends=True):
        if SEPARATOR.match(line.rstrip("\r\n")):
            parts.append("".join(current))
            markers.append(line.rstrip("\r\n"))
            current = []
        else:
            current.append(line)
    parts.append("".join(current))
    return parts, markers


COMMENTS = ("# a comment", "# é — ü ✓ 日本", "#no space", "# key: value", "# - item")


def single(text: str) -> str | None:
    if any(c in text for c in "\n\r\t\x85\u2028\u2029") or not text.isprintable():
        return None
    return "'" + text.replace("'", "''") + "'"


def double(text: str) -> str:
    out = []
    for char in text:
        if char == '"' or char == "\\":
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif not char.isprintable() or char in "\x85\u2028\u2029\ufeff":
            out.append(f"\\u{ord(char):04x}" if ord(char) < 0x10000 else f"\\U{ord(char):08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


class Renderer:
    """Writes plain data as block YAML with random but consistent layout choices."""

    def __init__(self, rnd: random.Random, indent: int, indentless: bool) -> None:
        self.rnd = rnd
        self.indent = indent
        self.indentless = indentless
        self.anchors: dict[tuple[type, Any], str] | None = None
        """Anchored scalars of the current document, when it uses anchors at all."""
        self.after_keep = False
        """The last line written ends a ``|+`` block scalar (a blank line would join it)."""

    def document(self, data: dict[str, Any], anchors: bool) -> list[str]:
        self.anchors = {} if anchors else None
        return self.mapping(data, 0)

    def chance(self, p: float) -> bool:
        return self.rnd.random() < p

    # scalars

    def string(self, text: str, flow: bool = False) -> str:
        choices = [double(text)]
        if plain_is_safe(text, flow):
            choices += [text, text]
        quoted = single(text)
        if quoted is not None:
            choices.append(quoted)
        return self.rnd.choice(choices)

    def scalar(self, value: Any, flow: bool = False) -> str:
        if self.anchors is not None and value is not None and value != "":
            # Repeated values become aliases of the first (YAML reads the same value).
            key = (type(value), value)
            if key in self.anchors:
                if self.chance(0.6):
                    return "*" + self.anchors[key]
            elif self.chance(0.3):
                self.anchors[key] = f"a{len(self.anchors)}"
                return f"&{self.anchors[key]} {self.plain_scalar(value, flow)}"
        return self.plain_scalar(value, flow)

    def plain_scalar(self, value: Any, flow: bool = False) -> str:
        if value is None:
            return self.rnd.choice(("null", "~", "Null")) if flow else \
                self.rnd.choice(("null", "~", ""))
        if isinstance(value, bool):
            return self.rnd.choice(("true", "True", "yes", "on") if value else
                                   ("false", "False", "no", "off"))
        if isinstance(value, int):
            return str(value)
        return self.string(str(value), flow)

    def key(self, key: str, flow: bool = False) -> str:
        if key == MERGE:
            return key
        if self.chance(0.1):
            return double(key)
        if self.chance(0.05):
            return single(key) or double(key)
        return key if plain_is_safe(key, flow) else double(key)

    def comment(self) -> str:
        return "  " * self.rnd.randint(0, 1) + " " + self.rnd.choice(COMMENTS)

    def trailing(self) -> str:
        if self.chance(0.03):
            return " " * self.rnd.randint(1, 3)  # trailing blanks
        return self.comment() if self.chance(0.15) else ""

    def full_line(self, column: int) -> list[str]:
        after_keep, self.after_keep = self.after_keep, False
        if self.chance(0.1):
            return [" " * self.rnd.choice((0, column)) + self.rnd.choice(COMMENTS)]
        if self.chance(0.04) and not after_keep:
            return [""]
        return []

    # collections

    def flowable(self, value: Any, depth: int = 0) -> bool:
        if isinstance(value, dict | list):
            return depth < 2 and len(value) <= 3 and all(
                self.flowable(v, depth + 1) for v in
                (value.values() if isinstance(value, dict) else value))
        return True

    def flow(self, value: Any) -> str:
        if isinstance(value, dict):
            return "{" + ", ".join(f"{self.key(k, True)}: {self.flow(v)}"
                                   for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.flow(v) for v in value) + "]"
        if value is None:
            return self.rnd.choice(("null", "~"))
        return self.scalar(value, flow=True)

    def flow_lines(self, value: dict[str, Any] | list[Any], column: int) -> list[str]:
        """A flow collection, one entry a line after the first, continuation lines at
        ``column``."""
        if isinstance(value, dict):
            parts = [f"{self.key(k, True)}: {self.flow(v)}" for k, v in value.items()]
            opening, closing = "{", "}"
        else:
            parts = [self.flow(v) for v in value]
            opening, closing = "[", "]"
        lines = [opening + parts[0]]
        for part in parts[1:]:
            lines[-1] += ","
            lines.append(" " * column + part)
        lines[-1] += closing
        return lines

    def block_scalar(self, text: str, column: int) -> tuple[str, list[str]] | None:
        """Header and lines of ``text`` as a literal block scalar, if it can be one."""
        keep = text.endswith("\n\n")
        body = text[:-1] if text.endswith("\n") else text
        lines = body.split("\n")
        if not lines[0] or lines[0][0] in " \t" or any(
                line != line.rstrip() or not line.isprintable() for line in lines):
            return None
        header = "|+" if keep else "|" if text.endswith("\n") else "|-"
        self.after_keep = keep
        return header, [(" " * column + line) if line else "" for line in lines]

    def folded_plain(self, text: str, column: int) -> tuple[str, list[str]] | None:
        """A plain scalar broken over two lines at a single space, if it can be."""
        spaces = [i for i, c in enumerate(text) if c == " " and 0 < i < len(text) - 1
                  and text[i - 1] != " " and text[i + 1] != " "]
        if not spaces or not plain_is_safe(text):
            return None
        at = self.rnd.choice(spaces)
        if not plain_is_safe(text[at + 1:]):
            return None
        return " " + text[:at], [" " * column + text[at + 1:]]

    def after_colon(self, value: Any, column: int) -> tuple[str, list[str]]:
        """What follows ``key:`` on its line, and the lines below, for a key at ``column``."""
        if isinstance(value, str) and "\n" in value and self.chance(0.7):
            block = self.block_scalar(value, column + self.indent)
            if block is not None:
                return " " + block[0], block[1]
        if isinstance(value, str) and self.chance(0.15):
            folded = self.folded_plain(value, column + self.indent)
            if folded is not None:
                return folded
        if not isinstance(value, dict | list):
            text = self.scalar(value)
            if text and self.chance(0.04):  # the value on a line of its own
                return self.trailing(), [" " * (column + self.indent) + text]
            space = " " * (1 + (self.rnd.random() < 0.05) * self.rnd.randint(1, 3))
            return (space + text if text else "") + self.trailing(), []
        if not value:
            return " " + ("{}" if isinstance(value, dict) else "[]") + self.trailing(), []
        if self.flowable(value) and self.chance(0.25):
            if len(value) > 1 and self.chance(0.3):
                lines = self.flow_lines(value, column + self.indent)
                lines[-1] += self.trailing()
                return " " + lines[0], lines[1:]
            return " " + self.flow(value) + self.trailing(), []
        head = self.trailing()
        if isinstance(value, dict):
            return head, self.mapping(value, column + self.indent)
        # Now and then a sequence does not follow the document's habit.
        indentless = self.indentless != self.chance(0.1)
        dash = column if indentless else column + self.indent
        return head, self.sequence(value, dash)

    def mapping(self, value: dict[str, Any], column: int, after_dash: bool = False) -> list[str]:
        lines: list[str] = []
        entries = list(value.items())
        if self.chance(0.8):
            self.rnd.shuffle(entries)  # key order is not data: YAML reads the same mapping
        for position, (key, item) in enumerate(entries):
            if position or not after_dash:
                lines.extend(self.full_line(column))
            rest, below = self.after_colon(item, column)
            lines.append(" " * column + self.key(key) + ":" + rest)
            lines.extend(below)
        return lines

    def sequence(self, value: list[Any], dash: int, after_dash: bool = False) -> list[str]:
        lines: list[str] = []
        for position, item in enumerate(value):
            if position or not after_dash:
                lines.extend(self.full_line(dash))
            lines.extend(self.item(item, dash))
        return lines

    def item(self, value: Any, dash: int) -> list[str]:
        pad = " " * dash
        if isinstance(value, str) and "\n" in value and self.chance(0.5):
            block = self.block_scalar(value, dash + 2)
            if block is not None:
                return [f"{pad}- {block[0]}", *block[1]]
        if not isinstance(value, dict | list) or not value or \
                (self.flowable(value) and self.chance(0.2)):
            text = self.flow(value) if isinstance(value, dict | list) else self.scalar(value)
            return [f"{pad}- {text}".rstrip() + self.trailing()]
        if isinstance(value, dict):
            body = self.mapping(value, dash + 2, after_dash=True)
        else:
            body = self.sequence(value, dash + 2, after_dash=True)
        return [f"{pad}- {body[0][dash + 2:]}", *body[1:]]


@st.composite
def streams(draw: st.DrawFn) -> Stream:
    data: list[Any] = list(draw(documents))
    # Layout choices come from a seeded generator: thousands of them per stream would be
    # slow to draw one by one (the data still shrinks; the layout keeps its seed).
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    for position in range(len(data) - 1, 0, -1):
        if rnd.random() < 0.05:
            data.insert(position, None)  # an empty document: markers, maybe a comment
    renderer = Renderer(rnd, draw(st.sampled_from((2, 4))), draw(st.booleans()))
    newline = draw(st.sampled_from(("\n", "\r\n")))
    lines: list[str] = []
    chunk_of: list[int] = []
    markers = 0
    if draw(st.booleans()):
        lines.append(rnd.choice(COMMENTS))
    if draw(st.booleans()):
        lines.append("---")
        markers += 1
    for index, doc in enumerate(data):
        if index:
            if rnd.random() < 0.3:
                lines.append("...")
                markers += 1
            lines.append(rnd.choice(("---", "---", "--- # next")))
            markers += 1
        chunk_of.append(markers)
        if doc is None:
            lines.extend([rnd.choice(COMMENTS)] if rnd.random() < 0.5 else [])
            continue
        lines.extend(renderer.document(doc, anchors=rnd.random() < 0.2))
    # The end of the text is where the splicer has the most to get right: streams end
    # with their last document's content more often than not.
    tail = draw(st.sampled_from(("", "", "", "...", "comment")))
    if tail == "...":
        lines.append("...")
    elif tail == "comment":
        lines.append(rnd.choice(COMMENTS))
    text = newline.join(lines)
    data = [merged(doc) for doc in data]
    if draw(st.booleans()) or not same(read_back(text), data):
        # Without a final line break, a literal block scalar ending the text loses its
        # last newline: such streams always end with one.
        text += newline
    return Stream(text, data, chunk_of)


# -- helpers -------------------------------------------------------------------------------


def read_back(text: str) -> list[Any]:
    return [build(raw.root, "-")[0] for raw in compose(text, "-")]


def document_of_line(text: str, line: int) -> int:
    """Index of the document whose root spans 1-based ``line`` of ``text``."""
    for raw in compose(text, "-"):
        if raw.root.start_mark.line + 1 <= line <= raw.root.end_mark.line + 1:
            return raw.index
    raise AssertionError(f"line {line} is in no document")


def lookup(data: Any, path: tuple[str, ...]) -> tuple[bool, Any]:
    """Whether ``path`` (pointer parts, indexes as strings) exists in ``data``, and its value."""
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return False, None
    return True, data


POD_FORBIDDEN = ("appArmorProfile", "seLinuxOptions", "seccompProfile", "fsGroup",
                 "fsGroupChangePolicy", "runAsUser", "runAsGroup", "supplementalGroups",
                 "supplementalGroupsPolicy", "seLinuxChangePolicy")
CONTAINER_FORBIDDEN = ("appArmorProfile", "seLinuxOptions", "seccompProfile", "capabilities",
                       "readOnlyRootFilesystem", "privileged", "allowPrivilegeEscalation",
                       "procMount", "runAsUser", "runAsGroup")
"""The fields validateWindows rejects (shared docs, windows-rules.md section 2)."""


def gained_final_break_for_a_block_scalar(before: str, after: str) -> bool:
    """Did ``after`` gain a final line break that a block scalar ending it needs?

    (``a: |`` + ``x`` reads ``x\n`` only with the line break: when the lines after such
    a scalar at the end of a text are removed, its line break has to stay.)
    """
    if before.endswith(BREAKS) or not after.endswith(BREAKS):
        return False
    raws = compose(after, "-")
    return bool(raws) and any(
        isinstance(node, ScalarNode) and node.style in ("|", ">") and
        node.end_mark.index == len(after) for node in nodes(raws[-1].root))


BREAKS = ("\n", "\r")


def nodes(root: Node) -> Iterator[Node]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def windows_violations(spec: dict[str, Any]) -> list[str]:
    problems = []
    for name in ("hostUsers", "shareProcessNamespace", "resources"):
        if name in spec:
            problems.append(name)
    problems += [name for name in ("hostPID", "hostIPC") if spec.get(name) is True]
    security = spec.get("securityContext")
    if isinstance(security, dict):
        problems += [f"securityContext.{name}" for name in POD_FORBIDDEN if name in security]
        if security.get("sysctls"):
            problems.append("securityContext.sysctls")
    for list_name in CONTAINER_LISTS:
        for index, item in enumerate(spec.get(list_name) or []):
            context = item.get("securityContext") if isinstance(item, dict) else None
            if isinstance(context, dict):
                problems += [f"{list_name}[{index}].securityContext.{name}"
                             for name in CONTAINER_FORBIDDEN if name in context]
    return problems


# -- properties ----------------------------------------------------------------------------


@SETTINGS
@given(streams())
def test_renderer_writes_the_generated_data(stream: Stream) -> None:
    """The generator's own sanity check: the text reads back as the data it was made from."""
    assert same(read_back(stream.text), stream.data)


@SETTINGS
@given(streams())
def test_conversion_is_spliced_verified_and_idempotent(stream: Stream) -> None:
    result = FULL.convert_text(stream.text, "in.yaml")
    assert not result.errors
    assert not [f for f in result.findings if f.rule == "internal-error"], result.findings
    assert result.redumped == 0
    converted = read_back(result.converted)
    assert len(converted) == len(stream.data)
    again = FULL.convert_text(result.converted, "in.yaml")
    assert again.converted == result.converted
    assert not again.patches
    assert again.redumped == 0


@settings(SETTINGS, max_examples=60)
@given(streams())
def test_no_transforms_means_identical_text(stream: Stream) -> None:
    result = NOOP.convert_text(stream.text, "in.yaml")
    assert result.converted == stream.text
    assert not result.findings and not result.patches


@SETTINGS
@given(streams())
def test_documents_without_changes_are_byte_identical(stream: Stream) -> None:
    result = FULL.convert_text(stream.text, "in.yaml")
    before, before_markers = chunks(stream.text)
    after, after_markers = chunks(result.converted)
    assert after_markers == before_markers
    assert len(after) == len(before)
    patched = {patch.index for patch in result.patches}
    for index, data in enumerate(stream.data):
        chunk = stream.chunk_of[index]
        if data is None or data["kind"] in ("Service", "ConfigMap"):
            assert index not in patched
        if index not in patched:
            assert after[chunk] == before[chunk], index
    # Text outside every document (comments, markers) is kept too.
    for chunk in set(range(len(before))) - set(stream.chunk_of):
        assert after[chunk] == before[chunk]


@SETTINGS
@given(streams())
def test_findings_point_at_the_offending_key(stream: Stream) -> None:
    result = FULL.convert_text(stream.text, "in.yaml")
    lines = stream.text.splitlines()
    for finding in result.findings:
        assert 1 <= finding.line <= len(lines), finding
        line = lines[finding.line - 1]
        assert 1 <= finding.column <= len(line) + 1, finding
        path = parse_pointer(finding.path)
        if not path or path[-1].isdigit():
            continue
        index = document_of_line(stream.text, finding.line)
        exists, _ = lookup(stream.data[index], path)
        if exists:
            key = path[-1]
            assert key in line, (finding, line)
            at = line[finding.column - 1:]
            assert at.startswith((key, f'"{key}"', f"'{key}'")), (finding, line)


@SETTINGS
@given(streams())
def test_converted_pod_specs_are_ready_for_windows(stream: Stream) -> None:
    result = FULL.convert_text(stream.text, "in.yaml")
    kept = set()
    refused = set()
    for finding in result.findings:
        if finding.rule == "kept-on-linux":
            kept.add((document_of_line(stream.text, finding.line), finding.path))
        elif finding.rule == "yaml-aliases":
            refused.add(document_of_line(stream.text, finding.line))
    originals = {}
    for raw in compose(stream.text, "-"):
        for pod in pod_specs(Document("-", raw)):
            originals[raw.index, pod.path] = pod.spec
    checked = 0
    output = read_back(result.converted)
    for raw in compose(result.converted, "-"):
        if raw.index in refused:
            # A change fell on an anchor or alias: the document is left as it was.
            assert same(output[raw.index], stream.data[raw.index])
            checked += sum(1 for key in originals if key[0] == raw.index)
            continue
        for pod in pod_specs(Document("-", raw)):
            spec = pod.spec
            owner = (raw.index, "".join(f"/{p}" for p in pod.owner_path))
            selector = spec.get("nodeSelector") or {}
            if owner in kept:
                assert selector.get("kubernetes.io/os") == "linux"
                before = dict(originals[raw.index, pod.path])
                before.pop("nodeSelector", None)
                after = dict(spec)
                after.pop("nodeSelector", None)
                assert same(after, before)
                continue
            checked += 1
            assert spec.get("os") == {"name": "windows"}
            assert selector.get("kubernetes.io/os") == "windows"
            assert "beta.kubernetes.io/os" not in selector
            assert windows_violations(spec) == []
            for _, item in pod.containers():
                for mount in item.get("volumeMounts") or []:
                    assert not str(mount.get("mountPath")).startswith("/")
            for volume in spec.get("volumes") or []:
                assert "nfs" not in volume
    assert checked + len(kept) == len(originals)


@settings(SETTINGS, max_examples=60)
@given(streams(), st.booleans())
def test_bytes_round_trip_with_bom_and_line_ends(stream: Stream, bom: bool) -> None:
    data = (codecs.BOM_UTF8 if bom else b"") + stream.text.encode("utf-8")
    source = decode(data, "in.yaml")
    assert source.text == stream.text
    result = FULL.convert_text(source.text, "in.yaml")
    out = source.encode(result.converted)
    assert out.startswith(codecs.BOM_UTF8) == bom
    assert NOOP.convert_text(source.text).converted.encode() == data[3 if bom else 0:]
    text = result.converted
    assert text.endswith(BREAKS) == stream.text.endswith(BREAKS) or \
        gained_final_break_for_a_block_scalar(stream.text, text)
    if "\r\n" in stream.text:
        assert "\n" not in text.replace("\r\n", "")
    else:
        assert "\r" not in text


# -- the splicer on arbitrary edits --------------------------------------------------------

NEW_VALUES = ("windows", 1, True, None, "yes", "C:\\x", "", "two\nlines", {"a": 1},
              {"k": [1, {"b": "x y"}]}, [1, "K:"], [], {}, [{"p": 1, "q": [2]}])


def containers(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from containers(item)
    elif isinstance(value, list):
        yield value
        for item in value:
            yield from containers(item)


def mutate(data: Any, rnd: random.Random) -> None:
    """One random edit somewhere in ``data``: remove, add, replace or empty."""
    target = rnd.choice(list(containers(data)))
    new = clone(rnd.choice(NEW_VALUES))
    action = rnd.choice(("remove", "add", "replace", "clear")) if target else "add"
    if action == "clear":
        target.clear()
    elif isinstance(target, dict):
        keys = list(target)
        if action == "remove":
            del target[rnd.choice(keys)]
        elif action == "replace":
            target[rnd.choice(keys)] = new
        else:
            items = list(target.items())
            items.insert(rnd.randint(0, len(items)), (f"new{rnd.randint(0, 3)}", new))
            target.clear()
            target.update(items)
    elif action == "remove":
        target.pop(rnd.randrange(len(target)))
    elif action == "replace":
        target[rnd.randrange(len(target))] = new
    else:
        target.insert(rnd.randint(0, len(target)), new)


@settings(SETTINGS, max_examples=200)
@given(streams(), st.randoms(use_true_random=False))
def test_arbitrary_edits_splice_exactly(stream: Stream, rnd: random.Random) -> None:
    """Any edit of one document's data, spliced into the text, reads back as that data;
    the other documents and the text around them stay byte for byte."""
    text = stream.text
    raws = compose(text, "-")
    index = len(raws) - 1 if rnd.random() < 0.5 else rnd.randrange(len(raws))
    document = Document("-", raws[index])
    if not isinstance(document.data, dict):
        return
    before = clone(document.data)
    after = clone(before)
    for _ in range(rnd.randint(1, 6)):
        mutate(after, rnd)
    document.data = after
    try:
        edits = Splicer(document, LineIndex(text)).plan(diff(before, after))
    except SharedNodeError:
        return  # an edit on an anchor, alias or merge key: the pipeline reports it
    out = apply_edits(text, edits)
    expected = list(stream.data)
    expected[index] = after
    assert same(read_back(out), expected)
    old_chunks, old_markers = chunks(text)
    new_chunks, new_markers = chunks(out)
    assert new_markers == old_markers
    edited = stream.chunk_of[index]
    assert [c for i, c in enumerate(new_chunks) if i != edited] == \
        [c for i, c in enumerate(old_chunks) if i != edited]
    assert out.endswith(BREAKS) == text.endswith(BREAKS) or \
        gained_final_break_for_a_block_scalar(text, out)
