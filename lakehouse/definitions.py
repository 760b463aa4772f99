"""The one Definitions object: every domain's assets, checks, jobs and schedules, plus resources.

The environment (local or S3 storage, local Spark or a cluster) is chosen here from
LAKEHOUSE_* variables, read once by `Settings.from_env()`.
"""

from dagster import Definitions, EnvVar, in_process_executor
from dagster_aws.s3 import S3Resource

from lakehouse import pii
from lakehouse.domains import DOMAINS
from lakehouse.pii import PiiKey
from lakehouse.resources.databases import DatabaseResource
from lakehouse.resources.file_drop import DropFolder
from lakehouse.resources.landing import LandingFiles
from lakehouse.resources.parquet_io_manager import LocalParquetIOManager, S3ParquetIOManager
from lakehouse.resources.jdbc import JdbcTables
from lakehouse.resources.sources import CsvTables, TableSource
from lakehouse.resources.spark import SparkResource, spark_conf
from lakehouse.settings import Settings


def build_resources(settings: Settings) -> dict:
    """Spark, the Parquet IO manager for the chosen storage, the landing folder and table sources."""
    keys = aws_keys(settings)
    spark = SparkResource(
        spark_config=spark_conf(settings),
        s3_access_key_id=keys.get("aws_access_key_id"),
        s3_secret_access_key=keys.get("aws_secret_access_key"),
    )
    if settings.storage == "s3":
        s3 = s3_resource(settings)
        io_manager = S3ParquetIOManager(
            spark=spark, s3=s3, s3_bucket=settings.s3_bucket, s3_prefix=settings.s3_prefix
        )
    else:
        io_manager = LocalParquetIOManager(spark=spark, base_path=settings.warehouse_uri)
    resources = {
        "spark": spark,
        "io_manager": io_manager,
        "landing": LandingFiles(root=str(settings.landing_root)),
    }
    for name, domain in DOMAINS.items():
        if hasattr(domain, "SOURCE_RESOURCE"):
            folder = getattr(domain, "SOURCE_FOLDER", name)
            resources[domain.SOURCE_RESOURCE] = table_source(settings, name, domain.SOURCE_SCHEMA, folder)
        if hasattr(domain, "DROP_RESOURCE"):
            resources[domain.DROP_RESOURCE] = drop_folder(settings, name, domain)
        if hasattr(domain, "PII_RESOURCE"):
            resources[domain.PII_RESOURCE] = pii_key(settings)
        if hasattr(domain, "DATABASE_RESOURCE"):
            resources[domain.DATABASE_RESOURCE] = own_database(settings, name, domain.SOURCE_SCHEMA)
    return resources


def pii_key(settings: Settings) -> PiiKey:
    """The keyed hashes' secret, bound from LAKEHOUSE_PII_KEY; unset, the resource fails the first step that needs it."""
    return PiiKey(key=EnvVar(pii.KEY_VARIABLE)) if settings.has_pii_key else PiiKey()


def own_database(settings: Settings, domain: str, db_schema: str) -> DatabaseResource:
    """The database a domain writes back to: LAKEHOUSE_<DOMAIN>_DB_URL when set, else none."""
    if domain not in settings.database_domains:
        return DatabaseResource(setting=settings.database_url_variable(domain))
    return DatabaseResource(**database_binding(settings, domain), db_schema=db_schema)


def database_binding(settings: Settings, domain: str) -> dict:
    """A domain's database URL and PGPASSWORD, bound (not copied): they may hold a password, kept out of the UI."""
    variable = settings.database_url_variable(domain)
    password = EnvVar("PGPASSWORD") if settings.has_pgpassword else None
    return {"url": EnvVar(variable), "password": password, "setting": variable}


def drop_folder(settings: Settings, name: str, domain) -> DropFolder:
    """The drop folder landing/<domain>/ of a domain fed by files; its ledger in the domain's database
    (LAKEHOUSE_<DOMAIN>_DB_URL) when set, else in $LAKEHOUSE_HOME/<domain>/ledger.sqlite."""
    ledger = str(settings.home / name / "ledger.sqlite")
    extra = {}
    if name in settings.database_domains:
        extra["database"] = own_database(settings, name, getattr(domain, "SOURCE_SCHEMA", None))
    if settings.storage == "s3":  # the drop folders in the bucket, beside the warehouse
        extra.update(s3=s3_resource(settings), s3_bucket=settings.s3_bucket, s3_prefix=settings.landing_prefix(name))
    return DropFolder(root=str(settings.landing_root / name), ledger_path=ledger, **domain.LEDGER, **extra)


def aws_keys(settings: Settings) -> dict:
    """The AWS keys bound from the environment (never copied), when they are set."""
    if not settings.has_aws_keys:
        return {}
    return {"aws_access_key_id": EnvVar("AWS_ACCESS_KEY_ID"), "aws_secret_access_key": EnvVar("AWS_SECRET_ACCESS_KEY")}


def s3_resource(settings: Settings) -> S3Resource:
    """The bucket's client resource."""
    return S3Resource(endpoint_url=settings.s3_endpoint, region_name=settings.aws_region, **aws_keys(settings))


def table_source(settings: Settings, domain: str, db_schema: str, folder: str | None = None) -> TableSource:
    """The domain's app database when LAKEHOUSE_<DOMAIN>_DB_URL is set, else its CSV exports (in `folder`)."""
    if domain not in settings.database_domains:
        return CsvTables(root=str(settings.landing_root), domain=folder or domain)
    return JdbcTables(
        **database_binding(settings, domain),
        db_schema=db_schema,
        hint=f"load sample data with `python -m lakehouse.datagen {domain} --db-url ...`",
    )


def build_definitions(settings: Settings) -> Definitions:
    """All registered domains wired to resources for `settings`."""
    # One process runs every step of a run. With local Spark or a cluster master the driver JVM
    # lives in that process: a process per step would start a driver (~10 s, plus executors on a
    # cluster) per step. With Spark Connect the driver is the server, but a process per step still
    # pays Python, Dagster and the definitions (~4 s) for each of a day's ~50 steps on 2 cores,
    # more than any parallelism of these small daily steps gains.
    executor = in_process_executor
    return Definitions.merge(
        *(domain.defs for domain in DOMAINS.values()),
        Definitions(resources=build_resources(settings), executor=executor),
    )


defs = build_definitions(Settings.from_env())
