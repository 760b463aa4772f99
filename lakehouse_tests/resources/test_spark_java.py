"""Without Java, Spark's driver cannot start: the resource says what to install instead of JAVA_GATEWAY_EXITED."""

import pytest
from dagster import Failure

from lakehouse.resources.spark import require_java


def test_no_java_on_path_or_in_java_home_names_what_to_install(tmp_path, monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # a folder without `java`
    with pytest.raises(Failure) as caught:
        require_java()
    assert caught.value.description == (
        "Spark needs Java 17 and finds none (no `java` on PATH): install it (Debian/Ubuntu: "
        "`apt-get install openjdk-17-jre-headless`) or set JAVA_HOME to a Java 17 installation"
    )
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(Failure, match=f"JAVA_HOME={tmp_path} has no bin/java"):
        require_java()
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "java").write_text("")
    require_java()  # found: no error
