"""Property tests: porter on generated manifest streams written in many different layouts.

The strategies build plain manifest data (workloads with random Linux-flavoured pod specs,
plus documents without pod specs); a small renderer in this module writes it as YAML text
with random layout choices (indentation, sequence style, comments, quoting, flow style,
document markers, line ends, final newline, BOM). The renderer is deliberately independent
of porter's emitter and of ruamel: the point is layout variety the splicer must survive.
"""

from __future__ import annotations

import codecs
import random
import re
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from porter.config import Config
from porter.diffing import same
from porter.documents import Document
from porter.emitting import plain_is_safe
from porter.findings import parse_pointer
from porter.parsing import compose
from porter.pipeline import Pipeline
from porter.plaindata import build
from porter.textfile import decode
from porter.workloads import CONTAINER_LISTS, pod_specs

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
             "a: b\n- c\n", "ünïcode\n\nafter blank\n")

names = st.sampled_from(("web", "api", "worker", "db", "cache", "edge", "job-1", "x"))
uids = st.sampled_from((0, 1000, 65534, 101))
plain_words = st.sampled_from(("alpha", "beta", "prod", "eu-west", "v1.2.3", "8080"))
texts = st.one_of(plain_words, st.sampled_from(TRICKY), st.sampled_from(MULTILINE))
linux_paths = st.sampled_from(("/srv/data", "/data", "/var/log/app", "/mnt/volume",
                               "/mnt/volume/logs", "/etc/config", "/tmp", "/"))
mount_paths = st.one_of(linux_paths, st.sampled_from(("C:\\data", "D:", "\\\\.\\pipe\\x")))
images = st.sampled_from((
    "nginx:1.25", "registry.example.com/shop/web:2.3-ltsc2022", "busybox",
    "mcr.microsoft.com/windows/servercore:ltsc2022",
    "registry.k8s.io/ingress-nginx/controller:v1.9.4", "traefik:v3.0"))
nulls = st.none()


