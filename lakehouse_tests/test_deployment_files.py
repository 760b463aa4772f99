"""Static checks of the deployment files: no Docker engine runs here, so read them instead of running them.

The compose file is checked against the code, not against a copy of it: the environment variables
the code reads are found by parsing lakehouse/ (`code_variables`), the domains with an app database
or a PII key by parsing their packages (`domain_attributes`), and the Dagster services'
environment must give `Settings.from_env` a valid cluster-on-S3 configuration.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import tomllib
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "docker" / "Dockerfile"
ENV_EXAMPLE = REPO / "docker" / ".env.example"
INSTANCE_YAML = REPO / "docker" / "dagster.yaml"
README = REPO / "README.md"

LAKEHOUSE_IMAGE = "lakehouse:local"  # built from docker/Dockerfile, never pulled
SERVICES = {
    "postgres",
    "mariadb",
    "minio",
    "createbucket",
    "spark-master",
    "spark-worker-1",
    "spark-worker-2",
    "spark-history",
    "load-sample-data",
    "dagster-webserver",
    "dagster-daemon",
}
DAGSTER_SERVICES = ("dagster-webserver", "dagster-daemon")
SPARK_WORKERS = ("spark-worker-1", "spark-worker-2")
LAKEHOUSE_IMAGE_SERVICES = {"spark-master", *SPARK_WORKERS, "spark-history", "load-sample-data", *DAGSTER_SERVICES}
ONE_SHOT = {"createbucket", "load-sample-data"}
# Third-party images, each pinned to a release (never `latest` or a bare major version).
PINNED_IMAGES = {
    "postgres": r"postgres:15\.\d+",
    "mariadb": r"mariadb:11\.4\.\d+",
    "minio": r"minio/minio:RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ",
    "createbucket": r"minio/mc:RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ",
}
# Published (container port -> host port), all on 127.0.0.1; services not named publish nothing.
PUBLISHED = {
    "minio": {9000: 9000, 9001: 9001},
    "spark-master": {8080: 8080},
    "spark-worker-1": {8081: 8081},
    "spark-worker-2": {8082: 8082},
    "spark-history": {18080: 18080},
    "dagster-webserver": {3000: 3000},
}
VOLUMES = {
    "postgres-data", "mariadb-data", "minio-data", "dagster-storage", "lakehouse-data", "spark-events", "spark-ivy",
}  # fmt: skip

# A variable whose value is a credential: it must be required (`${VAR:?message}`), never defaulted.
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|ACCESS_KEY|_KEY$")
# `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}`, `${NAME?message}`; `$$` escapes.
REFERENCE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
BARE_REFERENCE = re.compile(r"(?<!\$)\$(?![{$])[A-Za-z_]")
PLACEHOLDER = "change-me"

# Variables the code reads that the stack leaves unset on purpose. Every other variable the code
# reads must be set for the Dagster services (by compose or the image); a new one fails
# test_every_variable_the_code_reads_is_set_for_the_stack until it is set or named here.
UNSET_ON_PURPOSE = {
    "LAKEHOUSE_SPARK_REMOTE": "the stack runs a standalone master, and a master excludes Spark Connect",
    "LAKEHOUSE_SPARK_JARS": "the jars come from Maven through LAKEHOUSE_SPARK_PACKAGES",
    "PYSPARK_PYTHON": "lakehouse/__init__.py sets the interpreter running the code, the workers' too (same image)",
    "JAVA_HOME": "the image's java is on PATH",
}


# --- reading the files -------------------------------------------------------------------------


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
    return {key: None if value is None else str(value) for key, value in env.items()}


def _strings(node):
    """Every string in a parsed YAML tree (keys and values): where compose interpolates."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, str):
        yield node


def _references(compose) -> list[tuple[str, str | None, str]]:
    """(name, operator, default or message) of every ${...} in the file."""
    return [match.groups() for text in _strings(compose) for match in REFERENCE.finditer(text)]


