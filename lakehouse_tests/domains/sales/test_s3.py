"""Sales with LAKEHOUSE_STORAGE=s3: the drop folders (to_process/, error_files/, processed/) live in the
bucket of a real S3 endpoint (moto server), moved through boto3, read by Spark through s3a."""

from __future__ import annotations

import uuid
from datetime import date

import boto3
import pytest
from dagster import DagsterInstance

from lakehouse.datagen.sales import generate
from lakehouse.definitions import build_definitions
from lakehouse.resources.file_drop import FileDrop, S3Files
from lakehouse.resources.file_ledger import FileLedger
from lakehouse.settings import Settings
from lakehouse_tests.conftest import TEST_BUCKET, TEST_KEY
from lakehouse_tests.domains.sales.test_pipeline import run
from lakehouse_tests.resources.test_file_drop import FIRST, LATER, REQUIRED, sales


@pytest.fixture
def client(s3_endpoint):
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                        aws_access_key_id=TEST_KEY, aws_secret_access_key=TEST_KEY)  # fmt: skip


def keys(client, prefix: str) -> list[str]:
    found = client.list_objects_v2(Bucket=TEST_BUCKET, Prefix=prefix + "/").get("Contents", [])
    return sorted(item["Key"][len(prefix) + 1:] for item in found)


def test_s3_drop_quarantines_takes_and_archives_like_a_folder(client, tmp_path):
    prefix = f"drop-{uuid.uuid4().hex[:8]}"
    put = lambda name, text: client.put_object(Bucket=TEST_BUCKET, Key=f"{prefix}/to_process/{name}", Body=text)  # noqa: E731
    put("good.csv", sales("2024-01-05").encode())
    put("copy.csv", sales("2024-01-05").encode())
    put("notes.json", b"[]")
    drop = FileDrop(S3Files(client, TEST_BUCKET, prefix), FileLedger(tmp_path / "ledger.sqlite"), ".csv", REQUIRED, "sales_date")
    report = drop.intake(FIRST)
    assert (report.received, report.duplicates, report.quarantined) == (["copy.csv"], ["good.csv"], {"wrong_file_type": ["notes.json"]})
    taken, _, _ = drop.take(["2024-01-05"])
    assert [str(drop.path(e)) for e in taken] == [f"s3a://{TEST_BUCKET}/{prefix}/to_process/copy.csv"]
    drop.archive({taken[0].file_id: (1, 0)}, LATER)
    assert keys(client, prefix) == [
        "error_files/wrong_file_types/20240201_102030/notes.json",
        "processed/20240201_102030/good.csv", "processed/20240202_013000/copy.csv",
    ]  # fmt: skip
    assert all(e.moved for e in drop.ledger.all())


def test_a_daily_run_on_s3_keeps_the_drop_folders_in_the_bucket(client, s3_endpoint, tmp_path, spark, monkeypatch):
    prefix = f"sales-{uuid.uuid4().hex[:8]}"
    generated = tmp_path / "generated"
    report = generate(generated, seed=9, start=date(2024, 1, 30), end=date(2024, 2, 1))
    for path in sorted((generated / "to_process").iterdir()):
        client.put_object(Bucket=TEST_BUCKET, Key=f"{prefix}/landing/sales/to_process/{path.name}", Body=path.read_bytes())
    home = tmp_path / "home"
    (home / "landing" / "sales").mkdir(parents=True)
    (generated / "dimensions").rename(home / "landing" / "sales" / "dimensions")  # the CSV exports stay local
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", TEST_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", TEST_KEY)
    settings = Settings(home=home, storage="s3", s3_bucket=TEST_BUCKET, s3_prefix=prefix, s3_endpoint=s3_endpoint,
                        aws_region="us-east-1", has_aws_keys=True, spark_master="local[2]",
                        landing_prefixes=(("sales", f"{prefix}/landing/sales"),))  # fmt: skip
    defs, instance = build_definitions(settings), DagsterInstance.ephemeral()
    result = run(defs, "sales_daily", "2024-01-30", "2024-02-01", instance)
    assert result.success
    found = keys(client, f"{prefix}/landing/sales")
    assert [k for k in found if k.startswith("to_process/")] == []
    assert sorted(k.split("/")[0] + "/" + k.split("/")[1] for k in found if k.startswith("error_files/")) == [
        "error_files/bad_schema", "error_files/bad_schema", "error_files/wrong_file_types", "error_files/wrong_file_types",
    ]  # fmt: skip
    assert len([k for k in found if k.startswith("processed/")]) == 9
    bronze = spark.read.parquet(f"s3a://{TEST_BUCKET}/{prefix}/bronze/sales/transactions")
    assert bronze.count() == report.rows - 5  # every line but the no_total file's 5
    # The monthly mart's store folders are S3 prefixes inside each month, committed and read as one.
    assert run(defs, "sales_monthly", "2024-01", "2024-02", instance).success
    mart = keys(client, f"{prefix}/gold/sales/sales_team_data_mart")
    assert sorted({k.split("/")[1] for k in mart if k.startswith("sales_month=2024-01/") and k.endswith(".parquet")}) == [
        "store_id=121", "store_id=122", "store_id=123",
    ]  # fmt: skip
    enriched = spark.read.parquet(f"s3a://{TEST_BUCKET}/{prefix}/silver/sales/enriched_sales").count()
    assert spark.read.parquet(f"s3a://{TEST_BUCKET}/{prefix}/gold/sales/sales_team_data_mart").count() == enriched