def shuffled(strategy: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """The dicts of ``strategy`` with their keys in a random order."""
    return strategy.flatmap(lambda d: st.permutations(list(d.items())).map(dict))


def optional(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return shuffled(st.fixed_dictionaries({}, optional=fields))


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
mount = shuffled(st.fixed_dictionaries(
    {"name": names, "mountPath": mount_paths}, optional={"readOnly": st.booleans()}))
container = shuffled(st.fixed_dictionaries(
    {"name": names, "image": images},
    optional={
        "args": st.lists(st.one_of(texts, linux_paths,
                                   st.just("--ingress-class=nginx")), max_size=3),
        "command": st.just(["/bin/sh", "-c"]),
        "env": st.lists(env_var, max_size=3),
        "volumeMounts": st.lists(mount, max_size=3),
        "securityContext": st.one_of(container_security, nulls),
        "resources": st.just({"limits": {"cpu": "500m", "memory": "1Gi"}}),
        "ports": st.just([{"containerPort": 8080}]),
    }))
volume = st.one_of(
    st.fixed_dictionaries({"name": names, "emptyDir": st.sampled_from(({}, {"medium": "Memory"},
                                                                       None))}),
    st.fixed_dictionaries({"name": names, "hostPath": shuffled(st.fixed_dictionaries(
        {"path": linux_paths}, optional={"type": st.just("Directory")}))}),
    st.fixed_dictionaries({"name": names, "nfs": shuffled(st.fixed_dictionaries(
        {"server": st.sampled_from(("nfs.example.com", "10.0.0.4")), "path": linux_paths},
        optional={"readOnly": st.booleans()}))}),
    st.fixed_dictionaries({"name": names, "configMap": st.fixed_dictionaries({"name": names})}),
).flatmap(lambda d: st.permutations(list(d.items())).map(dict))
os_labels = st.sampled_from(("kubernetes.io/os", "beta.kubernetes.io/os"))
node_selector = st.one_of(
    nulls,
    shuffled(st.dictionaries(st.one_of(os_labels, st.sampled_from(("disk", "zone"))),
                             st.sampled_from(("linux", "windows", "ssd", "yes")), max_size=3)))
toleration = shuffled(st.fixed_dictionaries(
    {"key": st.sampled_from(("os", "dedicated", "node.kubernetes.io/not-ready"))},
    optional={"operator": st.sampled_from(("Equal", "Exists")),
              "value": st.sampled_from(("windows", "infra")),
              "effect": st.sampled_from(("NoSchedule", "NoExecute"))}))
affinity = st.builds(
    lambda key, values: {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": key, "operator": "In", "values": values}]}]}}},
    os_labels, st.sampled_from((["linux"], ["windows"], ["linux", "windows"])))
pod_spec = shuffled(st.fixed_dictionaries(
    {"containers": st.lists(container, min_size=1, max_size=2)},
    optional={
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
        "os": st.sampled_from(({"name": "linux"}, {"name": "windows"})),
        "serviceAccountName": names,
        "restartPolicy": st.sampled_from(("Always", "OnFailure")),
    }))
annotations = st.dictionaries(
    st.sampled_from(("seccomp.security.alpha.kubernetes.io/pod",
                     "container.apparmor.security.beta.kubernetes.io/web",
                     "winporter.dev/keep-on-linux", "team")),
    st.sampled_from(("runtime/default", "true", "false", "shop")), max_size=2)
template_metadata = optional(
    labels=shuffled(st.fixed_dictionaries({"app": names}, optional={
        "kubernetes.io/os": st.sampled_from(("linux", "windows"))})),
    annotations=st.one_of(annotations, nulls))
metadata = shuffled(st.fixed_dictionaries(
    {"name": names}, optional={"namespace": st.sampled_from(("shop", "default", "yes")),
                               "labels": st.dictionaries(names, texts, max_size=2)}))


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

# -- rendering -----------------------------------------------------------------------------

SEPARATOR = re.compile(r"^(?:---|\.\.\.)(?: #.*)?$")
"""A document marker line the renderer writes (content lines never look like this)."""


@dataclass
class Stream:
    """Rendered YAML text and where its documents are."""

    text: str
    data: list[Any]
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
        if self.chance(0.1):
            return double(key)
        return key if plain_is_safe(key, flow) else double(key)

    def comment(self) -> str:
        return "  " * self.rnd.randint(0, 1) + " " + self.rnd.choice(COMMENTS)

    def trailing(self) -> str:
        return self.comment() if self.chance(0.15) else ""

    def full_line(self, column: int) -> list[str]:
        if self.chance(0.1):
            return [" " * self.rnd.choice((0, column)) + self.rnd.choice(COMMENTS)]
        if self.chance(0.04):
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

    def block_scalar(self, text: str, column: int) -> tuple[str, list[str]] | None:
        """Header and lines of ``text`` as a literal block scalar, if it can be one."""
        body = text[:-1] if text.endswith("\n") else text
        lines = body.split("\n")
        if not lines[0] or lines[0][0] in " \t" or any(
                line != line.rstrip() or not line.isprintable() for line in lines):
            return None
        header = "|" if text.endswith("\n") else "|-"
        return header, [(" " * column + line) if line else "" for line in lines]

    def after_colon(self, value: Any, column: int) -> tuple[str, list[str]]:
        """What follows ``key:`` on its line, and the lines below, for a key at ``column``."""
        if isinstance(value, str) and "\n" in value and self.chance(0.7):
            block = self.block_scalar(value, column + self.indent)
            if block is not None:
                return " " + block[0], block[1]
        if not isinstance(value, dict | list):
            text = self.scalar(value)
            return (" " + text if text else "") + self.trailing(), []
        if not value:
            return " " + ("{}" if isinstance(value, dict) else "[]") + self.trailing(), []
        if self.flowable(value) and self.chance(0.25):
            return " " + self.flow(value) + self.trailing(), []
        head = self.trailing()
        if isinstance(value, dict):
            return head, self.mapping(value, column + self.indent)
        dash = column if self.indentless else column + self.indent
        return head, self.sequence(value, dash)

    def mapping(self, value: dict[str, Any], column: int, after_dash: bool = False) -> list[str]:
        lines: list[str] = []
        for position, (key, item) in enumerate(value.items()):
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
    data = draw(documents)
    rnd = draw(st.randoms(use_true_random=False))
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
        lines.extend(renderer.mapping(doc, 0))
    if draw(st.booleans()):
        lines.append("...")
    if draw(st.booleans()):
        lines.append(rnd.choice(COMMENTS))
    text = newline.join(lines)
    if draw(st.booleans()):
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
        if data["kind"] in ("Service", "ConfigMap"):
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
    for finding in result.findings:
        if finding.rule == "kept-on-linux":
            kept.add((document_of_line(stream.text, finding.line), finding.path))
    originals = {}
    for raw in compose(stream.text, "-"):
        for pod in pod_specs(Document("-", raw)):
            originals[raw.index, pod.path] = pod.spec
    checked = 0
    for raw in compose(result.converted, "-"):
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
    assert text.endswith(("\n", "\r\n")) == stream.text.endswith(("\n", "\r\n"))
    if "\r\n" in stream.text:
        assert "\n" not in text.replace("\r\n", "")
    else:
        assert "\r" not in text