def _interpolate(text: str, secret: str = "secret-value") -> str:
    """`text` as compose would make it with an .env holding only the required values (all `secret`)."""
    return REFERENCE.sub(lambda m: m.group(3) if m.group(2) in ("-", ":-") else secret, text).replace("$$", "$")


def _ports(service: dict) -> dict[int, tuple[str, int]]:
    """container port -> (host ip, host port)."""
    published = {}
    for port in service.get("ports", []):
        assert isinstance(port, str), f"write ports as 'ip:host:container' strings, got {port!r}"
        ip, host, container = port.split(":")
        published[int(container)] = (ip, int(host))
    return published


def _mounts(service: dict) -> list[tuple[str, str, str]]:
    """(source, target, mode) of each short-syntax volume."""
    mounts = []
    for volume in service.get("volumes", []):
        assert isinstance(volume, str), f"write volumes as 'source:target[:mode]' strings, got {volume!r}"
        source, target, *mode = volume.split(":")
        mounts.append((source, target, mode[0] if mode else "rw"))
    return mounts


def _is_host_path(source: str) -> bool:
    return source.startswith((".", "/", "~"))


def _command(service: dict) -> list[str]:
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _flag(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def _healthcheck_text(service: dict) -> str:
    test = service["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def _env_example() -> dict[str, str]:
    pairs = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f".env.example: {line!r} is not NAME=value"
            assert key not in pairs, f".env.example names {key} twice"
            pairs[key.strip()] = value.strip()
    return pairs


def _dockerfile_env() -> dict[str, str]:
    """The ENV values the image sets (`ENV A=1 \\ B=2` form)."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    env = {}
    for line in re.findall(r"^ENV (.+)$", text, re.M):
        env.update(pair.split("=", 1) for pair in line.split())
    return env


def _image_path(path: str) -> Path:
    """The repository file a path inside our image comes from (via the Dockerfile's COPY lines)."""
    for line in re.findall(r"^COPY (.+)$", DOCKERFILE.read_text(), re.M):
        *sources, target = line.split()
        for source in sources:
            if source.endswith("/") and target.endswith("/") and path.startswith(target):
                return REPO / source / path[len(target):]
    raise AssertionError(f"{path} is not copied into the image by docker/Dockerfile")


# --- reading the code --------------------------------------------------------------------------

ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]{2,}")
ENV_CALLS = {"get", "getenv", "setdefault", "pop", "EnvVar"}


@cache
def _modules() -> dict[Path, ast.Module]:
    paths = sorted((REPO / "lakehouse").rglob("*.py"))
    return {path: ast.parse(path.read_text(), filename=str(path)) for path in paths}


@cache
def _string_constants() -> dict[str, str]:
    """Module-level `NAME = "text"` across lakehouse/ (e.g. pii.KEY_VARIABLE), to resolve `EnvVar(pii.KEY_VARIABLE)`."""
    constants = {}
    for tree in _modules().values():
        for node in tree.body:
            value = node.value if isinstance(node, ast.Assign) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                constants.update((t.id, node.value.value) for t in node.targets if isinstance(t, ast.Name))
    return constants


def _literal(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
    return _string_constants().get(name)


def _env_reads(tree: ast.Module, calls=ENV_CALLS) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        value = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if called in calls:
                value = _literal(node.args[0])
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "environ":
            value = _literal(node.slice)
        if value and ENV_NAME.fullmatch(value):
            names.add(value)
    return names


@cache
def code_variables() -> frozenset[str]:
    """Every environment variable lakehouse/ reads by name: `os.environ.get("X")`, `os.environ["X"]`,
    `os.environ.setdefault("X", ...)`, settings' `get("X")`, `EnvVar("X")` (names held in constants
    resolved). Names built at run time (LAKEHOUSE_<DOMAIN>_DB_URL) come from `database_variables`."""
    return frozenset(name for tree in _modules().values() for name in _env_reads(tree))


@cache
def code_secrets() -> frozenset[str]:
    """The variables definitions.py binds as Dagster EnvVars because they hold credentials."""
    tree = _modules()[REPO / "lakehouse" / "definitions.py"]
    return frozenset(_env_reads(tree, calls={"EnvVar"}))


@cache
def domain_attributes() -> dict[str, set[str]]:
    """Registered domain -> the module-level names its package defines (SOURCE_RESOURCE, PII_RESOURCE, ...)."""
    registry = ast.parse((REPO / "lakehouse" / "domains" / "__init__.py").read_text())
    domains = next(
        node.value for node in registry.body
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "DOMAINS" for t in node.targets)
    )  # fmt: skip
    attributes = {}
    for key in domains.keys:
        package = ast.parse((REPO / "lakehouse" / "domains" / key.value / "__init__.py").read_text())
        attributes[key.value] = {
            target.id for node in package.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)
        }  # fmt: skip
    return attributes


def database_domains() -> set[str]:
    """Domains that read an app database (SOURCE_RESOURCE) or write to one (DATABASE_RESOURCE)."""
    return {name for name, names in domain_attributes().items() if names & {"SOURCE_RESOURCE", "DATABASE_RESOURCE"}}


def database_variables() -> dict[str, str]:
    from lakehouse.settings import Settings

    return {domain: Settings(home=REPO).database_url_variable(domain) for domain in sorted(database_domains())}


# --- the services --------------------------------------------------------------------------------


def test_compose_has_exactly_the_expected_services(services):
    assert set(services) == SERVICES


def test_images_are_pinned_and_ours_is_built_once(services):
    for name, service in services.items():
        image = service["image"]
        if name in LAKEHOUSE_IMAGE_SERVICES:
            assert image == LAKEHOUSE_IMAGE, f"{name} must run {LAKEHOUSE_IMAGE}, got {image}"
        else:
            assert re.fullmatch(PINNED_IMAGES[name], image), f"{name}: {image} is not pinned to a release"
        assert not image.endswith(":latest") and ":" in image, f"{name}: {image}"
    builders = [name for name, service in services.items() if "build" in service]
    assert builders == ["dagster-webserver"]
    build = services["dagster-webserver"]["build"]
    assert (REPO / build["context"]).is_dir() and (REPO / build["context"] / build["dockerfile"]) == DOCKERFILE
    assert DOCKERFILE.is_file()
    # The others take the image that one builds; a pull could only fail (it is in no registry).
    for name in LAKEHOUSE_IMAGE_SERVICES - {"dagster-webserver"}:
        assert services[name].get("pull_policy") == "never", name


def test_published_ports_are_exactly_the_uis_on_loopback(services):
    published = {name: _ports(service) for name, service in services.items() if service.get("ports")}
    assert {name: {c: h for c, (_, h) in ports.items()} for name, ports in published.items()} == PUBLISHED
    for name, ports in published.items():
        assert {ip for ip, _ in ports.values()} == {"127.0.0.1"}, f"{name}: UIs without authentication stay on loopback"


def test_long_running_services_have_healthchecks_and_restart(services):
    for name, service in services.items():
        if name in ONE_SHOT:
            assert service["restart"] == "no", f"{name} runs once"
            continue
        assert service["restart"] == "unless-stopped", name
        test = service["healthcheck"]["test"]
        assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, f"{name}: healthcheck {test}"


def test_healthchecks_probe_the_ui_each_service_publishes(services):
    for name in ("spark-master", *SPARK_WORKERS, "spark-history", "dagster-webserver"):
        (port,) = PUBLISHED[name]
        assert f"http://localhost:{port}" in _healthcheck_text(services[name]), name
    assert _healthcheck_text(services["dagster-daemon"]) == "CMD dagster-daemon liveness-check"
    # Over TCP: during initialisation the image's temporary server listens on its socket only.
    assert "pg_isready -h 127.0.0.1" in _healthcheck_text(services["postgres"])


def test_depends_on_waits_for_what_each_service_needs(services):
    conditions = {"service_started", "service_healthy", "service_completed_successfully"}
    for name, service in services.items():
        for target, spec in (service.get("depends_on") or {}).items():
            assert target in services, f"{name} depends on unknown service {target}"
            assert spec["condition"] in conditions
            if spec["condition"] == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits on {target}, which has no healthcheck"
            if spec["condition"] == "service_completed_successfully":
                assert target in ONE_SHOT, f"{name} waits for {target} to exit, but it runs forever"
    infrastructure = {"postgres": "service_healthy", "mariadb": "service_healthy",
                      "createbucket": "service_completed_successfully", "spark-master": "service_healthy"}  # fmt: skip
    depends = {name: {t: s["condition"] for t, s in services[name]["depends_on"].items()} for name in services
               if services[name].get("depends_on")}  # fmt: skip
    assert depends["dagster-webserver"] == infrastructure
    # The daemon (where the sales sensor runs) starts once the sample files are all in place.
    assert depends["dagster-daemon"] == {**infrastructure, "load-sample-data": "service_completed_successfully"}
    assert depends["load-sample-data"] == {"postgres": "service_healthy", "mariadb": "service_healthy",
                                           "createbucket": "service_completed_successfully"}  # fmt: skip
    for name in SPARK_WORKERS:
        assert depends[name] == {"spark-master": "service_healthy"}


def test_volumes_are_declared_mounted_and_exist(compose, services):
    assert set(compose["volumes"]) == VOLUMES
    used = set()
    for name, service in services.items():
        for source, target, mode in _mounts(service):
            assert target.startswith("/") and mode in ("ro", "rw"), f"{name}: {source}:{target}:{mode}"
            if _is_host_path(source):
                assert (REPO / source).exists(), f"{name}: mounted host path {source} missing"
            else:
                assert source in VOLUMES, f"{name}: named volume {source} not declared"
                used.add(source)
    assert used == VOLUMES, f"declared but never mounted: {sorted(VOLUMES - used)}"


def test_volume_mount_points_of_our_image_exist_in_it(services):
    """A named volume starts as a copy of the image's folder (owner included) on first mount:
    every one our image's services mount must exist there, owned by the runtime user."""
    env = _dockerfile_env()
    text = DOCKERFILE.read_text()
    created = {
        re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], path.strip('"'))
        for line in re.findall(r"mkdir -p ([^&\n]+)", text) for path in line.split()
    }  # fmt: skip
    for name in LAKEHOUSE_IMAGE_SERVICES:
        for source, target, _ in _mounts(services[name]):
            if not _is_host_path(source):
                assert target in created, f"{name}: {target} (volume {source}) is not created in docker/Dockerfile"
    assert re.search(r"chown -R dagster:dagster [^\n]*/opt/spark-events", text)


