"""Static checks of the deployment files: no Docker engine runs here, so read them instead of running them."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker-compose.yml"
SERVICES = {
    "postgres",
    "minio",
    "createbucket",
    "spark-master",
    "spark-worker",
    "dagster-webserver",
    "dagster-daemon",
}
DAGSTER_SERVICES = ("dagster-webserver", "dagster-daemon")
# `${NAME}` or `${NAME:?message}`: a reference that fails instead of falling back to a default.
REQUIRED_REF = re.compile(r"^\$\{[A-Z_][A-Z0-9_]*(:?\?[^}]*)?\}$")
SECRET_KEY = re.compile(r"PASSWORD|SECRET|TOKEN|ACCESS_KEY", re.I)


def _yaml(path: Path):
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def compose() -> dict:
    return _yaml(COMPOSE)


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {key: value for key, value in env.items()}


def _container_ports(service: dict) -> set[int]:
    ports = set()
    for port in service.get("ports", []):
        if isinstance(port, dict):
            ports.add(int(port["target"]))
        else:
            ports.add(int(str(port).split(":")[-1].split("/")[0]))
    return ports


def _is_host_path(source: str) -> bool:
    return source.startswith((".", "/", "~"))


def test_compose_has_exactly_the_expected_services(services):
    assert set(services) == SERVICES


def test_build_contexts_and_dockerfiles_exist(services):
    for name, service in services.items():
        build = service.get("build")
        if build is None:
            continue
        build = {"context": build} if isinstance(build, str) else build
        context = REPO / build.get("context", ".")
        assert context.is_dir(), f"{name}: build context {context} missing"
        dockerfile = context / build.get("dockerfile", "Dockerfile")
        assert dockerfile.is_file(), f"{name}: {dockerfile} missing"
    assert {n for n, s in services.items() if "build" in s} == set(DAGSTER_SERVICES)


def test_bind_mounts_and_env_files_exist(services):
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.get("source", "") if isinstance(volume, dict) else volume.split(":")[0]
            if _is_host_path(source):
                assert (REPO / source).exists(), f"{name}: mounted host path {source} missing"
        env_files = service.get("env_file") or []
        for env_file in [env_files] if isinstance(env_files, (str, dict)) else env_files:
            path = env_file["path"] if isinstance(env_file, dict) else env_file
            assert (REPO / path).is_file(), f"{name}: env_file {path} missing"


def test_named_volumes_are_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.get("source", "") if isinstance(volume, dict) else volume.split(":")[0]
            if source and not _is_host_path(source):
                assert source in declared, f"{name}: named volume {source} not declared"


def test_ports_for_ui_and_spark_master(services):
    assert 3000 in _container_ports(services["dagster-webserver"])
    assert 7077 in _container_ports(services["spark-master"])


def test_secrets_are_references_not_values(services):
    seen = set()
    for name, service in services.items():
        for key, value in _environment(service).items():
            if SECRET_KEY.search(key):
                seen.add(key)
                # An optional secret may default to empty, never to a value.
                assert isinstance(value, str) and (REQUIRED_REF.match(value) or value == f"${{{key}:-}}"), (
                    f"{name}: {key} must be a required ${{VAR:?...}} reference, got {value!r}"
                )
    assert {"AWS_SECRET_ACCESS_KEY", "POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD"} <= seen


def test_no_credentials_in_committed_text():
    aws_key_id = re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")
    for path in (COMPOSE, REPO / "docker" / "dagster.yaml", REPO / "docker" / "Dockerfile"):
        assert not aws_key_id.search(path.read_text()), f"{path} holds what looks like an AWS key"
    example = REPO / "docker" / ".env.example"
    for line in example.read_text().splitlines():
        key, _, value = line.partition("=")
        if not line.startswith("#") and SECRET_KEY.search(key):
            # Optional secrets may stay empty; a value must be the placeholder.
            assert value.strip() in ("",) or value.strip().startswith("change-me"), (
                f".env.example: {key} is not a placeholder"
            )


def test_every_compose_variable_is_named_in_env_example():
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", COMPOSE.read_text()))
    example = REPO / "docker" / ".env.example"
    named = {line.split("=", 1)[0] for line in example.read_text().splitlines() if "=" in line and not line.startswith("#")}
    assert used <= named, f"missing from docker/.env.example: {sorted(used - named)}"


def test_dagster_services_environment(services):
    for name in DAGSTER_SERVICES:
        env = _environment(services[name])
        assert env["LAKEHOUSE_STORAGE"] == "s3"
        assert env["AWS_ENDPOINT_URL"] == "http://minio:9000"
        assert env["LAKEHOUSE_SPARK_MASTER"] == "spark://spark-master:7077"
        assert "org.apache.hadoop:hadoop-aws:3.5.0" in env["LAKEHOUSE_SPARK_PACKAGES"].split(",")
        for key in ("LAKEHOUSE_S3_BUCKET", "LAKEHOUSE_S3_PREFIX", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID"):
            assert env.get(key), f"{name}: {key} not set"
        for key in ("HOST", "PORT", "DB", "USER", "PASSWORD"):
            assert env.get(f"DAGSTER_POSTGRES_{key}"), f"{name}: DAGSTER_POSTGRES_{key} not set"


def test_dagster_services_mount_workspace_and_instance(services):
    for name in DAGSTER_SERVICES:
        sources = {str(v).split(":")[0] for v in services[name]["volumes"]}
        assert {"./workspace.yaml", "./docker/dagster.yaml"} <= sources, name


def test_depends_on_and_healthchecks(services):
    conditions = {"service_started", "service_healthy", "service_completed_successfully"}
    for name, service in services.items():
        depends_on = service.get("depends_on") or {}
        for target, spec in (depends_on.items() if isinstance(depends_on, dict) else []):
            assert target in services, f"{name} depends on unknown service {target}"
            assert spec["condition"] in conditions
            if spec["condition"] == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits on {target}, which has no healthcheck"
    for name in SERVICES - {"createbucket"}:
        assert "healthcheck" in services[name], f"{name} has no healthcheck"
    for name in DAGSTER_SERVICES:
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["createbucket"]["condition"] == "service_completed_successfully"


def test_spark_cluster_matches_pyspark_version(services):
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    pin = next(d for d in pyproject["project"]["dependencies"] if d.startswith("pyspark"))
    major_minor = re.search(r"(\d+\.\d+)", pin).group(1)
    for name in ("spark-master", "spark-worker"):
        tag = services[name]["image"].rsplit(":", 1)[-1]
        assert tag.startswith(major_minor + "."), f"{name}: image {tag} differs from the driver's {pin}"


def test_dockerfile_installs_package_and_java():
    text = (REPO / "docker" / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert "openjdk-17-jre-headless" in text
    assert re.search(r"pip install \.", text)
    for line in re.findall(r"^COPY (.+)$", text, re.M):
        for source in line.split()[:-1]:
            if not source.startswith("--") and not re.search(r"[*?\[]", source):
                assert (REPO / source).exists(), f"Dockerfile copies missing {source}"


def test_dagster_instance_config():
    config = _yaml(REPO / "docker" / "dagster.yaml")
    db = config["storage"]["postgres"]["postgres_db"]
    assert db["password"] == {"env": "DAGSTER_POSTGRES_PASSWORD"}
    assert all(isinstance(value, dict) and "env" in value for value in db.values())
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"

    import dagster
    from dagster._config import validate_config
    from dagster._core.instance.config import dagster_instance_config

    dagster_instance_config(str(REPO / "docker"))  # raises on a schema error
    coordinator = config["run_coordinator"]
    cls = getattr(__import__(coordinator["module"], fromlist=[coordinator["class"]]), coordinator["class"])
    assert validate_config(cls.config_type(), coordinator.get("config", {})).success
    assert config["run_launcher"]["module"] == dagster.__name__


def test_workspace_and_pyproject_point_at_definitions():
    workspace = _yaml(REPO / "workspace.yaml")
    modules = [entry["python_module"]["module_name"] for entry in workspace["load_from"]]
    assert modules == ["lakehouse.definitions"]
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert pyproject["tool"]["dagster"]["module_name"] == "lakehouse.definitions"


def test_ci_script_is_executable_and_fails_on_no_tests():
    script = REPO / ".ci" / "run"
    assert os.access(script, os.X_OK), ".ci/run is not executable"
    text = script.read_text()
    assert "set -euo pipefail" in text
    assert re.search(r"-eq 5\b", text) and "no tests" in text


def test_makefile_targets():
    text = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", text, re.M))
    assert {"help", "venv", "jars", "demo", "test", "ui", "bench", "clean", "distclean"} <= targets
    assert re.search(r"^\.DEFAULT_GOAL := help$", text, re.M)


def test_gitignore_covers_generated_state():
    patterns = {line.strip().strip("/") for line in (REPO / ".gitignore").read_text().splitlines()}
    assert {"data", ".dagster", ".jars", ".venv"} <= patterns
