"""Bad and hostile input: each case is either one clear line on stderr naming file, line and
column (exit status 2), or a correct pass-through; never a traceback, never a hang, and the
good file next to it is still converted and written.

Every case runs as ``porter convert BAD good.yaml -o out`` in a temporary directory; the bad
file must be left exactly as it was.
"""

from __future__ import annotations

import codecs
import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from porter.cli import app
from porter.yamledit.parsing import compose
from porter.yamledit.plaindata import MAX_ALIAS_NODES, MAX_DEPTH

runner = CliRunner()
GOOD = FIXTURES / "quickstart" / "input.yaml"
POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: example.com/web:1-ltsc2022
    securityContext:
      runAsUser: 1000
"""
ERROR_LINE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<column>\d+): error: "
                        r"(?P<message>.+)$")


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def run_with_good_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                       content: bytes, *extra: str):
    """``porter convert NAME good.yaml -o out -q`` in ``tmp_path``; checks the good file."""
    (tmp_path / name).write_bytes(content)
    shutil.copyfile(GOOD, tmp_path / "good.yaml")
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", name, "good.yaml", "-o", "out", "-q", *extra)
    assert "Traceback" not in result.stderr
    assert (tmp_path / name).read_bytes() == content, "the input must never change"
    assert "kubernetes.io/os: windows" in (tmp_path / "out" / "good.yaml").read_text()
    return result


# name -> (content, the exact stderr line)
INVALID = {
    "bad-indentation.yaml": (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n   labels: x\n",
        "bad-indentation.yaml:5:10: error: invalid YAML: mapping values are not allowed in "
        "this context"),
    "bad-dedent.yaml": (
        "apiVersion: v1\nkind: Pod\nspec:\n    containers: []\n  os: {}\n",
        "bad-dedent.yaml:5:3: error: invalid YAML: did not find expected key (while parsing "
        "a block mapping at line 1)"),
    "unclosed-flow-sequence.yaml": (
        "apiVersion: v1\nkind: Pod\nspec: {containers: [\n",
        "unclosed-flow-sequence.yaml:4:1: error: invalid YAML: did not find expected node "
        "content (while parsing a flow node at line 4)"),
    "unclosed-flow-mapping.yaml": (
        "apiVersion: v1\nkind: Pod\nspec: {containers: []\n",
        "unclosed-flow-mapping.yaml:4:1: error: invalid YAML: did not find expected ',' or "
        "'}' (while parsing a flow mapping at line 3)"),
    "unclosed-quote.yaml": (
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: "web\n',
        "unclosed-quote.yaml:5:1: error: invalid YAML: found unexpected end of stream (while "
        "scanning a quoted scalar at line 4)"),
    "tab-indentation.yaml": (
        "apiVersion: v1\nkind: Pod\nspec:\n\tcontainers: []\n",
        "tab-indentation.yaml:4:1: error: invalid YAML: found character that cannot start "
        "any token (while scanning for the next token at line 4)"),
    "stray-percent.yaml": (
        "apiVersion: v1\nkind: Pod\n%spec: {}\n",
        "stray-percent.yaml:3:6: error: invalid YAML: found unexpected non-alphabetical "
        "character (while scanning a directive at line 3)"),
    "unknown-directive.yaml": (
        "%FOO bar\n---\napiVersion: v1\nkind: Pod\n",
        "unknown-directive.yaml:1:5: error: invalid YAML: found unknown directive name "
        "(while scanning a directive at line 1)"),
    "directive-without-document.yaml": (
        "%YAML 1.1\napiVersion: v1\nkind: Pod\n",
        "directive-without-document.yaml:2:1: error: invalid YAML: did not find expected "
        "<document start>"),
    "yaml-2.yaml": (
        "%YAML 2.0\n---\napiVersion: v1\nkind: Pod\n",
        "yaml-2.yaml:1:1: error: invalid YAML: found incompatible YAML document"),
    "undefined-alias.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\n"
        "kind: Pod\nmetadata:\n  name: p\nspec: *missing\n",
        "undefined-alias.yaml:9:7: error: invalid YAML: found undefined alias"),
    "undefined-alias-elsewhere.yaml": (
        "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  selector: *missing\n"
        "---\n" + POD,
        "undefined-alias-elsewhere.yaml:5:13: error: invalid YAML: found undefined alias"),
    "duplicate-anchor.yaml": (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: &n web\n  labels: {app: &n web}\n",
        "duplicate-anchor.yaml:5:17: error: invalid YAML: &n is defined twice (first at "
        "line 4); rename one of them"),
    "control-character.yaml": (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf\u00e9\x07\n",
        "control-character.yaml:4:13: error: invalid YAML: unacceptable character U+0007: "
        "control characters are not allowed"),
    "noncharacter.yaml": (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \ufffe\n",
        "noncharacter.yaml:4:9: error: invalid YAML: unacceptable character U+FFFE: control "
        "characters are not allowed"),
    "complex-key.yaml": (
        "apiVersion: v1\nkind: Pod\nspec:\n  ? [a, b]\n  : 1\n",
        "complex-key.yaml:4:5: error: complex mapping key (a collection used as a key)"),
    "duplicate-key-in-container.yaml": (
        POD.replace("    image: example.com/web:1-ltsc2022\n",
                    "    image: example.com/web:1-ltsc2022\n    image: nginx\n"),
        "duplicate-key-in-container.yaml:9:5: error: duplicate key 'image' (first at line 8)"),
    "merge-key-scalar.yaml": (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  <<: 5\n  containers: []\n",
        "merge-key-scalar.yaml:6:7: error: merge key '<<' needs a mapping or list of "
        "mappings"),
    "recursive-alias.yaml": (
        "apiVersion: v1\nkind: Pod\nmetadata: &m\n  name: p\n  self: *m\n",
        "recursive-alias.yaml:3:11: error: recursive alias: an anchored node contains an "
        "alias to itself"),
    "deep-flow.yaml": (
        "apiVersion: v1\nkind: Pod\nspec:\n  x: " + "[" * 2000 + "]" * 2000 + "\n",
        "deep-flow.yaml:4:1004: error: invalid YAML: exceeded maximum nesting depth (while "
        "increasing flow level at line 4)"),
    "deep-block.yaml": (
        "apiVersion: v1\nkind: Pod\nspec:\n" + "".join(
            " " * (depth + 1) + f"k{depth}:\n" for depth in range(MAX_DEPTH + 10)),
        f"deep-block.yaml:{MAX_DEPTH + 4}:{MAX_DEPTH + 2}: error: document nests deeper than "
        f"{MAX_DEPTH} levels"),
    "invalid-binary-tag.yaml": (
        POD.replace("image: example.com/web:1-ltsc2022", "image: !!binary '%%%'"),
        "invalid-binary-tag.yaml:8:12: error: !!binary value is not valid base64"),
    "unrendered-template.yaml": (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.name }}\n",
        "unrendered-template.yaml:4:9: error: a Helm/Go template, not YAML: render it first "
        "(helm template) or pass the chart"),
    "latin-1.yaml": (
        None,  # bytes below
        "latin-1.yaml:4:12: error: not valid UTF-8 text (byte 0xe9)"),
    "nul-bytes.yaml": (
        None,
        "nul-bytes.yaml:1:1: error: binary file (NUL byte), not YAML text"),
    "random-bytes.yaml": (
        None,
        "random-bytes.yaml:1:3: error: not valid UTF-8 text (byte 0x80)"),
    "png-named-yaml.yaml": (
        None,
        "png-named-yaml.yaml:3:1: error: binary file (NUL byte), not YAML text"),
    "bad-utf16.yaml": (
        None,
        "bad-utf16.yaml:1:3: error: not valid UTF-16-LE text (bytes 0x00 0xd8)"),
    "empty.yaml": ("", "empty.yaml:1:1: error: empty file; passed through unchanged"),
    "comments-only.yaml": (
        "# nothing\n---\n# here\n...\n",
        "comments-only.yaml:1:1: error: holds only comments; passed through unchanged"),
}
BYTES = {
    "latin-1.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf\u00e9\n".encode("latin-1"),
    "nul-bytes.yaml": b"\x00\x00\x00\x00apiVersion: v1\n",
    "random-bytes.yaml": bytes(range(0x7E, 0x100)) * 3,
    "png-named-yaml.yaml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
    # BOM, then "kind" with a lone surrogate (D800) in the middle
    "bad-utf16.yaml": codecs.BOM_UTF16_LE + "ki".encode("utf-16-le") + b"\x00\xd8" +
    "d: Pod\n".encode("utf-16-le"),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_input_is_one_located_line_and_exit_2(tmp_path, monkeypatch, name):
    text, expected = INVALID[name]
    content = BYTES[name] if text is None else text.encode("utf-8")
    result = run_with_good_file(tmp_path, monkeypatch, name, content)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.splitlines() == [expected]
    assert ERROR_LINE.match(expected)
    assert not (tmp_path / "out" / name).exists() or \
        (tmp_path / "out" / name).read_bytes() == content


def test_every_invalid_yaml_error_names_a_real_place(tmp_path):
    """The line and column of each YAML error are inside the file (or just past its end)."""
    for name, (text, expected) in INVALID.items():
        if text is None or not text:
            continue
        match = ERROR_LINE.match(expected)
        assert match, expected
        lines = text.splitlines()
        line = int(match["line"])
        assert 1 <= line <= len(lines) + 1, name
        if line <= len(lines):
            assert int(match["column"]) <= len(lines[line - 1]) + 1, name


def test_alias_bomb_is_refused_quickly_and_in_bounded_memory(tmp_path, monkeypatch):
    """The billion laughs: ten levels of nine aliases each, 9**10 nodes if expanded."""
    lines = ["apiVersion: v1", "kind: Pod", "metadata:", "  name: lol", "  annotations:",
             "    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"    l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 10)]
    lines += ["spec:", "  containers:", "  - name: a", "    image: nginx", "    args: *l9", ""]
    started = time.monotonic()
    result = run_with_good_file(tmp_path, monkeypatch, "bomb.yaml", "\n".join(lines).encode())
    assert time.monotonic() - started < 10
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("bomb.yaml:")
    assert line.endswith(f"error: aliases in this file expand to more than "
                         f"{MAX_ALIAS_NODES:,} nodes (alias bomb?); refusing the document")


def test_many_small_alias_bombs_share_one_budget(tmp_path, monkeypatch):
    """A hundred documents each just under any per-document bound still cost one budget."""
    document = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{n}\n  annotations:\n"
                "    a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                "    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                "    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                "    d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                "spec: {containers: [{name: a, image: example.com/a:1-ltsc2022}]}\n")
    text = "---\n".join(document.replace("{n}", str(n)) for n in range(100))
    started = time.monotonic()
    result = run_with_good_file(tmp_path, monkeypatch, "bombs.yaml", text.encode())
    assert time.monotonic() - started < 20
    assert result.exit_code == 2
    errors = result.stderr.splitlines()
    assert 80 <= len(errors) <= 100  # the budget runs out after some ten documents
    assert all("alias bomb?" in line for line in errors)


def test_alias_bomb_outside_any_workload_passes_through_unread(tmp_path, monkeypatch):
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: lol}", "data:",
             "  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"  l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 10)]
    content = ("\n".join(lines) + "\n").encode()
    result = run_with_good_file(tmp_path, monkeypatch, "bomb.yaml", content)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "bomb.yaml").read_bytes() == content


# -- correct pass-through or conversion ----------------------------------------------------


@dataclass
class Case:
    content: bytes
    exit_code: int = 0
    converted: bool = True
    """The workload in it gets converted (else the output is the input, byte for byte)."""


def _encoded(text: str, encoding: str, bom: bytes = b"") -> bytes:
    return bom + text.encode(encoding)


ODD_BUT_FINE = {
    "utf8-bom.yaml": Case(codecs.BOM_UTF8 + POD.encode()),
    "utf16-le-bom.yaml": Case(_encoded(POD, "utf-16-le", codecs.BOM_UTF16_LE)),
    "utf16-be-bom.yaml": Case(_encoded(POD, "utf-16-be", codecs.BOM_UTF16_BE)),
    "utf16-le.yaml": Case(_encoded(POD, "utf-16-le")),
    "utf16-be.yaml": Case(_encoded(POD, "utf-16-be")),
    "utf32-le-bom.yaml": Case(_encoded(POD, "utf-32-le", codecs.BOM_UTF32_LE)),
    "utf32-be.yaml": Case(_encoded(POD, "utf-32-be")),
    "crlf.yaml": Case(POD.replace("\n", "\r\n").encode()),
    "cr-only.yaml": Case(POD.replace("\n", "\r").encode()),
    "cr-only-after-comment.yaml": Case(("# old Mac line ends\n" + POD).replace("\n", "\r")
                                       .encode()),
    "mixed-line-ends.yaml": Case(POD.replace("\n", "\r\n", 4).encode()),
    "no-final-newline.yaml": Case(POD.rstrip("\n").encode()),
    "empty-documents.yaml": Case(("---\n---\n...\n---\n" + POD + "---\n").encode()),
    "custom-tag-untouched.yaml": Case(
        POD.replace("image: example.com/web:1-ltsc2022",
                    "image: !Sub example.com/web:${Tag}-ltsc2022").encode()),
    "custom-tag-on-change.yaml": Case(
        POD.replace("runAsUser: 1000", "runAsUser: !Ref Uid").encode(), 1, converted=False),
    "binary-tag.yaml": Case((POD + "  hostname: !!binary d2Vi\n").encode()),
    "anchors-outside-changes.yaml": Case(
        POD.replace("name: web\nspec", "name: &n web\n  labels: {app: *n}\nspec").encode()),
    "alias-on-change.yaml": Case(
        (POD + "  initContainers:\n  - name: init\n    image: example.com/i:1-ltsc2022\n"
         "    securityContext: *sc\n").replace("securityContext:\n", "securityContext: &sc\n",
                                                1).encode(), 1, converted=False),
    "merge-key-on-change.yaml": Case(
        (b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: m\nspec:\n  containers:\n"
         b"  - &base\n    name: a\n    image: example.com/a:1-ltsc2022\n"
         b"    securityContext: {runAsUser: 1}\n  - <<: *base\n    name: b\n"),
        1, converted=False),
    "merge-key-elsewhere.yaml": Case(
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: m\n  labels: &l {app: m}\n"
         b"  annotations:\n    <<: *l\n    team: shop\n"
         b"spec:\n  containers:\n  - name: a\n    image: example.com/a:1-ltsc2022\n"),
    "long-line.yaml": Case(POD.replace("name: web\nspec",
                                       "name: web\n  annotations:\n    blob: " + "x" * 2_000_000 +
                                       "\nspec").encode()),
    "list-of-odd-items.yaml": Case(
        b"apiVersion: v1\nkind: List\nitems:\n- 42\n- null\n- [a, b]\n- text\n"
        b"- apiVersion: v1\n  kind: Service\n  metadata: {name: s}\n- {}\n", converted=False),
    "list-without-items.yaml": Case(b"apiVersion: v1\nkind: List\nitems:\n", converted=False),
    "list-items-not-a-list.yaml": Case(b"apiVersion: v1\nkind: List\nitems: {a: 1}\n",
                                       converted=False),
    "workload-without-spec.yaml": Case(
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n", converted=False),
    "workload-null-spec.yaml": Case(
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n",
        converted=False),
    "workload-null-template.yaml": Case(
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n",
        converted=False),
    "workload-spec-is-text.yaml": Case(
        b"apiVersion: batch/v1\nkind: CronJob\nmetadata: x\nspec: every day\n",
        converted=False),
    "null-containers.yaml": Case(
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n"
        b"    spec:\n      containers:\n"),
    "odd-container-items.yaml": Case(
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - 1\n"
        b"  - null\n  - name: a\n    image: [1]\n    securityContext: 5\n"
        b"    volumeMounts: [1, {mountPath: 5}, {mountPath: null}]\n    command: 7\n"
        b"    env: 4\n  volumes: 3\n  nodeSelector: {}\n"),
    "kind-is-not-text.yaml": Case(b"apiVersion: v1\nkind: [Pod]\nspec: {containers: []}\n",
                                  converted=False),
    "unknown-kind.yaml": Case(b"apiVersion: example.com/v1\nkind: Widget\nmetadata:\n"
                              b"  name: w\nspec:\n  size: 3\n", converted=False),
    "duplicate-keys-outside-workloads.yaml": Case(
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: 1\n  a: 2\n",
        converted=False),
}


@pytest.mark.parametrize("name", sorted(ODD_BUT_FINE))
def test_odd_input_is_converted_or_passed_through(tmp_path, monkeypatch, name):
    case = ODD_BUT_FINE[name]
    result = run_with_good_file(tmp_path, monkeypatch, name, case.content,
                                "--fail-on", "error")
    assert result.exit_code == case.exit_code, result.stderr
    assert result.stderr == ""
    out = (tmp_path / "out" / name).read_bytes()
    if not case.converted:
        assert out == case.content
        return
    assert out != case.content
    # The output keeps the input's encoding, BOM and line ends, and converts to itself.
    (tmp_path / "again").mkdir()
    again = invoke("convert", f"out/{name}", "-o", "again", "-q")
    assert again.exit_code == case.exit_code
    assert (tmp_path / "again" / name).read_bytes() == out
    from porter.yamledit.textfile import decode

    source, converted = decode(case.content, name), decode(out, name)
    assert (converted.encoding, converted.bom) == (source.encoding, source.bom)
    compose(converted.text, name)
    assert "kubernetes.io/os: windows" in converted.text
    for ending in ("\r\n", "\r"):
        if ending not in source.text.replace("\r\n" if ending == "\r" else "\0", ""):
            assert ending not in converted.text.replace("\r\n" if ending == "\r" else "\0", "")


def test_custom_tags_and_aliases_are_reported_not_silently_dropped(tmp_path, monkeypatch):
    for name, rule in (("custom-tag-on-change.yaml", "yaml-custom-tag"),
                       ("alias-on-change.yaml", "yaml-aliases"),
                       ("merge-key-on-change.yaml", "yaml-aliases")):
        (tmp_path / name).write_bytes(ODD_BUT_FINE[name].content)
        monkeypatch.chdir(tmp_path)
        result = invoke("convert", name, "--report", "-", "-o", "out", "-q")
        assert result.exit_code == 1
        [line] = [x for x in result.stdout.splitlines() if " error " in x]
        assert re.match(rf"^{re.escape(name)}:\d+:\d+: error {rule} ", line), line


def test_a_persistent_volume_with_two_sources_is_reported_not_converted(tmp_path, monkeypatch):
    """Found by the fuzzer: converting one source and then, on the next run, the other made
    porter overwrite its own conversion (not idempotent, and the first source lost)."""
    content = (b"apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv\nspec:\n"
               b"  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteMany]\n"
               b"  nfs: {server: 10.0.0.4, path: /exports}\n"
               b"  azureDisk: {diskName: d, diskURI: /subscriptions/0/disks/d}\n")
    (tmp_path / "pv.yaml").write_bytes(content)
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", "pv.yaml", "--report", "-", "-o", "out", "-q")
    assert result.exit_code == 1
    assert result.stdout.startswith(
        "pv.yaml:9:3: error unsupported-persistent-volume PersistentVolume pv names more than "
        "one volume source (nfs, azureDisk), which the API server refuses; not converted")
    assert (tmp_path / "out" / "pv.yaml").read_bytes() == content


def test_unknown_kind_with_a_pod_template_is_reported_not_examined(tmp_path, monkeypatch):
    content = (b"apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: r\n"
               b"spec:\n  template:\n    spec:\n      containers:\n      - name: a\n"
               b"        image: nginx\n")
    (tmp_path / "rollout.yaml").write_bytes(content)
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", "rollout.yaml", "--report", "-", "-o", "out", "-q")
    assert result.exit_code == 0
    assert result.stdout.startswith("rollout.yaml:7:5: info not-examined Rollout "
                                    "(argoproj.io/v1alpha1) is not a workload kind porter "
                                    "converts; the pod template at /spec/template/spec was "
                                    "not examined")
    assert (tmp_path / "out" / "rollout.yaml").read_bytes() == content


def test_a_crash_costs_only_its_own_file(tmp_path, monkeypatch):
    """A bug in porter (here: one that raises on one file's text) is an internal error for
    that file, left unchanged; the other files are still converted and written."""
    from porter.engine.pipeline import Pipeline

    original = Pipeline.convert_text

    def crashing(self, text, name="-"):
        if "crash-me" in text:
            raise RuntimeError("simulated bug")
        return original(self, text, name)

    monkeypatch.setattr(Pipeline, "convert_text", crashing)
    content = POD.replace("name: web\nspec", "name: crash-me\nspec").encode()
    result = run_with_good_file(tmp_path, monkeypatch, "crash.yaml", content,
                                "--report", "report.txt", "-j", "1")
    assert result.exit_code == 3
    assert (tmp_path / "out" / "crash.yaml").read_bytes() == content
    assert (tmp_path / "report.txt").read_text().startswith(
        "crash.yaml:1:1: error internal-error porter crashed on this file (RuntimeError: "
        "simulated bug); it was left unchanged")


# -- huge input ----------------------------------------------------------------------------

HUGE = 100 * 1024 * 1024


def test_a_100_mb_file_converts_in_bounded_time_and_memory(tmp_path):
    """One workload and a 100 MB ConfigMap: converted in a subprocess, in seconds, using a
    few times the file's size in memory; the big document is passed through unchanged."""
    line = "    " + "x" * 95 + "\n"
    head = (GOOD.read_text() + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n"
            "  name: big\ndata:\n  blob: |\n")
    path = tmp_path / "huge.yaml"
    with path.open("w") as stream:
        stream.write(head)
        block = line * 10_000
        for _ in range(HUGE // len(block) + 1):
            stream.write(block)
    script = ("import resource, runpy, sys; sys.argv = ['porter', 'convert', sys.argv[1], "
              "'-o', sys.argv[2], '-q']\ntry:\n    runpy.run_module('porter', "
              "run_name='__main__')\nexcept SystemExit as exc:\n    code = exc.code\n"
              "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, code)")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script, str(path), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, check=False)
    elapsed = time.monotonic() - started
    assert done.stderr == ""
    peak_kb, code = done.stdout.split()
    assert code == "0"
    assert elapsed < 60
    assert int(peak_kb) * 1024 < 8 * path.stat().st_size, peak_kb
    out = tmp_path / "out" / "huge.yaml"
    size = path.stat().st_size
    with path.open("rb") as old, out.open("rb") as new:
        old.seek(size - 10_000_000)
        new.seek(out.stat().st_size - 10_000_000)
        assert old.read() == new.read()  # the tail of the big document, byte for byte
    assert b"kubernetes.io/os: windows" in out.read_bytes()[:10_000]


# -- file system ---------------------------------------------------------------------------


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    (tree / "apps").mkdir(parents=True)
    shutil.copyfile(GOOD, tree / "apps" / "web.yaml")
    return tree


def test_symlinks_and_symlink_loops_in_a_tree(tmp_path, monkeypatch):
    tree = _tree(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copyfile(GOOD, elsewhere / "linked.yaml")
    (tree / "linked.yaml").symlink_to(elsewhere / "linked.yaml")
    shutil.copyfile(GOOD, tree / "apps" / "real.yaml")
    (tree / "inside.yaml").symlink_to(Path("apps") / "real.yaml")  # stays in the tree
    (tree / "linked-dir").symlink_to(elsewhere, target_is_directory=True)
    (tree / "apps" / "loop").symlink_to(tree, target_is_directory=True)  # a directory loop
    (tree / "a.yaml").symlink_to(tree / "b.yaml")
    (tree / "b.yaml").symlink_to(tree / "a.yaml")  # a file loop
    (tree / "dangling.yaml").symlink_to(tmp_path / "missing.yaml")
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", "tree", "-o", "out", "-q", "--external-links")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "tree/a.yaml: error: cannot read: Too many levels of symbolic links",
        "tree/b.yaml: error: cannot read: Too many levels of symbolic links",
        "tree/dangling.yaml: error: cannot read: No such file or directory",
    ]
    written = sorted(p.relative_to(tmp_path / "out").as_posix()
                     for p in (tmp_path / "out").rglob("*"))
    # Linked files are read; linked directories are not followed (nor are loops).
    assert written == ["apps", "apps/real.yaml", "apps/web.yaml", "inside.yaml", "linked.yaml"]
    # In place, a linked file is rewritten through the link, which stays a link.
    result = invoke("convert", "tree", "--in-place", "-q", "--external-links")
    assert result.exit_code == 2
    assert (tree / "linked.yaml").is_symlink() and (tree / "inside.yaml").is_symlink()
    assert "kubernetes.io/os: windows" in (elsewhere / "linked.yaml").read_text()


def test_links_out_of_the_tree_are_neither_read_nor_rewritten(tmp_path, monkeypatch):
    """A repository's ``deploy.yaml -> ../victim/x.yaml`` or ``-> /etc/passwd``: by default
    porter reads nothing and writes nothing through a link leaving its input root."""
    tree = _tree(tmp_path)
    victim = tmp_path / "victim"
    victim.mkdir()
    shutil.copyfile(GOOD, victim / "x.yaml")
    secret = victim / "credentials"
    secret.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
                      "stringData: {password: hunter2}\n")
    (tree / "deploy.yaml").symlink_to(Path("..") / "victim" / "x.yaml")
    (tree / "apps" / "secret.yaml").symlink_to(secret)
    (tree / "inside.yaml").symlink_to(Path("apps") / "web.yaml")
    monkeypatch.chdir(tmp_path)
    before = {p: p.read_bytes() for p in victim.iterdir()}
    for extra in (["--in-place"], ["-o", "out"], []):
        result = invoke("convert", "tree", "-q", *extra)
        assert result.exit_code == 2, result.stderr
        assert sorted(result.stderr.splitlines()) == [
            f"tree/apps/secret.yaml: error: symbolic link to {secret}, outside the input "
            "tree; not read (porter reads and rewrites such files only with --external-links)",
            f"tree/deploy.yaml: error: symbolic link to {victim / 'x.yaml'}, outside the "
            "input tree; not read (porter reads and rewrites such files only with "
            "--external-links)",
        ]
        assert "hunter2" not in result.stdout
        assert {p: p.read_bytes() for p in victim.iterdir()} == before
    assert "hunter2" not in "".join(p.read_text() for p in (tmp_path / "out").rglob("*.yaml"))
    assert (tmp_path / "out" / "inside.yaml").is_file()  # a link within the tree is fine
    # Named on the command line, the root is the file's directory.
    named = invoke("convert", "tree/deploy.yaml", "--in-place", "-q")
    assert named.exit_code == 2 and "outside the input tree" in named.stderr
    assert {p: p.read_bytes() for p in victim.iterdir()} == before
    # Asked for explicitly, the link is followed, and rewritten through.
    allowed = invoke("convert", "tree/deploy.yaml", "--in-place", "-q", "--external-links")
    assert allowed.exit_code == 0, allowed.stderr
    assert (tree / "deploy.yaml").is_symlink()
    assert "kubernetes.io/os: windows" in (victim / "x.yaml").read_text()