# --- variables and secrets ------------------------------------------------------------------------


def test_every_reference_has_a_default_or_is_a_required_secret(compose):
    references = _references(compose)
    assert references
    defaults: dict[str, set[str]] = {}
    for name, operator, rest in references:
        if SECRET_NAME.search(name):
            assert operator == ":?" and rest.strip(), f"secret ${{{name}}} must be ${{{name}:?message}}, no default"
        else:
            assert operator == ":-", f"${{{name}}} needs a default (${{{name}:-value}}); only secrets are required"
            defaults.setdefault(name, set()).add(rest)
    for name, values in defaults.items():
        assert len(values) == 1, f"${{{name}}} has different defaults: {sorted(values)}"
    for text in _strings(compose):
        assert not BARE_REFERENCE.search(text), f"unbraced $VAR in {text!r} (write $$ for the container's shell)"


def test_secret_environment_entries_are_required_references(services):
    seen = set()
    for name, service in services.items():
        for key, value in _environment(service).items():
            if SECRET_NAME.search(key):
                seen.add(key)
                match = REFERENCE.fullmatch(value or "")
                assert match and match.group(2) == ":?", f"{name}: {key} must be ${{VAR:?...}}, got {value!r}"
    assert seen == {
        "DAGSTER_POSTGRES_PASSWORD", "POSTGRES_PASSWORD", "APP_DB_PASSWORD", "PGPASSWORD", "MARIADB_PASSWORD",
        "MARIADB_ROOT_PASSWORD", "MINIO_ROOT_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
        "LAKEHOUSE_PII_KEY",
    }  # fmt: skip


