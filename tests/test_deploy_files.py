"""The container image and orchestration examples (Dockerfile, deploy/compose.yaml,
deploy/k8s/fleet.yaml) are checked here without building or running anything: hadolint on
the Dockerfile, a schema check of each manifest, and every ``modemu fleet`` command line in
them parsed by modemu's own argument parser, so a renamed option breaks this test, not a
user's deployment."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from modemu.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "deploy" / "compose.yaml"
K8S = ROOT / "deploy" / "k8s" / "fleet.yaml"


def _fleet_args(args: list[str]) -> Any:
    """Parse ``modemu fleet ARGS`` as the CLI would (SystemExit on a bad option)."""
    parsed = build_parser().parse_args(["fleet", *args])
    assert parsed.func.__name__ == "run_fleet"
    return parsed


def _dockerfile_json(instruction: str) -> list[str]:
    """The exec-form JSON array of a Dockerfile instruction (continuation lines joined)."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if line.startswith(f"{instruction} "):
            value: list[str] = json.loads(line[len(instruction) + 1 :])
            return value
    raise AssertionError(f"no {instruction} in the Dockerfile")


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint is a dev dependency")
def test_hadolint_passes() -> None:
    result = subprocess.run(
        ["hadolint", str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_runs_the_fleet_on_tcp_as_a_user() -> None:
    text = DOCKERFILE.read_text()
    assert _dockerfile_json("ENTRYPOINT") == ["modemu", "fleet"]
    args = _fleet_args(_dockerfile_json("CMD"))
    assert args.tcp_base == 20000 and args.tcp_host == "0.0.0.0" and args.pty_dir is None
    assert str(args.control_dir) == "/run/modemu" and str(args.trace_dir) == "/data/traces"
    assert "USER 10001" in text
    for volume in ("/data/nv", "/data/traces", "/run/modemu"):
        assert volume in text.split("VOLUME", 1)[1].splitlines()[0]


COMPOSE_SCHEMA = {
    "type": "object",
    "required": ["services", "volumes"],
    "properties": {
        "services": {
            "type": "object",
            "required": ["fleet"],
            "additionalProperties": {
                "type": "object",
                "required": ["image", "command", "volumes"],
                "properties": {
                    "command": {"type": "array", "items": {"type": "string"}},
                    "volumes": {"type": "array", "items": {"type": "string"}},
                    "ulimits": {"type": "object"},
                },
            },
        },
        "volumes": {"type": "object"},
    },
}


def test_compose_file() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    jsonschema.validate(compose, COMPOSE_SCHEMA)
    fleet = compose["services"]["fleet"]
    args = _fleet_args(fleet["command"])
    assert args.count == 1000 and args.tcp_base == 20000 and args.tcp_host == "0.0.0.0"
    mounts = {v.split(":")[1]: v.split(":")[0] for v in fleet["volumes"]}
    assert set(mounts) == {"/data/nv", "/data/traces", "/run/modemu"}
    assert set(mounts.values()) <= set(compose["volumes"])
    assert fleet["ulimits"]["nofile"]["soft"] >= 4 * args.count
    assert "modemu fleet" in " ".join(fleet["entrypoint"])


STATEFULSET_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "apps/v1"},
        "kind": {"const": "StatefulSet"},
        "spec": {
            "type": "object",
            "required": ["serviceName", "replicas", "selector", "template"],
            "properties": {
                "replicas": {"type": "integer", "minimum": 0},
                "template": {
                    "type": "object",
                    "required": ["metadata", "spec"],
                    "properties": {
                        "spec": {
                            "type": "object",
                            "required": ["containers"],
                            "properties": {
                                "containers": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "required": ["name", "image", "args"],
                                    },
                                }
                            },
                        }
                    },
                },
            },
        },
    },
}


def test_kubernetes_statefulset() -> None:
    docs = {doc["kind"]: doc for doc in yaml.safe_load_all(K8S.read_text())}
    assert set(docs) == {"Service", "StatefulSet"}
    sts, svc = docs["StatefulSet"], docs["Service"]
    jsonschema.validate(sts, STATEFULSET_SCHEMA)
    spec = sts["spec"]
    labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    assert svc["spec"]["clusterIP"] == "None" and spec["serviceName"] == svc["metadata"]["name"]
    assert svc["spec"]["selector"].items() <= labels.items()
    (container,) = spec["template"]["spec"]["containers"]
    args = _fleet_args(container["args"])
    assert args.tcp_host == "0.0.0.0" and args.tcp_base == 20000
    volumes = {v["name"] for v in spec["template"]["spec"]["volumes"]}
    volumes |= {t["metadata"]["name"] for t in spec["volumeClaimTemplates"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert set(mounts.values()) <= volumes
    assert str(args.control_dir) in mounts and str(args.manifest).startswith(str(args.control_dir))
    assert any(str(args.state_dir).startswith(path) for path in mounts)
    assert sts["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 10001