def test_a_link_swapped_in_after_reading_is_not_written_through(tmp_path, monkeypatch):
    """The check is made again just before writing, not only when the tree is walked."""
    from porter.commands import convert as command
    _tree(tmp_path)
    victim = tmp_path / "victim.yaml"
    shutil.copyfile(GOOD, victim)
    real = command._write_one

    def swap_then_write(result, targets):
        path = Path(result.path)
        path.unlink()
        path.symlink_to(victim)
        return real(result, targets)

    monkeypatch.setattr(command, "_write_one", swap_then_write)
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", "tree", "--in-place", "-q", "-j", "1")
    assert result.exit_code == 2
    assert "outside the input tree; not rewritten" in result.stderr
    assert victim.read_bytes() == GOOD.read_bytes()


def test_pipes_devices_and_sockets_are_never_read(tmp_path, monkeypatch):
    tree = _tree(tmp_path)
    os.mkfifo(tree / "fifo.yaml")  # reading it would wait for a writer forever
    (tree / "zero.yaml").symlink_to("/dev/zero")  # reading it would never end
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tree / "socket.yaml"))
    monkeypatch.chdir(tmp_path)
    try:
        result = invoke("convert", "tree", "-o", "out", "-q")
        explicit = invoke("convert", "/dev/zero", "-q")
    finally:
        server.close()
    assert result.exit_code == 2
    message = "error: not a regular file (a device, socket or pipe); not read"
    assert result.stderr.splitlines() == [f"tree/{name}: {message}"
                                          for name in ("fifo.yaml", "socket.yaml", "zero.yaml")]
    assert (tmp_path / "out" / "apps" / "web.yaml").is_file()
    assert explicit.exit_code == 2
    assert explicit.stderr == f"/dev/zero: {message}\n"