def test_env_example_names_every_variable_with_placeholders_and_defaults(compose):
    example = _env_example()
    required = {name for name, operator, _ in _references(compose) if operator == ":?"}
    defaults = {name: rest for name, operator, rest in _references(compose) if operator == ":-"}
    assert set(example) == required | set(defaults), ".env.example and docker-compose.yml name different variables"
    for name in required:
        assert example[name] == PLACEHOLDER, f".env.example: {name} must be {PLACEHOLDER}"
    for name, default in defaults.items():
        assert example[name] == default, f".env.example: {name}={example[name]}, but compose defaults it to {default!r}"
    assert required == {
        "DAGSTER_POSTGRES_PASSWORD", "APP_DB_PASSWORD", "MARIADB_ROOT_PASSWORD",
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "LAKEHOUSE_PII_KEY",
    }  # fmt: skip


def test_the_code_reader_finds_the_variables_settings_reads():
    # A guard on the parser below: if it stopped finding names, the next test would pass vacuously.
    assert {"LAKEHOUSE_HOME", "LAKEHOUSE_STORAGE", "LAKEHOUSE_SPARK_MASTER", "LAKEHOUSE_SPARK_CONF", "PGPASSWORD",
            "LAKEHOUSE_PII_KEY", "DAGSTER_EVENT_BATCH_SIZE"} <= code_variables()  # fmt: skip
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PGPASSWORD", "LAKEHOUSE_PII_KEY"} == code_secrets()
    assert database_variables() == {
        "finance": "LAKEHOUSE_FINANCE_DB_URL",
        "rainforest": "LAKEHOUSE_RAINFOREST_DB_URL",
        "sales": "LAKEHOUSE_SALES_DB_URL",
    }  # fmt: skip


