"""`make demo`'s shared Spark: started only for local Spark, and only when wanted (the real server is run by make demo)."""

import os

from lakehouse.demo import warm_spark
from lakehouse.settings import Settings


def test_a_configured_spark_or_no_server_wanted_starts_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("LAKEHOUSE_SPARK_REMOTE", raising=False)
    for settings, wanted in (
        (Settings(home=tmp_path, spark_master="spark://cluster:7077"), True),
        (Settings(home=tmp_path, spark_remote="sc://connect:15002"), True),
        (Settings(home=tmp_path), False),
    ):
        with warm_spark(settings, wanted):
            assert "LAKEHOUSE_SPARK_REMOTE" not in os.environ
        assert not (tmp_path / "spark-server-demo").exists()


def test_local_spark_gets_one_server_for_every_run_stopped_at_the_end(tmp_path, monkeypatch):
    from lakehouse.resources import spark_server

    monkeypatch.delenv("LAKEHOUSE_SPARK_REMOTE", raising=False)
    folder = tmp_path / "spark-server-demo"
    with warm_spark(Settings(home=tmp_path), True):
        server = spark_server.status(folder)
        assert server is not None  # alive and listening
        assert os.environ["LAKEHOUSE_SPARK_REMOTE"] == server.url  # what the runs' subprocesses inherit
    assert "LAKEHOUSE_SPARK_REMOTE" not in os.environ
    assert spark_server.status(folder) is None
    assert not spark_server._listening(spark_server._port(server.url))
