"""The landing reader: headers that differ per file, malformed lines and files, empty folders."""

import pytest

from lakehouse.resources.landing import LandingError, LandingFiles


def rows(frame):
    columns = sorted(c for c in frame.columns if c != "_source_file")
    return sorted(
        (r["_source_file"].rsplit("/", 1)[-1], *(str(r[c]) for c in columns)) for r in frame.collect()
    ), columns


def write(folder, name, text, mode="w"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


def test_files_with_different_headers_are_unioned_by_name(spark, tmp_path):
    folder = tmp_path / "shop"
    write(folder, "a.csv", "\ufeffid,name\n1,x\n2,\"y, z\"\n")  # BOM, quoted comma
    write(folder, "b.csv", "name,id,extra\nw,3,e\n")  # other order, an extra column
    write(folder, "c.csv", "id\n4\n")  # a column missing
    write(folder, "empty.csv", "")  # zero bytes: nothing to lose, skipped
    found, columns = rows(LandingFiles(root=str(tmp_path)).read_csv(spark, "shop"))
    assert columns == ["_absent_columns", "_corrupt_record", "extra", "id", "name"]
    assert found == [
        ("a.csv", "['extra']", "None", "None", "1", "x"),
        ("a.csv", "['extra']", "None", "None", "2", "y, z"),
        ("b.csv", "[]", "None", "e", "3", "w"),
        ("c.csv", "['extra', 'name']", "None", "None", "4", "None"),
    ]


def test_malformed_lines_are_flagged_not_dropped(spark, tmp_path):
    folder = tmp_path / "shop"
    write(folder, "a.csv", 'id,name\n1,x\n2,y,surplus\n3\n4,"ok ""quoted"""\n')
    frame = LandingFiles(root=str(tmp_path)).read_csv(spark, "shop")
    found = {r["id"]: (r["name"], r["_corrupt_record"]) for r in frame.collect()}
    assert found == {
        "1": ("x", None),
        "2": ("y", "2,y,surplus"),  # too many fields: kept, and flagged with the raw line
        "3": (None, "3"),  # too few fields
        "4": ('ok "quoted"', None),
    }


def test_a_file_that_is_not_utf8_text_does_not_crash_the_read(spark, tmp_path):
    folder = tmp_path / "shop"
    write(folder, "good.csv", "id,name\n1,x\n")
    write(folder, "binary.csv", b"\xff\xfe\x00garbage\x81\nline\x90two\n")
    frame = LandingFiles(root=str(tmp_path)).read_csv(spark, "shop")
    by_file = {}
    for r in frame.collect():
        by_file.setdefault(r["_source_file"].rsplit("/", 1)[-1], []).append(r)
    assert [r["id"] for r in by_file["good.csv"]] == ["1"]
    # The broken file's rows are all there, and lack the expected columns (so they get rejected).
    assert len(by_file["binary.csv"]) == 1
    assert sorted(by_file["binary.csv"][0]["_absent_columns"]) == ["id", "name"]


def test_missing_or_empty_folder_says_what_to_set(spark, tmp_path):
    with pytest.raises(LandingError, match="no \\*.csv files in .*shop: set LAKEHOUSE_HOME"):
        LandingFiles(root=str(tmp_path)).read_csv(spark, "shop")
    write(tmp_path / "shop", "a.csv", "")
    with pytest.raises(LandingError, match="every \\*.csv file in .*shop is empty"):
        LandingFiles(root=str(tmp_path)).read_csv(spark, "shop")