def test_every_variable_the_code_reads_is_set_for_the_stack(services):
    image_env = _dockerfile_env()
    needed = (code_variables() | set(database_variables().values())) - set(UNSET_ON_PURPOSE)
    for name in DAGSTER_SERVICES:
        env = _environment(services[name])
        missing = sorted(v for v in needed if not (env.get(v) or image_env.get(v)))
        assert not missing, f"{name}: the code reads {missing}, which the stack does not set"
        stale = sorted(v for v in UNSET_ON_PURPOSE if v in env)
        assert not stale, f"{name} sets {stale}, listed as unset on purpose"
    assert set(UNSET_ON_PURPOSE) <= code_variables(), "UNSET_ON_PURPOSE names a variable the code no longer reads"


def test_secrets_the_code_binds_are_required_in_the_dagster_services(services):
    for name in DAGSTER_SERVICES:
        env = _environment(services[name])
        for variable in code_secrets():
            match = REFERENCE.fullmatch(env.get(variable) or "")
            assert match and match.group(2) == ":?", f"{name}: {variable} must come from a required .env secret"


def test_loader_reads_the_same_storage_and_databases_as_dagster(services):
    loader = _environment(services["load-sample-data"])
    dagster = _environment(services["dagster-daemon"])
    assert loader.pop("LOAD_SAMPLE_DATA") == "${LOAD_SAMPLE_DATA:-true}"
    assert loader == {key: dagster[key] for key in loader}
    assert set(database_variables().values()) | {"PGPASSWORD", "LAKEHOUSE_STORAGE", "AWS_ENDPOINT_URL"} <= set(loader)
    for name in DAGSTER_SERVICES:
        assert _environment(services[name]) == {**dagster, "SPARK_LOCAL_HOSTNAME": name}, "the Dagster services differ"