def test_a_pipe_named_on_the_command_line_is_read(tmp_path):
    """``porter convert <(kubectl kustomize ...)``: the shell passes a pipe by name."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"cat '{GOOD}' > '{fifo}'"])
    try:
        result = invoke("convert", str(fifo), "-q")
    finally:
        writer.wait(timeout=10)
    assert result.exit_code == 0
    assert "kubernetes.io/os: windows" in result.stdout


def test_unreadable_files_and_directories(tmp_path, monkeypatch):
    """Permission errors (simulated: the tests may run as root, who reads everything)."""
    tree = _tree(tmp_path)
    (tree / "locked").mkdir()
    shutil.copyfile(GOOD, tree / "locked" / "x.yaml")
    shutil.copyfile(GOOD, tree / "secret.yaml")
    real_scandir, real_read = os.scandir, Path.read_bytes

    def scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    def read_bytes(self: Path) -> bytes:
        if self.name == "secret.yaml":
            raise PermissionError(13, "Permission denied")
        return real_read(self)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.chdir(tmp_path)
    result = invoke("convert", "tree", "-o", "out", "-q", "-j", "1")
    assert result.exit_code == 2
    assert sorted(result.stderr.splitlines()) == [
        "tree/locked: error: cannot read directory: Permission denied",
        "tree/secret.yaml: error: cannot read: Permission denied",
    ]
    assert (tmp_path / "out" / "apps" / "web.yaml").is_file()
    assert not (tmp_path / "out" / "secret.yaml").exists()


def test_output_directory_inside_the_input_tree_and_over_the_input(tmp_path, monkeypatch):
    tree = _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    inside = invoke("convert", "tree", "-o", "tree/windows", "-q")
    assert inside.exit_code == 0
    again = invoke("convert", "tree", "-o", "tree/windows", "-q")
    assert again.exit_code == 0
    assert sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*.yaml")) == \
        ["apps/web.yaml", "windows/apps/web.yaml"]
    # -o naming the input tree itself would replace each input with its conversion.
    over = invoke("convert", "tree", "-o", "tree", "-q")
    assert over.exit_code == 2
    assert over.stderr.startswith("tree/apps/web.yaml: error: --output would overwrite this "
                                  "input file with its conversion")
    assert (tree / "apps" / "web.yaml").read_bytes() == GOOD.read_bytes()
    shutil.copyfile(GOOD, tmp_path / "app.yaml")
    here = invoke("convert", "app.yaml", "-o", ".", "-q")
    assert here.exit_code == 2
    assert (tmp_path / "app.yaml").read_bytes() == GOOD.read_bytes()


# -- everything porter reads is bounded (configuration, KRM, values) ------------------------

def _bomb(key: str, indent: str = "") -> str:
    """``key:`` holding ten levels of nine aliases (9**10 nodes expanded), at ``indent``."""
    children = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    children += [f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 10)]
    return f"{indent}{key}:\n" + "".join(f"{indent}  {child}\n" for child in children)


def _porter(*args: str, stdin: bytes = b"", cwd: Path | None = None, timeout: float = 60):
    return subprocess.run([sys.executable, "-m", "porter", *args], input=stdin, cwd=cwd,
                          capture_output=True, timeout=timeout, check=False)


def test_an_alias_bomb_in_porter_yaml_is_refused_in_bounded_time(tmp_path):
    """porter.yaml is read from the working directory: a pull request can plant one."""
    (tmp_path / "porter.yaml").write_text("options:\n  images:\n" + _bomb("map", "    "))
    shutil.copyfile(GOOD, tmp_path / "app.yaml")
    started = time.monotonic()
    result = _porter("convert", "app.yaml", cwd=tmp_path)
    assert time.monotonic() - started < 30
    assert result.returncode == 2
    [line] = result.stderr.decode().splitlines()
    assert re.fullmatch(r"porter\.yaml:\d+:\d+: error: aliases in this file expand to more "
                        r"than 100,000 nodes \(alias bomb\?\); refusing the document", line), line


def test_a_large_porter_yaml_loads_in_seconds(tmp_path):
    """A 20 MB porter.yaml (a huge image map) is read by libyaml, not the pure-Python
    reader that took minutes."""
    entries = "".join(f"      registry.example.com/team/image-{n}: "
                      f"mcr.microsoft.com/windows/servercore/iis:{n}\n" for n in range(250_000))
    (tmp_path / "porter.yaml").write_text("options:\n  images:\n    map:\n" + entries)
    assert (tmp_path / "porter.yaml").stat().st_size > 20 << 20
    shutil.copyfile(GOOD, tmp_path / "app.yaml")
    started = time.monotonic()
    result = _porter("convert", "app.yaml", "-q", cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 60


def test_config_is_read_like_the_manifests(tmp_path):
    from porter.engine.config import load_config
    from porter.errors import ConfigError
    path = tmp_path / "porter.yaml"
    for text, message in (
            ("fail-on: " + "9" * 5000 + "\n", "porter.yaml:1:10: error: integer of 5,000 "
             "characters: more digits than porter reads (4,300, Python's limit)"),
            ("disable: []\n---\ndisable: []\n", "porter.yaml:3:1: error: a second YAML "
             "document where one is expected"),
            ("disable: [a\n", "porter.yaml:2:1: error: invalid YAML: did not find expected "
             "',' or ']' (while parsing a flow sequence at line 1)")):
        path.write_text(text)
        with pytest.raises(ConfigError) as caught:
            load_config(path, required=True)
        assert str(caught.value).replace(str(path), "porter.yaml") == message


def _resource_list(function_config: str, items: str = "") -> str:
    return ("{\"apiVersion\": \"config.kubernetes.io/v1\", \"kind\": \"ResourceList\", "
            f"\"items\": [{items}], \"functionConfig\": {function_config}}}\n")


def test_krm_alias_bombs_in_the_function_config_are_refused(tmp_path):
    """A ResourceList starting with ``{`` is still YAML (flow style, aliases allowed). Without
    its configuration the function cannot run: the whole list is refused (a bad item costs
    only itself: see test_a_bad_item_costs_only_itself_in_krm)."""
    flow_bomb = "{\"kind\": \"ConfigMap\", \"data\": {\"l0\": &l0 [a, a, a, a, a, a, a, a, a], " + \
        ", ".join(f"\"l{n}\": &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]"
                  for n in range(1, 10)) + "}}"
    deep = "[" * 900 + "]" * 900
    cases = {
        "functionConfig bomb": _resource_list(flow_bomb),
        "spec bomb": _resource_list("{\"kind\": \"Porter\", \"spec\": {\"options\": "
                                    + flow_bomb[len("{\"kind\": \"ConfigMap\", \"data\": "):]
                                    + "}"),
        "deep functionConfig": _resource_list("{\"kind\": \"ConfigMap\", \"data\": "
                                              f"{{\"fail-on\": {deep}}}}}"),
        "big integer in spec": _resource_list("{\"kind\": \"Porter\", \"spec\": "
                                              f"{{\"fail-on\": {'9' * 5000}}}}}"),
    }
    for name, text in cases.items():
        started = time.monotonic()
        result = _porter("krm", stdin=text.encode())
        assert time.monotonic() - started < 30, name
        assert result.returncode == 2, (name, result.stderr)
        [line] = result.stderr.decode().splitlines()
        assert ERROR_LINE.match(line) and line.startswith("<stdin>:"), (name, line)
        assert "Traceback" not in line and "RecursionError" not in line
        assert result.stdout == b""


def test_an_alias_bomb_in_a_values_file_is_refused(tmp_path):
    from porter.charts.values import read_values_file
    from porter.errors import InputError
    path = tmp_path / "values.yaml"
    path.write_text(_bomb("bomb"))
    started = time.monotonic()
    with pytest.raises(InputError) as caught:
        read_values_file(path)
    assert time.monotonic() - started < 10
    assert "values file: aliases in this file expand to more than" in str(caught.value)
    # What Helm reads, porter reads: tpl strings, and a repeated key's last value.
    path.write_text("name: release-{{ .Release.Name }}\nreplicas: 1\nreplicas: 2\n")
    assert read_values_file(path) == {"name": "release-{{ .Release.Name }}", "replicas": 2}


# -- linear algorithms ---------------------------------------------------------------------


def test_appending_to_a_list_of_equal_items_is_linear():
    """N equal tolerations and one appended: difflib took 150 s at 20,000 items."""
    from porter.yamledit.diffing import diff
    item = {"key": "dedicated", "operator": "Exists"}
    for n in (20_000, 200_000):
        old = {"tolerations": [dict(item) for _ in range(n)]}
        new = {"tolerations": [dict(item) for _ in range(n)] + [{"key": "os"}]}
        started = time.monotonic()
        ops = diff(old, new)
        assert time.monotonic() - started < 10 * n / 20_000
        assert [op.to_json() for op in ops] == [
            {"op": "add", "path": f"/tolerations/{n}", "value": {"key": "os"}}]


@pytest.mark.parametrize("seed", range(30))
def test_the_long_list_diff_turns_old_into_new(seed, monkeypatch):
    """The greedy matching of long lists, forced on small ones: its operations, applied,
    give the new list, and every kept item keeps its order."""
    import random

    import jsonpatch

    from porter.yamledit import diffing
    monkeypatch.setattr(diffing, "SMALL_MIDDLE", 0)
    rnd = random.Random(seed)
    old = [rnd.choice("abcd") for _ in range(rnd.randint(1, 30))]
    new = [x for x in old if rnd.random() > 0.3]
    for _ in range(rnd.randint(0, 8)):
        new.insert(rnd.randint(0, len(new)), rnd.choice("abcde"))
    new = new or ["z"]
    kept = diffing._kept_items(old, new)
    assert all(a < c and b < d for (a, b), (c, d) in itertools.pairwise(kept))
    ops = [op.to_json() for op in diffing.diff({"l": old}, {"l": new})]
    assert jsonpatch.apply_patch({"l": old}, ops) == {"l": new}


def test_source_ranges_are_linear_in_documents():
    from porter.charts.manifests import source_at, source_ranges
    text = "".join(f"---\n# Source: c/templates/t{n}.yaml\nkind: Pod\nmetadata:\n  name: "
                   f"p{n}\n" for n in range(100_000))
    started = time.monotonic()
    ranges = source_ranges(text)
    found = [source_at(ranges, line) for line in range(3, 500_000, 997)]
    assert time.monotonic() - started < 20
    assert len(ranges) == 100_000
    assert ranges[-1].first == 499_996 and ranges[-1].source == "c/templates/t99999.yaml"
    assert all(f is not None and f.first <= line <= f.last
               for f, line in zip(found, range(3, 500_000, 997), strict=True))


# -- big integers, odd encodings, odd names, binary stdin, unreadable foreign kinds -----------


def test_an_integer_over_python_s_limit_is_a_located_error_for_its_document(tmp_path,
                                                                             monkeypatch):
    content = (POD + "---\n" + POD.replace("runAsUser: 1000", "runAsUser: " + "9" * 5000))
    result = run_with_good_file(tmp_path, monkeypatch, "big.yaml", content.encode())
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "big.yaml:21:18: error: integer of 5,000 characters: more digits than porter reads "
        "(4,300, Python's limit)"]
    assert "internal" not in result.stderr


def test_utf16_cut_short_is_not_called_binary(tmp_path, monkeypatch):
    content = POD.encode("utf-16-le") + b"\n"  # one byte too many
    result = run_with_good_file(tmp_path, monkeypatch, "odd.yaml", content)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"odd.yaml:11:1: error: UTF-16-LE text cut short: {len(content):,} bytes, not a whole "
        "number of characters"]


def test_a_file_name_with_a_newline_stays_on_one_line(tmp_path, monkeypatch):
    name = "evil\nfake.yaml:1:1: error: forged.yaml"
    result = run_with_good_file(tmp_path, monkeypatch, name, b"kind: [\n")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "evil\\nfake.yaml:1:1: error: forged.yaml:2:1: error: invalid YAML: did not find "
        "expected node content (while parsing a flow node at line 2)"]


def test_binary_stdin_is_given_back_by_convert_as_by_post_render():
    data = b"apiVersion: v1\nkind: Pod\x00\n"
    for command in (["convert", "-"], ["post-render"]):
        result = _porter(*command, "-q", stdin=data)
        assert result.returncode == 2, command
        assert result.stdout == data, command
        assert result.stderr.decode() == "<stdin>:2:10: error: binary file (NUL byte), not " \
            "YAML text\n"


def test_an_unreadable_foreign_kind_is_still_reported_not_examined(tmp_path, monkeypatch):
    rollout = ("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: r\n"
               + _bomb("labels", "  ") +
               "spec:\n  template:\n    spec:\n      containers:\n      - {name: c, "
               "image: nginx}\n")
    result = run_with_good_file(tmp_path, monkeypatch, "rollout.yaml", rollout.encode(),
                                "--report", "findings.txt")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "rollout.yaml").read_text() == rollout
    report = (tmp_path / "findings.txt").read_text()
    assert "rollout.yaml:1:1: info not-examined Rollout (argoproj.io/v1alpha1) is not a " \
        "workload kind porter converts, and porter could not read it (aliases in this file " \
        "expand to more than 100,000 nodes (alias bomb?); refusing the document)" in report


def test_rendered_charts_and_chart_metadata_are_read_bounded(tmp_path):
    from porter.charts.manifests import split_rendered
    from porter.charts.templates import _subchart_directory
    bomb = "apiVersion: v1\nkind: ConfigMap\n" + _bomb("data")
    started = time.monotonic()
    manifests, not_yaml = split_rendered({"c/templates/bomb.yaml": bomb})
    assert not_yaml == ["c/templates/bomb.yaml"] and manifests == []
    (tmp_path / "charts").mkdir()
    (tmp_path / "Chart.yaml").write_text("name: c\n" + _bomb("dependencies"))
    assert _subchart_directory(tmp_path, "sub") is None
    assert time.monotonic() - started < 10


# -- one bad document costs only itself: convert (file, stdin), post-render, krm ------------

JSON_POD = ('{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {"name": "json"},\n'
            '  "spec": {\n    "containers": [\n      {"name": "c", "image": '
            '"example.com/c:1-ltsc2022",\n       "securityContext": {"runAsUser": 1000}}\n'
            '    ]\n  }\n}\n')
DIGITS = "9" * 5000
LIBYAML_DEPTH = "invalid YAML: exceeded maximum nesting depth (while increasing "
DEEP = "[" * 900 + "]" * 900
BAD_SHAPES = {
    # name -> (a bad document, the text its error points into, the message)
    "big-integer": (POD.replace("runAsUser: 1000", "runAsUser: " + DIGITS), DIGITS,
                    "integer of 5,000 characters: more digits than porter reads (4,300, "
                    "Python's limit)"),
    "big-negative-integer": (POD.replace("runAsUser: 1000", "runAsUser: -" + DIGITS),
                             "-" + DIGITS, "integer of 5,001 characters: more digits than "
                             "porter reads (4,300, Python's limit)"),
    "big-hex-integer": (POD.replace("runAsUser: 1000", "runAsUser: 0x" + "f" * 4000),
                        "0x" + "f" * 4000, "integer of 4,002 characters: larger than porter "
                        "reads (4,300 decimal digits, Python's limit)"),
    "tagged-quoted-integer": (POD.replace("runAsUser: 1000", f"runAsUser: !!int '{DIGITS}'"),
                              f"!!int '{DIGITS}'", "integer of 5,000 characters: more digits "
                              "than porter reads (4,300, Python's limit)"),
    "big-integer-in-flow": (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: flow}\nspec: {containers: [{name: c, "
        f"image: example.com/c:1-ltsc2022, securityContext: {{runAsUser: {DIGITS}}}}}]}}\n",
        DIGITS, "integer of 5,000 characters: more digits than porter reads (4,300, "
        "Python's limit)"),
    "deep-flow": (POD.replace("spec:\n", "spec:\n  x: " + DEEP + "\n"), DEEP,
                  "document nests deeper than 400 levels"),
    "deep-block": (POD.replace("spec:\n", "spec:\n  x:\n" + "".join(
        " " * (depth + 3) + f"k{depth}:\n" for depth in range(900)), 1), "k399:",
                   "document nests deeper than 400 levels"),
    "json-big-integer": (JSON_POD.replace("1000", DIGITS), DIGITS,
                         "integer of 5,000 characters: more digits than porter reads (4,300, "
                         "Python's limit)"),
    "json-deep": (JSON_POD.replace("1000", DEEP), DEEP, "document nests deeper than 400 levels"),
    # Deeper than libyaml goes (1,000 levels): refused while parsing, for that document only.
    "deeper-than-libyaml-flow": (POD.replace("spec:\n", "spec:\n  x: " + "[" * 2000 + "]" * 2000
                                             + "\n"), "[" * 1000, LIBYAML_DEPTH + "flow level "
                                 "at line {line})"),
    "deeper-than-libyaml-block": (POD.replace("spec:\n", "spec:\n  x:\n" + "".join(
        " " * (depth + 3) + f"k{depth}:\n" for depth in range(1200)), 1), "k997:",
                                  LIBYAML_DEPTH + "block level at line {line})"),
}
WHOLE_RESOURCE_LIST = {"deeper-than-libyaml-flow", "deeper-than-libyaml-block"}
"""Shapes that libyaml refuses: in a ResourceList (one YAML document) nothing can be read."""
GOOD_POD = POD.replace("name: web\nspec", "name: good\nspec")


def _located(text: str, marker: str) -> tuple[int, int, int]:
    """Line of the first ``marker`` in ``text``, and the columns it spans (1-based)."""
    at = text.index(marker)
    line_start = text.rfind("\n", 0, at) + 1
    return text.count("\n", 0, at) + 1, at - line_start + 1, at - line_start + len(marker) + 1


def _check_error_line(stderr: bytes, name: str, text: str, shape: str) -> None:
    """Exactly one line: ``name:line:col: error: message``, pointing into the bad text."""
    _, marker, message = BAD_SHAPES[shape]
    [line] = stderr.decode().splitlines()
    match = ERROR_LINE.match(line)
    assert match, line
    expected, first, last = _located(text, marker)
    assert (match["file"], match["message"]) == (name, message.format(line=expected)), line
    assert int(match["line"]) == expected, line
    assert first <= int(match["column"]) <= last, line


def _stream(bad: str) -> tuple[str, str]:
    """A good Pod, the bad document, a good Pod; and the same two Pods without it."""
    return GOOD_POD + "---\n" + bad + "---\n" + GOOD_POD, GOOD_POD + "---\n" + GOOD_POD


def _documents(text: str) -> list[str]:
    return text.split("---\n")


@pytest.fixture(scope="module")
def converted_alone() -> dict[str, bytes]:
    """What each entry point makes of the good documents alone."""
    _, good = _stream("")
    return {"convert": _porter("convert", "-", "-q", stdin=good.encode()).stdout,
            "post-render": _porter("post-render", "-q", "--fail-on", "never",
                                   stdin=good.encode()).stdout}


@pytest.mark.parametrize("entry", ["convert-file", "convert-stdin", "post-render"])
@pytest.mark.parametrize("shape", sorted(BAD_SHAPES))
def test_a_bad_document_costs_only_itself(tmp_path, shape, entry, converted_alone):
    bad = BAD_SHAPES[shape][0]
    text, _ = _stream(bad)
    if entry == "convert-file":
        (tmp_path / "in.yaml").write_text(text)
        done = _porter("convert", "in.yaml", "-o", "out", "-q", cwd=tmp_path)
        name, out = "in.yaml", (tmp_path / "out" / "in.yaml").read_bytes()
        assert (tmp_path / "in.yaml").read_text() == text
        assert done.stdout == b""
    else:
        command = ["convert", "-"] if entry == "convert-stdin" else ["post-render"]
        done = _porter(*command, "-q", "--fail-on", "never", stdin=text.encode())
        name, out = "<stdin>", done.stdout
    assert done.returncode == 2, done.stderr
    assert b"Traceback" not in done.stderr
    _check_error_line(done.stderr, name, text, shape)
    alone = _documents(converted_alone["post-render" if entry == "post-render" else "convert"]
                       .decode())
    first, kept, last = _documents(out.decode())
    assert kept == bad  # byte for byte
    assert [first, last] == alone and "kubernetes.io/os: windows" in first


def _item(document: str, index: int | None) -> str:
    """``document`` as an item of a block ``items:`` list, with kpt's annotations naming
    file ``index`` (none for None)."""
    if index is None:
        annotated = document
    elif document.startswith("{"):
        return document.replace('"metadata": {', '"metadata": {"annotations": '
                                f'{{"config.kubernetes.io/path": "doc{index}.json", '
                                f'"config.kubernetes.io/index": "0"}}, ', 1).rstrip("\n")
    else:
        annotated = document.replace("metadata:\n", "metadata:\n  annotations:\n"
                                     f"    config.kubernetes.io/path: doc{index}.yaml\n"
                                     "    config.kubernetes.io/index: '0'\n", 1)
        annotated = annotated.replace("metadata: {", "metadata: {annotations: {config."
                                      f"kubernetes.io/path: doc{index}.yaml, config."
                                      "kubernetes.io/index: '0'}, ", 1)
    return "".join(("- " if n == 0 else "  ") + line + "\n"
                   for n, line in enumerate(annotated.splitlines()))


def _resource_list_of(documents: dict[int, str], annotate: bool = True) -> str:
    """A ResourceList of ``documents`` (by the index in their annotated file names)."""
    if next(iter(documents.values())).startswith("{"):
        return ('{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": [\n'
                + ",\n".join(_item(d, n) for n, d in documents.items()) + "\n]}\n")
    return ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
            + "".join(_item(d, n if annotate else None) for n, d in documents.items())
            + "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: p}\n"
            "  data: {fail-on: never}\n")


def _read_items(text: str) -> list:
    from porter.yamledit.reading import load_list
    listing = load_list(text, "<stdout>")
    return [item.error.message if item.error else item.data for item in listing.items]


@pytest.mark.parametrize("shape", sorted(BAD_SHAPES))
def test_a_bad_item_costs_only_itself_in_krm(shape):
    """The KRM spec's way: the bad item stays as it was, with an ``error`` result naming
    its file; the other items are converted as they are without it; exit status 2."""
    bad, _, message = BAD_SHAPES[shape]
    good = JSON_POD if bad.startswith("{") else GOOD_POD
    text = _resource_list_of({0: good, 1: bad, 2: good})
    done = _porter("krm", "-q", stdin=text.encode())
    assert done.returncode == 2, done.stderr
    if shape in WHOLE_RESOURCE_LIST:
        [line] = done.stderr.decode().splitlines()
        assert line.startswith("<stdin>:") and "error: invalid ResourceList: invalid YAML: " \
            "exceeded maximum nesting depth" in line, line
        assert done.stdout == b""
        return
    _check_error_line(done.stderr, "<stdin>", text, shape)
    out = done.stdout.decode()
    bad_text = _item(bad, 1)
    bad_text = bad_text[2:].rstrip("\n") if not bad.startswith("{") else bad_text
    assert bad_text in out  # the bad item byte for byte
    alone = _porter("krm", "-q", stdin=_resource_list_of({0: good, 2: good}).encode())
    assert alone.returncode in (0, 1), alone.stderr
    first, unread, last = _read_items(out)
    assert unread == message
    assert [first, last] == _read_items(alone.stdout.decode())
    assert first["spec"]["os"] == {"name": "windows"}
    from porter.yamledit.reading import load_list
    results = load_list(out, "<stdout>").data["results"]  # what Python's json cannot read
    [error] = [r for r in results if r["severity"] == "error"]
    assert [r for r in results if r is not error] == \
        load_list(alone.stdout.decode(), "<stdout>").data["results"]
    assert error["message"].startswith(message + " (line ")
    assert error["message"].endswith("of the ResourceList); the item was left unchanged")
    assert error["file"] == {"path": f"doc1.{'json' if bad.startswith('{') else 'yaml'}",
                             "index": 0}
    assert error["resourceRef"]["kind"] == "Pod"


def _good_files() -> list[str]:
    """Fixture inputs that convert without an error of their own, and may be followed or
    preceded by another document (no directive)."""
    from porter.engine.pipeline import Pipeline
    found = []
    for path in sorted(FIXTURES.glob("*/input.yaml")):
        text = path.read_text(encoding="utf-8-sig")
        text = text if text.endswith("\n") else text + "\n"
        if "\n%" in "\n" + text or Pipeline().convert_text(text).errors:
            continue
        found.append(text)
    return found


GOOD_FILES = _good_files()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(good=st.sampled_from(GOOD_FILES), shape=st.sampled_from(sorted(BAD_SHAPES)),
       bad_first=st.booleans())
def test_a_good_file_next_to_a_bad_document_converts_as_it_does_alone(good, shape, bad_first):
    from porter.engine.pipeline import Pipeline
    bad = BAD_SHAPES[shape][0]
    pipeline = Pipeline()
    alone = pipeline.convert_text(good, "f.yaml").converted
    text = bad + "---\n" + good if bad_first else good + "---\n" + bad
    result = pipeline.convert_text(text, "f.yaml")
    [error] = result.errors
    assert error.message == BAD_SHAPES[shape][2].format(line=error.line)
    assert result.converted == (bad + "---\n" + alone if bad_first else alone + "---\n" + bad)


def _items_of(good: str) -> list[str]:
    """The documents of ``good`` as block YAML (each an item for a ResourceList)."""
    import yaml

    from porter.yamledit.plaindata import build
    documents = [build(raw.root, "-")[0] for raw in compose(good, "-")]
    return [yaml.safe_dump(d, sort_keys=False) for d in documents
            if isinstance(d, dict) and isinstance(d.get("metadata"), dict)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(good=st.sampled_from([g for g in GOOD_FILES if _items_of(g)]),
       shape=st.sampled_from(sorted(s for s in BAD_SHAPES if not s.startswith("json")
                                    and s not in WHOLE_RESOURCE_LIST)),
       data=st.data())
def test_krm_items_next_to_a_bad_item_convert_as_they_do_alone(good, shape, data):
    from porter.krm.function import run
    from porter.yamledit.reading import load_list
    items = dict(enumerate(_items_of(good)))
    at = data.draw(st.integers(0, len(items)), label="where the bad item goes")
    mixed = {n + (n >= at): item for n, item in items.items()} | {at: BAD_SHAPES[shape][0]}
    alone, _ = run(_resource_list_of({n + (n >= at): item for n, item in items.items()},
                                     annotate=False))
    outcome, _ = run(_resource_list_of(dict(sorted(mixed.items())), annotate=False))
    assert [e.message for e in outcome.errors] == [BAD_SHAPES[shape][2]]
    got, expected = load_list(outcome.text, "-"), load_list(alone.text, "-")
    assert [i.data for n, i in enumerate(got.items) if n != at] == \
        [i.data for i in expected.items]
    assert got.items[at].error is not None
    results = got.data["results"]
    assert [r for r in results if "left unchanged" not in r["message"]] == \
        expected.data["results"]


def _nested(shape: str, levels: int) -> str:
    """A Pod whose data nests ``levels`` deep (the root is level 0), in three layouts."""
    tail = "  containers:\n  - name: c\n    image: example.com/c:1-ltsc2022\n"
    if shape == "flow-lists":
        return f"{POD[:POD.index('spec:')]}spec:\n  x: {'[' * (levels - 1)}{']' * (levels - 1)}\n" \
            + tail
    if shape == "block-mappings":
        return POD[:POD.index("spec:")] + "spec:\n  x:\n" + "".join(
            " " * (k + 3) + f"k{k}:\n" for k in range(levels - 2)) + tail
    return POD[:POD.index("spec:")].replace("  name: web\n", "  name: web\n  labels:\n"
                                            f"    x: {'{a: ' * (levels - 3)}1"
                                            f"{'}' * (levels - 3)}\n") + "spec:\n" + tail


@pytest.mark.parametrize("shape", ["flow-lists", "block-mappings", "flow-mappings"])
def test_nesting_up_to_the_limit_converts_and_one_level_more_is_refused(tmp_path, shape):
    """Data as deep as the reader allows goes through every step (diffing, the read-back
    check, KRM) without a RecursionError; one level deeper is bad input."""
    deepest, too_deep = _nested(shape, MAX_DEPTH), _nested(shape, MAX_DEPTH + 1)
    for text, status in ((deepest, 0), (too_deep, 2)):
        (tmp_path / "deep.yaml").write_text(text)
        done = _porter("convert", "deep.yaml", "-o", "out", "-q", cwd=tmp_path)
        assert done.returncode == status, done.stderr
        assert ("kubernetes.io/os: windows" in (tmp_path / "out" / "deep.yaml").read_text()) \
            == (status == 0)
        krm = _porter("krm", "-q", stdin=_resource_list_of({0: text, 1: GOOD_POD}).encode())
        assert krm.returncode == status, krm.stderr
        assert krm.stdout.decode().count("kubernetes.io/os: windows") == 2 - status // 2
    assert "nests deeper than 400 levels" in done.stderr.decode()
