"""A template's switches: which ``.Values`` paths its ``if`` actions test around a line."""

from __future__ import annotations

from porter.charts.switches import enclosing, guards, values_prefix

TEMPLATE = """\
{{- if .Values.enabled }}
kind: StatefulSet
spec:
  {{- /* {{ if .Values.commented }} is no action */}}
  initContainers:
    {{- if and .Values.sysctl.enabled (not .Values.diagnosticMode.enabled) }}
    - name: sysctl
    {{- else if $.Values.tuning.enabled }}
    - name: tuning
    {{- end }}
  {{- range .Values.extraContainers }}
    - {{ if .enabled }}{{ .name }}{{ end }}
  {{- end }}
  {{- with .Values.shm }}
  volumes: [{{ if .enabled }}dshm{{ end }}]
  {{- end }}
{{- end }}
"""


def test_guards_and_what_encloses_a_line():
    found = guards(TEMPLATE)
    assert {g.path for g in found} == {("enabled",), ("sysctl", "enabled"),
                                       ("diagnosticMode", "enabled"), ("tuning", "enabled")}
    assert enclosing(found, 7) == [("sysctl", "enabled"), ("diagnosticMode", "enabled"),
                                   ("enabled",)]
    assert enclosing(found, 9) == [("tuning", "enabled"), ("enabled",)]
    assert enclosing(found, 15) == [("enabled",)]  # ``.enabled`` under with: not a path
    assert enclosing(found, 18) == []


def test_subchart_templates_read_their_own_values():
    assert values_prefix("web/templates/deployment.yaml") == ()
    assert values_prefix("web/charts/db/templates/primary/statefulset.yaml") == ("db",)
    assert values_prefix("web/charts/db/charts/common/templates/x.yaml") == ("db", "common")
    found = guards("{{ if .Values.shmVolume.enabled }}\n- dshm\n{{ end }}\n", ("db",))
    assert enclosing(found, 2) == [("db", "shmVolume", "enabled")]