def test_database_urls_name_the_servers_and_databases_the_stack_creates(services):
    env = _environment(services["dagster-daemon"])
    postgres, mariadb = _environment(services["postgres"]), _environment(services["mariadb"])
    created = {"postgres": set(postgres["APP_DATABASES"].split()), "mariadb": {mariadb["MARIADB_DATABASE"]}}
    ports = {"postgres": 5432, "mariadb": 3306}
    for domain, variable in database_variables().items():
        url = urlsplit(_interpolate(env[variable]))
        assert url.password is None, f"{variable} must not hold a password (PGPASSWORD carries it)"
        assert url.hostname in created, f"{variable}: {url.hostname} is not a database service"
        assert url.path.lstrip("/") in created[url.hostname], f"{variable}: database {url.path} is not created"
        assert url.port == ports[url.hostname]
        assert url.username == _interpolate(postgres["APP_DB_USER"]) == _interpolate(mariadb["MARIADB_USER"])
        assert url.scheme == ("postgresql" if url.hostname == "postgres" else "mysql"), variable
    # One password for the app role in both servers, which the code reads as PGPASSWORD.
    assert env["PGPASSWORD"] == postgres["APP_DB_PASSWORD"] == mariadb["MARIADB_PASSWORD"]
    # Every domain with an app database has one here (the seeds' infrastructure): none reads CSV exports.
    assert {urlsplit(_interpolate(env[v])).path.lstrip("/") for v in database_variables().values()} == {
        "rainforest", "finance", "sales"}  # fmt: skip


def test_dagster_environment_makes_valid_settings(services):
    from lakehouse.resources.spark import spark_conf
    from lakehouse.settings import Settings

    env = {key: _interpolate(value) for key, value in _environment(services["dagster-daemon"]).items()}
    settings = Settings.from_env(env)
    assert settings.storage == "s3" and settings.s3_bucket == "lakehouse"
    assert settings.s3_endpoint == "http://minio:9000"
    assert settings.is_cluster and settings.spark_master == "spark://spark-master:7077"
    assert set(settings.database_domains) == database_domains()
    assert settings.has_aws_keys and settings.has_pgpassword and settings.has_pii_key
    pii_domains = {name for name, names in domain_attributes().items() if "PII_RESOURCE" in names}
    assert pii_domains == {"finance"}  # its runs fail without LAKEHOUSE_PII_KEY, which is set above
    assert {"org.apache.hadoop:hadoop-aws:3.5.0", "org.postgresql:postgresql:42.7.4"} <= set(settings.spark_packages)
    assert any(p.startswith("org.mariadb.jdbc:mariadb-java-client:") for p in settings.spark_packages)
    conf = spark_conf(settings)
    assert conf["spark.eventLog.enabled"] == "true"
    assert conf["spark.eventLog.dir"] == "file:///opt/spark-events"
    assert conf["spark.jars.ivy"] == "/opt/ivy"
    # Two runs at a time (dagster.yaml) must both get executors: neither may take every core.
    max_runs = _yaml(INSTANCE_YAML)["run_coordinator"]["config"]["max_concurrent_runs"]
    worker_cores = sum(int(_interpolate(_flag(_command(services[w]), "--cores"))) for w in SPARK_WORKERS)
    assert int(conf["spark.cores.max"]) * max_runs <= worker_cores == 4
    assert env["DAGSTER_EVENT_BATCH_SIZE"] == "1000"
    assert env["DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"] == "true"
    assert env["LAKEHOUSE_SAMPLE_DEPLOYMENT"] == "0"


# --- Spark -------------------------------------------------------------------------------------------


