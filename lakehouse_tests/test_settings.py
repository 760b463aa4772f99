"""Settings: defaults, validation that names the variable, and the Spark conf they produce."""

import pytest

from lakehouse.resources.spark import spark_conf
from lakehouse.settings import Settings, SettingsError


def test_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.home == tmp_path / "data"
    assert settings.storage == "local"
    assert settings.warehouse_uri == str(tmp_path / "data" / "warehouse")
    assert settings.landing_root == tmp_path / "data" / "landing"
    assert settings.is_cluster is False
    conf = spark_conf(settings)
    assert conf["spark.master"] == "local[*]"
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert conf["spark.ui.enabled"] == "false"
    assert conf["spark.sql.sources.partitionOverwriteMode"] == "dynamic"
    assert not any(key.startswith("spark.hadoop.fs.s3a") for key in conf)


def test_s3_settings_and_conf(tmp_path):
    jar = tmp_path / "hadoop-aws.jar"
    jar.write_text("")
    env = {
        "LAKEHOUSE_HOME": str(tmp_path),
        "LAKEHOUSE_STORAGE": "s3",
        "LAKEHOUSE_S3_BUCKET": "lake",
        "LAKEHOUSE_S3_PREFIX": "/prod/",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_ACCESS_KEY_ID": "id-from-env",
        "AWS_SECRET_ACCESS_KEY": "secret-from-env",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "LAKEHOUSE_SPARK_JARS": f"{jar}, ",
        "LAKEHOUSE_SPARK_PACKAGES": "org.apache.hadoop:hadoop-aws:3.5.0",
        "LAKEHOUSE_SPARK_CONF": "spark.sql.shuffle.partitions=16",
    }
    settings = Settings.from_env(env)
    assert settings.warehouse_uri == "s3a://lake/prod"
    conf = spark_conf(settings)
    assert conf["spark.jars"] == str(jar)
    assert conf["spark.jars.packages"] == "org.apache.hadoop:hadoop-aws:3.5.0"
    assert conf["spark.hadoop.fs.s3a.endpoint"] == "http://127.0.0.1:9000"
    assert conf["spark.hadoop.fs.s3a.path.style.access"] == "true"
    assert conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "false"
    assert conf["spark.hadoop.fs.s3a.connection.establish.timeout"] == "30000"
    assert conf["spark.sql.shuffle.partitions"] == "16"  # LAKEHOUSE_SPARK_CONF wins
    # Secrets never enter the plain conf: the resource adds them from EnvVar at session start.
    assert "secret-from-env" not in repr(conf) and "id-from-env" not in repr(conf)


def test_cluster_and_connect(tmp_path):
    cluster = Settings.from_env({"LAKEHOUSE_SPARK_MASTER": "spark://10.0.0.5:7077"})
    assert cluster.is_cluster and spark_conf(cluster)["spark.master"] == "spark://10.0.0.5:7077"
    assert "spark.driver.host" not in spark_conf(cluster)
    connect = Settings.from_env({"LAKEHOUSE_SPARK_REMOTE": "sc://spark:15002"})
    assert connect.is_cluster and spark_conf(connect) == {"spark.remote": "sc://spark:15002"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LAKEHOUSE_STORAGE": "hdfs"}, "LAKEHOUSE_STORAGE must be 'local' or 's3'"),
        ({"LAKEHOUSE_STORAGE": "s3"}, "LAKEHOUSE_STORAGE=s3 needs LAKEHOUSE_S3_BUCKET"),
        ({"LAKEHOUSE_S3_BUCKET": "lake"}, "LAKEHOUSE_S3_BUCKET is set but LAKEHOUSE_STORAGE is 'local'"),
        ({"LAKEHOUSE_STORAGE": "s3", "LAKEHOUSE_S3_BUCKET": "s3://lake"}, "LAKEHOUSE_S3_BUCKET must be a bare"),
        ({"AWS_ACCESS_KEY_ID": "x"}, "AWS_SECRET_ACCESS_KEY must be set together"),
        ({"AWS_SECRET_ACCESS_KEY": "x"}, "AWS_ACCESS_KEY_ID must be set together"),
        (
            {"LAKEHOUSE_SPARK_MASTER": "local[2]", "LAKEHOUSE_SPARK_REMOTE": "sc://h:15002"},
            "LAKEHOUSE_SPARK_MASTER and LAKEHOUSE_SPARK_REMOTE are both set",
        ),
        ({"LAKEHOUSE_SPARK_REMOTE": "spark://h:7077"}, "LAKEHOUSE_SPARK_REMOTE must start with sc://"),
        ({"LAKEHOUSE_SPARK_JARS": "/nowhere/x.jar"}, "LAKEHOUSE_SPARK_JARS lists files that do not exist"),
        ({"LAKEHOUSE_SPARK_CONF": "spark.x"}, "LAKEHOUSE_SPARK_CONF entries must be key=value"),
    ],
)
def test_bad_settings_name_the_variable(env, message):
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace(".", r"\.")):
        Settings.from_env(env)


