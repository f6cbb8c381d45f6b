"""A generated corpus of workload-heavy manifests: every document needs converting."""

from __future__ import annotations

import random
from pathlib import Path

_KINDS = ("Deployment", "StatefulSet", "CronJob")

_POD = """\
      securityContext:
        runAsNonRoot: true
        runAsUser: {uid}
        fsGroup: {uid}
        seccompProfile:
          type: RuntimeDefault
      nodeSelector:
        kubernetes.io/os: linux
      containers:
      - name: app-{n}   # the main container
        image: "registry.example.com/team/app-{n}:1.{n}-ltsc2022"
        args: ["--port", "8080", "--data", "/var/lib/app"]
        ports:
        - containerPort: 8080
        env:
        - name: DATA_DIR
          value: /var/lib/app
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
          limits: {{cpu: 500m, memory: 512Mi}}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities:
            drop: ["ALL"]
        readinessProbe:
          httpGet: {{path: /healthz, port: 8080}}
        volumeMounts:
        - name: data
          mountPath: /var/lib/app
        - name: shared
          mountPath: /mnt/shared
      volumes:
      - name: data
        emptyDir: {{}}
      - name: shared
        nfs:
          server: nfs.example.com
          path: /exports/app-{n}
"""


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))


def document(n: int, kind: str) -> str:
    pod = _POD.format(n=n, uid=1000 + n % 50)
    head = (f"apiVersion: {'batch/v1' if kind == 'CronJob' else 'apps/v1'}\nkind: {kind}\n"
            f"metadata:\n  name: app-{n}\n  namespace: team-{n % 7}\n  labels:\n"
            f"    app: app-{n}\nspec:\n")
    if kind == "CronJob":
        return head + ('  schedule: "*/5 * * * *"\n  jobTemplate:\n    spec:\n      template:\n'
                       "        spec:\n          restartPolicy: OnFailure\n" + _indent(pod, 4))
    extra = "  serviceName: app\n" if kind == "StatefulSet" else ""
    return head + extra + ("  replicas: 2\n  selector:\n    matchLabels:\n      app: app-"
                           f"{n}\n  template:\n    metadata:\n      labels:\n        app: app-{n}"
                           "\n    spec:\n" + pod)


def generate(root: Path, documents: int, per_file: int = 10, seed: int = 7) -> list[Path]:
    """Write ``documents`` workload documents into files of ``per_file`` under ``root``."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    files = []
    for start in range(0, documents, per_file):
        docs = [document(n, rng.choice(_KINDS)) for n in range(start,
                                                                 min(start + per_file, documents))]
        path = root / f"workloads-{start // per_file:05d}.yaml"
        path.write_text("---\n".join(docs), encoding="utf-8")
        files.append(path)
    return files