def test_spark_cluster_is_a_master_two_workers_and_a_history_server(services):
    master = _command(services["spark-master"])
    assert master[:2] == ["spark-class", "org.apache.spark.deploy.master.Master"]
    url = f"spark://{_flag(master, '--host')}:{_flag(master, '--port')}"
    assert url == "spark://spark-master:7077" and _flag(master, "--webui-port") == "8080"
    for name in DAGSTER_SERVICES:
        env = _environment(services[name])
        assert env["LAKEHOUSE_SPARK_MASTER"] == url
        # Executors connect back to the driver by this name.
        assert env["SPARK_LOCAL_HOSTNAME"] == name
    ui_ports = set()
    for name in SPARK_WORKERS:
        worker = _command(services[name])
        assert worker[:2] == ["spark-class", "org.apache.spark.deploy.worker.Worker"] and worker[-1] == url
        assert _flag(worker, "--host") == name
        port = int(_flag(worker, "--webui-port"))
        assert PUBLISHED[name] == {port: port}, f"{name}: its UI port is published under the same number"
        ui_ports.add(port)
        # Executors read landing files at the driver's paths.
        assert ("lakehouse-data", "/opt/lakehouse/data", "ro") in _mounts(services[name])
        assert _environment(services[name])["SPARK_PUBLIC_DNS"] == "localhost"
    assert ui_ports == {8081, 8082}
    assert _command(services["spark-history"]) == ["spark-class", "org.apache.spark.deploy.history.HistoryServer"]


def test_event_logs_the_drivers_write_are_what_the_history_server_reads(services):
    spark_conf = _environment(services["dagster-daemon"])["LAKEHOUSE_SPARK_CONF"]
    conf = dict(item.split("=", 1) for item in re.split(r",\s*", spark_conf))
    assert conf["spark.eventLog.enabled"] == "true"
    written = conf["spark.eventLog.dir"].removeprefix("file://")
    history_opts = _environment(services["spark-history"])["SPARK_HISTORY_OPTS"].split()
    options = dict(option.removeprefix("-D").split("=", 1) for option in history_opts)
    read = options["spark.history.fs.logDirectory"].removeprefix("file://")
    assert options["spark.history.ui.port"] == "18080" and PUBLISHED["spark-history"] == {18080: 18080}
    volume_at = {name: {target: source for source, target, _ in _mounts(services[name])} for name in services}
    for name in DAGSTER_SERVICES:
        assert volume_at[name][written] == "spark-events", f"{name}: the driver's event logs must go to the volume"
    assert volume_at["spark-history"][read] == "spark-events"


def test_spark_runs_from_the_drivers_image(services):
    """Executors must run the driver's Spark and Python and import lakehouse (finance's UDF): one image."""
    spark = {"spark-master", *SPARK_WORKERS, "spark-history"}
    assert {services[name]["image"] for name in spark | set(DAGSTER_SERVICES)} == {LAKEHOUSE_IMAGE}
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert any(d.startswith("pyspark==") for d in pyproject["project"]["dependencies"])
    assert re.search(r"^RUN pip install \. ", DOCKERFILE.read_text(), re.M)


# --- files the services run -----------------------------------------------------------------------


def test_postgres_init_script_creates_the_app_databases_without_passwords(services):
    mounts = [(s, t) for s, t, _ in _mounts(services["postgres"]) if t.startswith("/docker-entrypoint-initdb.d/")]
    assert len(mounts) == 1 and mounts[0][1].endswith(".sh")
    script = REPO / mounts[0][0]
    text = script.read_text()
    assert os.access(script, os.X_OK), "the image sources a non-executable .sh instead of running it"
    subprocess.run(["bash", "-n", str(script)], check=True)
    env = _environment(services["postgres"])
    for variable in ("APP_DB_USER", "APP_DB_PASSWORD", "APP_DATABASES"):
        assert f"${{{variable}" in text and variable in env, variable
    # The password reaches SQL only as a psql variable (psql quotes it); the SQL sits in quoted
    # here-documents, so the shell splices nothing into the statements.
    assert '-v app_password="$APP_DB_PASSWORD"' in text and "PASSWORD :'app_password'" in text
    assert text.count("<<'SQL'") == text.count("<<") >= 2
    assert set(env["APP_DATABASES"].split()) == {"rainforest", "finance"}