def test_database_urls_by_domain():
    settings = Settings.from_env(
        {"LAKEHOUSE_RAINFOREST_DB_URL": "postgresql://app@db:5432/shop", "PGPASSWORD": "from-env"}
    )
    assert settings.database_domains == ("rainforest",)
    assert settings.database_url_variable("rainforest") == "LAKEHOUSE_RAINFOREST_DB_URL"
    assert settings.has_pgpassword is True
    assert "from-env" not in repr(settings) and "db:5432" not in repr(settings)
    assert Settings.from_env({"LAKEHOUSE_RAINFOREST_DB_URL": " "}).database_domains == ()


def test_database_url_must_be_postgresql_or_mysql():
    with pytest.raises(SettingsError, match="LAKEHOUSE_RAINFOREST_DB_URL must be a postgresql:// or mysql://") as error:
        Settings.from_env({"LAKEHOUSE_RAINFOREST_DB_URL": "sqlite://u:hunter2@db/app"})
    assert "hunter2" not in str(error.value)
    assert Settings.from_env({"LAKEHOUSE_SALES_DB_URL": "mysql://u:p@db/sales"}).database_domains == ("sales",)


def test_local_filesystem_jar_goes_on_the_driver_classpath(tmp_path):
    jar = tmp_path / "lakehouse-localfs.jar"
    jar.write_text("")
    other = tmp_path / "hadoop-aws.jar"
    other.write_text("")
    local = spark_conf(Settings.from_env({"LAKEHOUSE_SPARK_JARS": f"{other},{jar}"}))
    assert local["spark.driver.extraClassPath"] == str(jar)
    assert local["spark.hadoop.fs.file.impl"] == "lakehouse.hadoop.NioLocalFileSystem"
    assert local["spark.jars"] == f"{other},{jar}"
    without = spark_conf(Settings.from_env({"LAKEHOUSE_SPARK_JARS": str(other)}))
    assert "spark.hadoop.fs.file.impl" not in without and "spark.driver.extraClassPath" not in without
    # A cluster's executors do not have the jar: they keep Hadoop's own local filesystem.
    cluster = spark_conf(Settings.from_env({"LAKEHOUSE_SPARK_JARS": str(jar), "LAKEHOUSE_SPARK_MASTER": "spark://h:7077"}))
    assert "spark.hadoop.fs.file.impl" not in cluster


def test_class_archive_beside_the_jars_starts_local_drivers(tmp_path):
    jar = tmp_path / "lakehouse-localfs.jar"
    jar.write_text("")
    env = {"LAKEHOUSE_SPARK_JARS": str(jar)}
    assert "spark.driver.extraJavaOptions" not in spark_conf(Settings.from_env(env))  # none built yet
    (tmp_path / "spark-classes.jsa").write_text("")
    archive = f"-XX:SharedArchiveFile={tmp_path / 'spark-classes.jsa'}"
    assert spark_conf(Settings.from_env(env))["spark.driver.extraJavaOptions"] == archive
    # A cluster's driver runs elsewhere, and LAKEHOUSE_SPARK_CONF's own JVM options win.
    assert "spark.driver.extraJavaOptions" not in spark_conf(Settings.from_env({**env, "LAKEHOUSE_SPARK_MASTER": "spark://h:7077"}))
    mine = spark_conf(Settings.from_env({**env, "LAKEHOUSE_SPARK_CONF": "spark.driver.extraJavaOptions=-Xss4m"}))
    assert mine["spark.driver.extraJavaOptions"] == "-Xss4m"
