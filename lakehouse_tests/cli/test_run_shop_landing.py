"""`lakehouse run shop` before any exports landed: it fails at once, saying how to generate sample data."""

from lakehouse.cli import main


def test_shop_without_exports_names_the_generator(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    landing = tmp_path / "landing" / "shop"
    (landing / "orders").mkdir(parents=True)  # an entity folder, still empty
    (landing / "orders.csv").write_text("order_id\n")  # not in an entity folder: not an export
    assert main(["run", "shop"]) == 1
    error = capsys.readouterr().err
    assert f"the landing folder {landing} has no */*.csv files: put shop's CSV files there" in error
    assert "generate sample data with `python -m lakehouse.datagen shop`" in error
    assert not (tmp_path / "dagster_home").exists()  # refused before any instance or run was made