def test_scripts_our_image_runs_exist_and_parse(services):
    daemon = _command(services["dagster-daemon"])
    start = _image_path(daemon[0])
    assert os.access(start, os.X_OK)
    subprocess.run(["sh", "-n", str(start)], check=True)
    text = start.read_text()
    # Schedules are defined stopped: the first start turns them on, once (the marker), then the daemon.
    assert "dagster schedule start --start-all -w workspace.yaml" in text and ".schedules-started" in text
    assert text.rstrip().endswith("exec dagster-daemon run -w workspace.yaml")
    loader = _command(services["load-sample-data"])
    assert loader[0] == "python"
    source = _image_path(loader[1])
    ast.parse(source.read_text(), filename=str(source))
    assert "GENERATORS" in source.read_text() and ".done" in source.read_text()


def test_dockerfile_installs_package_and_java():
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.11-slim-bookworm$", text, re.M)
    assert "openjdk-17-jre-headless" in text
    assert re.search(r"pip install \. \"dagster-postgres==0\.29\.\*\"", text)
    for line in re.findall(r"^COPY (.+)$", text, re.M):
        for source in line.split()[:-1]:
            if not source.startswith("--") and not re.search(r"[*?\[]", source):
                assert (REPO / source).exists(), f"Dockerfile copies missing {source}"
    assert re.search(r"^USER dagster$", text, re.M)


def test_build_context_sends_only_what_the_dockerfile_copies():
    """The allow-list beside the Dockerfile keeps .venv, .jars, data/ and .git out of the build context."""
    ignore = DOCKERFILE.with_name(DOCKERFILE.name + ".dockerignore").read_text().splitlines()
    rules = [line.strip() for line in ignore if line.strip() and not line.startswith("#")]
    assert rules[0] == "*"
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    copied = {
        source.rstrip("/").replace("README.m[d]", "README.md")
        for line in re.findall(r"^COPY (.+)$", DOCKERFILE.read_text(), re.M) for source in line.split()[:-1]
    }  # fmt: skip
    assert copied == allowed, "docker/Dockerfile.dockerignore must allow exactly what the Dockerfile copies"


def test_dagster_services_mount_workspace_and_instance(services):
    for name in DAGSTER_SERVICES:
        mounts = {(s, t) for s, t, _ in _mounts(services[name])}
        instance = f"{_dockerfile_env()['DAGSTER_HOME']}/dagster.yaml"
        assert {("./workspace.yaml", "/opt/dagster/app/workspace.yaml"), ("./docker/dagster.yaml", instance)} <= mounts


def test_dagster_instance_config():
    config = _yaml(INSTANCE_YAML)
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


def test_no_credentials_in_committed_text():
    aws_key_id = re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")
    files = [COMPOSE, INSTANCE_YAML, DOCKERFILE, ENV_EXAMPLE, *sorted((REPO / "docker").rglob("*.sh")),
             *sorted((REPO / "docker").rglob("*.py"))]  # fmt: skip
    for path in files:
        assert not aws_key_id.search(path.read_text()), f"{path} holds what looks like an AWS key"
    for key, value in _env_example().items():
        if SECRET_NAME.search(key):
            assert value == PLACEHOLDER, f".env.example: {key} is not the placeholder"


def test_readme_walks_through_the_stack(services):
    text = README.read_text()
    title = "## Running the stack with docker compose"
    assert text.count(title) == 1
    section = text.split(title, 1)[1]
    assert section.split("\n## ", 1)[1].startswith("Benchmark"), "the section comes just before ## Benchmark"
    section = section.split("\n## ", 1)[0]
    for step in ("cp docker/.env.example .env", "docker compose up --build -d", "docker compose down -v",
                 "lakehouse run", "python -m lakehouse.datagen", "load-sample-data"):  # fmt: skip
        assert step in section, f"the README's compose section does not show `{step}`"
    for ports in PUBLISHED.values():
        for port in ports.values():
            assert f"localhost:{port}" in section, f"the README's compose section does not say what is on :{port}"
    for name in _env_example():
        if _env_example()[name] == PLACEHOLDER:
            assert name in section, f"the README's compose section does not name the required {name}"


# --- the rest of the deployment -------------------------------------------------------------------


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
    assert {"data", ".dagster", ".jars", ".venv", ".env"} <= patterns
