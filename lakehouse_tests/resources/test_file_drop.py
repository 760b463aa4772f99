"""The drop folder and its ledger: what intake receives, quarantines or archives, take and archive, crash recovery."""

import hashlib
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from lakehouse.resources import file_drop
from lakehouse.resources.file_drop import DropFolder, FileDrop, inspect_file, stamp
from lakehouse.resources.file_ledger import Entry, FileLedger

REQUIRED = (
    "customer_id", "store_id", "product_name", "sales_date", "sales_person_id", "price", "quantity", "total_cost",
)  # fmt: skip
HEADER = ",".join(REQUIRED)
FIRST = datetime(2024, 2, 1, 10, 20, 30, tzinfo=timezone.utc)  # folder 20240201_102030
LATER = datetime(2024, 2, 2, 1, 30, 0, tzinfo=timezone.utc)  # folder 20240202_013000
LAST = datetime(2024, 2, 3, 1, 30, 5, tzinfo=timezone.utc)  # folder 20240203_013005


def open_drop(root) -> FileDrop:
    ledger = FileLedger(root / "ledger.sqlite", "sales_file_ledger", "sales_dates")
    return FileDrop(root, ledger, ".csv", REQUIRED, "sales_date")


def sales(*days, customer=1) -> str:
    """A store file: one row per day given, the customer id making each file's content its own."""
    return HEADER + "\n" + "".join(f"{customer},10,Widget,{day},7,2.50,2,5.00\n" for day in days)


def put(root, name, content) -> bytes:
    """Drop a file into to_process/; its bytes."""
    data = content if isinstance(content, bytes) else content.encode()
    (root / "to_process").mkdir(parents=True, exist_ok=True)
    (root / "to_process" / name).write_bytes(data)
    return data


def files(root) -> list[str]:
    """Every file under the drop root but the ledger, as root-relative paths."""
    found = (p for p in root.rglob("*") if p.is_file() and not p.name.startswith("ledger.sqlite"))
    return sorted(p.relative_to(root).as_posix() for p in found)


def rows(drop) -> list[tuple]:
    """The ledger as (name, status, location, moved, detail, days)."""
    return [(e.file_name, e.status, e.location, e.moved, e.detail, e.days) for e in drop.ledger.all()]


def names(entries) -> list[str]:
    return [e.file_name for e in entries]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_stamp_is_the_utc_second_of_the_moment():
    """The folder name is the UTC time, whatever the moment's zone."""
    assert stamp(FIRST) == "20240201_102030"
    assert stamp(datetime(2024, 2, 1, 12, 20, 30, tzinfo=timezone(timedelta(hours=2)))) == "20240201_102030"


def test_a_good_file_is_received_with_its_days_and_stays_in_to_process(tmp_path):
    """Its distinct valid days, sorted (an impossible date ignored); a second intake does not judge it again."""
    drop = open_drop(tmp_path)
    data = put(tmp_path, "sales.csv", sales("2024-02-02", "2024-02-01", "2024-13-45", "2024-02-02"))
    put(tmp_path, ".upload.csv.part", "still arriving")  # a hidden name: an upload in progress
    report = drop.intake(FIRST)
    assert (report.received, report.duplicates, report.quarantined, report.vanished) == (["sales.csv"], [], {}, [])
    assert report.summary() == "1 received, 0 duplicate"
    expected = Entry(
        file_id=1, file_name="sales.csv", size_bytes=len(data), sha256=sha(data),
        first_seen_at="2024-02-01T10:20:30+00:00", status="received", rows_accepted=None, rows_rejected=None,
        days=("2024-02-01", "2024-02-02"), location="to_process/sales.csv", moved=False, detail="",
    )  # fmt: skip
    assert drop.ledger.all() == [expected]
    assert drop.path(expected) == tmp_path / "to_process" / "sales.csv"
    assert drop.intake(LATER).received == []
    assert drop.ledger.all() == [expected]
    assert files(tmp_path) == ["to_process/.upload.csv.part", "to_process/sales.csv"]


def test_files_of_another_type_are_quarantined_by_type(tmp_path):
    """.json, .xlsx and a name without suffix go to error_files/wrong_file_types/<stamp>/, content kept."""
    drop = open_drop(tmp_path)
    content = {
        "sales.json": put(tmp_path, "sales.json", sales("2024-02-01")),
        "sales.xlsx": put(tmp_path, "sales.xlsx", b"PK\x03\x04"),
        "sales": put(tmp_path, "sales", sales("2024-02-01", customer=2)),
    }
    report = drop.intake(FIRST)
    assert (report.received, report.quarantined) == ([], {"wrong_file_type": ["sales", "sales.json", "sales.xlsx"]})
    assert report.summary() == "0 received, 0 duplicate, 3 wrong_file_type"
    folder = "error_files/wrong_file_types/20240201_102030"
    assert rows(drop) == [
        (name, "rejected:wrong_file_type", f"{folder}/{name}", True, "not a .csv file", ())
        for name in ("sales", "sales.json", "sales.xlsx")
    ]
    assert files(tmp_path) == [f"{folder}/sales", f"{folder}/sales.json", f"{folder}/sales.xlsx"]
    assert {name: (tmp_path / folder / name).read_bytes() for name in content} == content


@pytest.mark.parametrize(
    "content, detail",
    [
        (b"", "empty file"),
        (b"  \r\n\t\n ", "empty file"),  # whitespace only
        ((HEADER + "\n1,10,Caf\xe9,2024-02-01,7,2.50,2,5.00\n").encode("latin-1"), "not UTF-8 (byte 95)"),
        (b"\xff\xfeo\x00k\x00", "not UTF-8 (byte 0)"),  # UTF-16
        (HEADER.removesuffix(",total_cost") + "\n1,10,Widget,2024-02-01,7,2.50,2\n", "missing columns: total_cost"),
        ("sales_date\n2024-02-01\n", "missing columns: " + ", ".join(c for c in REQUIRED if c != "sales_date")),
        (HEADER + "\n", "no data rows (a header only)"),
        (HEADER + "\n\n\n", "no data rows (a header only)"),  # blank lines are no rows
    ],
    ids=["empty", "whitespace", "latin-1", "utf-16", "no-total_cost", "one-column", "header-only", "header-and-blank-lines"],
)
def test_a_file_that_cannot_be_read_as_sales_is_quarantined_as_bad_schema(tmp_path, content, detail):
    """Its reason in `detail`, the file moved to error_files/bad_schema/<stamp>/ intact."""
    drop = open_drop(tmp_path)
    data = put(tmp_path, "bad.csv", content)
    report = drop.intake(FIRST)
    assert (report.received, report.quarantined) == ([], {"bad_schema": ["bad.csv"]})
    location = "error_files/bad_schema/20240201_102030/bad.csv"
    assert rows(drop) == [("bad.csv", "rejected:bad_schema", location, True, detail, ())]
    assert files(tmp_path) == [location]
    assert (tmp_path / location).read_bytes() == data


def test_header_order_extra_columns_a_bom_and_a_huge_field_are_received(tmp_path):
    """Columns are found by name; a BOM is not part of the first name; a 200,000-character field is just a field."""
    drop = open_drop(tmp_path)
    reordered = ",".join(reversed(REQUIRED)) + "\n5.00,2,2.50,7,2024-02-03,Widget,10,1\n"
    put(tmp_path, "reordered.csv", reordered)
    put(tmp_path, "extra.csv", HEADER + ",coupon\n1,10,Widget,2024-02-04,7,2.50,2,5.00,SPRING\n")
    put(tmp_path, "bom.csv", "\ufeff" + sales("2024-02-05"))
    put(tmp_path, "huge.csv", HEADER + f'\n1,10,"{"x" * 200_000}",2024-02-06,7,2.50,2,5.00\n')
    report = drop.intake(FIRST)
    assert (report.received, report.quarantined) == (["bom.csv", "extra.csv", "huge.csv", "reordered.csv"], {})
    assert rows(drop) == [
        ("bom.csv", "received", "to_process/bom.csv", False, "", ("2024-02-05",)),
        ("extra.csv", "received", "to_process/extra.csv", False, "", ("2024-02-04",)),
        ("huge.csv", "received", "to_process/huge.csv", False, "", ("2024-02-06",)),
        ("reordered.csv", "received", "to_process/reordered.csv", False, "", ("2024-02-03",)),
    ]
    assert inspect_file(tmp_path / "to_process" / "huge.csv", ".csv", REQUIRED, "sales_date").days == ("2024-02-06",)


def test_identical_files_in_one_intake_the_first_by_name_is_received(tmp_path):
    """The second copy is a duplicate, archived under processed/<stamp>/ with the days it names."""
    drop = open_drop(tmp_path)
    data = put(tmp_path, "b_copy.csv", sales("2024-02-01"))
    put(tmp_path, "a_first.csv", data)
    report = drop.intake(FIRST)
    assert (report.received, report.duplicates) == (["a_first.csv"], ["b_copy.csv"])
    assert report.summary() == "1 received, 1 duplicate"
    assert rows(drop) == [
        ("a_first.csv", "received", "to_process/a_first.csv", False, "", ("2024-02-01",)),
        ("b_copy.csv", "duplicate", "processed/20240201_102030/b_copy.csv", True, "", ("2024-02-01",)),
    ]
    assert [e.sha256 for e in drop.ledger.all()] == [sha(data), sha(data)]
    assert files(tmp_path) == ["processed/20240201_102030/b_copy.csv", "to_process/a_first.csv"]


def test_content_sent_again_after_it_was_archived_is_a_duplicate(tmp_path):
    """Under its first name or another, a completed file's content is archived as a duplicate, not received."""
    drop = open_drop(tmp_path)
    data = put(tmp_path, "sales.csv", sales("2024-02-01"))
    drop.intake(FIRST)
    (entry,), _, _ = drop.take(["2024-02-01"])
    drop.archive({entry.file_id: (1, 0)}, LATER)
    put(tmp_path, "sales.csv", data)
    put(tmp_path, "resent.csv", data)
    report = drop.intake(LAST)
    assert (report.received, report.duplicates) == ([], ["resent.csv", "sales.csv"])
    assert rows(drop) == [
        ("sales.csv", "completed", "processed/20240202_013000/sales.csv", True, "", ("2024-02-01",)),
        ("resent.csv", "duplicate", "processed/20240203_013005/resent.csv", True, "", ("2024-02-01",)),
        ("sales.csv", "duplicate", "processed/20240203_013005/sales.csv", True, "", ("2024-02-01",)),
    ]
    assert files(tmp_path) == [
        "processed/20240202_013000/sales.csv",
        "processed/20240203_013005/resent.csv",
        "processed/20240203_013005/sales.csv",
    ]  # fmt: skip


def test_take_takes_the_files_whose_days_are_all_in_the_run_and_archive_completes_them(tmp_path):
    """A file naming a day outside the run is left; archived files are completed with their counts, then touching."""
    drop = open_drop(tmp_path)
    put(tmp_path, "one.csv", sales("2024-02-01", "2024-02-01"))
    put(tmp_path, "two.csv", sales("2024-02-01", "2024-02-02", customer=2))
    put(tmp_path, "other.csv", sales("2024-02-03", customer=3))
    drop.intake(FIRST)
    taken, completed, left = drop.take(["2024-02-01"])
    assert (names(taken), completed, names(left)) == (["one.csv"], [], ["other.csv", "two.csv"])
    assert [(e.file_name, e.status) for e in drop.ledger.all()] == [
        ("one.csv", "processing"), ("other.csv", "received"), ("two.csv", "received"),  # judged by name
    ]  # fmt: skip
    assert taken == [drop.ledger.get(taken[0].file_id)]  # the entries as they are now: processing
    assert drop.archive({taken[0].file_id: (2, 1)}, LATER) == ["one.csv"]
    done = drop.ledger.get(taken[0].file_id)
    assert (done.status, done.rows_accepted, done.rows_rejected, done.location, done.moved) == (
        "completed", 2, 1, "processed/20240202_013000/one.csv", True,
    )  # fmt: skip
    assert files(tmp_path) == ["processed/20240202_013000/one.csv", "to_process/other.csv", "to_process/two.csv"]
    assert drop.path(done).read_text() == sales("2024-02-01", "2024-02-01")
    taken, completed, left = drop.take(["2024-02-01"])
    assert (taken, completed, names(left)) == ([], [done], ["other.csv", "two.csv"])
    taken, completed, left = drop.take(["2024-02-01", "2024-02-02"])
    assert (names(taken), completed, names(left)) == (["two.csv"], [done], ["other.csv"])
    assert drop.take(["2024-02-03"])[1] == []  # no completed file names that day


def test_a_file_taken_by_a_run_that_died_is_taken_again(tmp_path):
    """Still processing: the next intake leaves it alone and the next take returns it, with no new row."""
    drop = open_drop(tmp_path)
    put(tmp_path, "sales.csv", sales("2024-02-01"))
    drop.intake(FIRST)
    first, _, _ = drop.take(["2024-02-01"])
    assert drop.intake(LATER).received == []
    again, completed, left = drop.take(["2024-02-01"])
    assert (again, completed, left) == (first, [], [])
    assert rows(drop) == [("sales.csv", "processing", "to_process/sales.csv", False, "", ("2024-02-01",))]
    assert files(tmp_path) == ["to_process/sales.csv"]


@pytest.mark.parametrize("copied", [False, True], ids=["before-the-copy", "after-the-copy"])
def test_intake_finishes_an_archive_cut_short(tmp_path, copied):
    """Completed but not moved (or copied, the original not deleted): the next intake moves it, no duplicate row."""
    drop = open_drop(tmp_path)
    put(tmp_path, "sales.csv", sales("2024-02-01"))
    drop.intake(FIRST)
    (entry,), _, _ = drop.take(["2024-02-01"])
    location = "processed/20240202_013000/sales.csv"
    drop.ledger.set_counts({entry.file_id: (1, 0)}, {entry.file_id: location})  # the archive's decision, then the crash
    if copied:
        (tmp_path / location).parent.mkdir(parents=True)
        shutil.copyfile(tmp_path / "to_process" / "sales.csv", tmp_path / location)
    assert drop.waiting() == []  # the sensor does not see it as new
    report = drop.intake(LAST)
    assert (report.resumed_moves, report.received, report.duplicates) == (["sales.csv"], [], [])
    assert report.summary() == "0 received, 0 duplicate, 1 unfinished moves finished"
    assert rows(drop) == [("sales.csv", "completed", location, True, "", ("2024-02-01",))]
    assert files(tmp_path) == [location]
    assert drop.intake(LAST).resumed_moves == []


def test_intake_killed_between_a_decision_and_its_move_is_finished_by_the_next(tmp_path, monkeypatch):
    """The duplicate's row says where it goes; the next intake moves it there, under the first intake's stamp."""
    drop = open_drop(tmp_path)
    data = put(tmp_path, "a.csv", sales("2024-02-01"))
    put(tmp_path, "b.csv", data)

    def killed(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(file_drop, "_move", killed)
    with pytest.raises(KeyboardInterrupt):
        drop.intake(FIRST)
    monkeypatch.undo()
    assert rows(drop)[1] == ("b.csv", "duplicate", "processed/20240201_102030/b.csv", False, "", ("2024-02-01",))
    report = drop.intake(LATER)
    assert (report.resumed_moves, report.received, report.duplicates) == (["b.csv"], [], [])
    assert rows(drop) == [
        ("a.csv", "received", "to_process/a.csv", False, "", ("2024-02-01",)),
        ("b.csv", "duplicate", "processed/20240201_102030/b.csv", True, "", ("2024-02-01",)),
    ]
    assert files(tmp_path) == ["processed/20240201_102030/b.csv", "to_process/a.csv"]


def test_a_file_that_vanishes_before_it_is_read_has_no_row(tmp_path, monkeypatch):
    """Listed, then gone when read: reported as vanished, nothing recorded; the others are judged as usual."""
    drop = open_drop(tmp_path)
    put(tmp_path, "gone.csv", sales("2024-02-01"))
    put(tmp_path, "kept.csv", sales("2024-02-01", customer=2))
    real = file_drop.LocalFiles.read

    def read(self, name):
        if name.endswith("gone.csv"):
            raise FileNotFoundError(name)
        return real(self, name)

    monkeypatch.setattr(file_drop.LocalFiles, "read", read)
    report = drop.intake(FIRST)
    assert (report.received, report.vanished) == (["kept.csv"], ["gone.csv"])
    assert report.summary() == "1 received, 0 duplicate, 1 vanished before reading"
    assert rows(drop) == [("kept.csv", "received", "to_process/kept.csv", False, "", ("2024-02-01",))]
    assert drop.waiting() == [("kept.csv", sha((tmp_path / "to_process" / "kept.csv").read_bytes()), ("2024-02-01",))]


def test_waiting_lists_what_a_run_would_process_and_changes_nothing(tmp_path):
    """Received and new good files; not refused ones nor copies of completed files; the ledger and folders untouched."""
    drop = open_drop(tmp_path)
    done = put(tmp_path, "done.csv", sales("2024-01-31"))
    received = put(tmp_path, "received.csv", sales("2024-02-01", customer=2))
    drop.intake(FIRST)
    (entry,), _, _ = drop.take(["2024-01-31"])
    drop.archive({entry.file_id: (1, 0)}, LATER)
    new = put(tmp_path, "new.csv", sales("2024-02-03", "2024-02-02", customer=3))
    put(tmp_path, "done_again.csv", done)
    put(tmp_path, "bad.csv", "customer_id\n1\n")
    put(tmp_path, "notes.txt", sales("2024-02-04", customer=4))
    before = (drop.ledger.all(), {p: (tmp_path / p).read_bytes() for p in files(tmp_path)})
    assert drop.waiting() == [
        ("new.csv", sha(new), ("2024-02-02", "2024-02-03")),
        ("received.csv", sha(received), ("2024-02-01",)),
    ]
    assert (drop.ledger.all(), {p: (tmp_path / p).read_bytes() for p in files(tmp_path)}) == before
    assert sorted(before[1]) == [
        "processed/20240202_013000/done.csv", "to_process/bad.csv", "to_process/done_again.csv",
        "to_process/new.csv", "to_process/notes.txt", "to_process/received.csv",
    ]  # fmt: skip


def test_waiting_on_an_empty_or_missing_drop_folder_is_empty(tmp_path):
    """No to_process/ yet: nothing waits, and intake reports nothing."""
    drop = open_drop(tmp_path)
    assert drop.waiting() == []
    assert drop.intake(FIRST).summary() == "0 received, 0 duplicate"


def test_a_reopened_ledger_sees_the_same_rows_and_days_round_trip(tmp_path):
    """One SQLite file: a second FileLedger on the path reads what the first wrote; days come back sorted."""
    ledger = FileLedger(tmp_path / "db" / "ledger.sqlite", "sales_file_ledger", "sales_dates")
    first = ledger.add("a.csv", 12, "ab" * 32, "2024-02-01T10:20:30+00:00", "received", "to_process/a.csv",
                       ["2024-02-02", "2024-02-01"])  # fmt: skip
    second = ledger.add("b", 3, "cd" * 32, "2024-02-01T10:20:30+00:00", "rejected:wrong_file_type",
                        "error_files/wrong_file_types/20240201_102030/b", detail="not a .csv file")  # fmt: skip
    assert (first.days, second.days, second.detail) == (("2024-02-01", "2024-02-02"), (), "not a .csv file")
    ledger.update([first.file_id], days=["2024-03-01", "2024-02-29"], status="processing")
    reopened = FileLedger(tmp_path / "db" / "ledger.sqlite", "sales_file_ledger", "sales_dates")
    assert reopened.all() == ledger.all()
    assert [(e.file_id, e.status, e.days) for e in reopened.all()] == [
        (1, "processing", ("2024-02-29", "2024-03-01")), (2, "rejected:wrong_file_type", ()),
    ]  # fmt: skip
    assert reopened.touching(["2024-02-29"]) == []  # processing, not completed
    assert reopened.unmoved() == [reopened.get(2)]
    with sqlite3.connect(tmp_path / "db" / "ledger.sqlite") as db:
        assert db.execute("SELECT file_name, sales_dates FROM sales_file_ledger ORDER BY file_id").fetchall() == [
            ("a.csv", "2024-02-29,2024-03-01"), ("b", ""),
        ]  # fmt: skip


def test_the_drop_folder_resource_opens_a_working_drop(tmp_path):
    """DropFolder names the root and the ledger; open() adds what a good file is."""
    folder = DropFolder(root=str(tmp_path / "sales"), ledger_path=str(tmp_path / "ledgers" / "sales.sqlite"),
                        ledger_table="sales_file_ledger", days_column="sales_dates")  # fmt: skip
    drop = folder.open(".csv", REQUIRED, "sales_date")
    assert (drop.root, drop.incoming, drop.suffix, drop.day_column) == (
        tmp_path / "sales", tmp_path / "sales" / "to_process", ".csv", "sales_date",
    )  # fmt: skip
    put(tmp_path / "sales", "sales.csv", sales("2024-02-01"))
    assert drop.intake(FIRST).received == ["sales.csv"]
    with sqlite3.connect(tmp_path / "ledgers" / "sales.sqlite") as db:
        assert db.execute("SELECT file_name, status, sales_dates FROM sales_file_ledger").fetchall() == [
            ("sales.csv", "received", "2024-02-01"),
        ]  # fmt: skip


def test_two_refusals_of_one_name_in_one_second_keep_both_files(tmp_path):
    """The second goes beside the first (`<stamp>-2/`): a move never lands on another file."""
    drop = open_drop(tmp_path)
    put(tmp_path, "x.csv", "customer_id\n1\n")
    drop.intake(FIRST)
    second = put(tmp_path, "x.csv", "store_id\n2\n")
    drop.intake(FIRST)
    assert files(tmp_path) == ["error_files/bad_schema/20240201_102030-2/x.csv", "error_files/bad_schema/20240201_102030/x.csv"]
    assert (tmp_path / "error_files/bad_schema/20240201_102030-2/x.csv").read_bytes() == second
    assert [r[2] for r in rows(drop)] == ["error_files/bad_schema/20240201_102030/x.csv",
                                          "error_files/bad_schema/20240201_102030-2/x.csv"]  # fmt: skip


def test_a_move_onto_other_content_keeps_the_source(tmp_path):
    """The crash-resume shortcut (target there: only delete) only holds for the same bytes."""
    source, target = tmp_path / "a.csv", tmp_path / "out" / "a.csv"
    source.write_text("one")
    target.parent.mkdir()
    target.write_text("two")
    with pytest.raises(file_drop.MoveError):
        file_drop._move(source, target)
    assert (source.read_text(), target.read_text()) == ("one", "two")


def test_a_waiting_file_overwritten_before_a_run_is_replaced_by_the_new_content(tmp_path):
    """The old row says replaced (its bytes are gone); the new content is one new received row."""
    drop = open_drop(tmp_path)
    put(tmp_path, "s.csv", sales("2024-01-05"))
    drop.intake(FIRST)
    new = put(tmp_path, "s.csv", sales("2024-01-06", customer=2))
    drop.intake(LATER)
    assert [(r[0], r[1], r[3], r[5]) for r in rows(drop)] == [
        ("s.csv", "replaced", True, ("2024-01-05",)), ("s.csv", "received", False, ("2024-01-06",)),
    ]  # fmt: skip
    taken, _, _ = drop.take(["2024-01-05", "2024-01-06"])
    assert [(e.file_name, e.sha256) for e in taken] == [("s.csv", sha(new))]


def test_rows_with_no_readable_day_are_received_on_the_day_the_name_says_else_the_arrival_day(tmp_path):
    """Their rows are the rules' to reject (unparseable:sales_date), not a reason to quarantine the file."""
    drop = open_drop(tmp_path)
    bad_days = sales("01/02/2024", "2024-13-45", "2024-2-1", "", "yesterday")
    put(tmp_path, "sales_121_20240105.csv", bad_days)
    put(tmp_path, "undated.csv", bad_days.replace("1,10,", "2,10,"))
    report = drop.intake(FIRST)
    assert (report.received, report.quarantined) == (["sales_121_20240105.csv", "undated.csv"], {})
    assert [(r[0], r[1], r[4], r[5]) for r in rows(drop)] == [
        ("sales_121_20240105.csv", "received", "no row has a readable sales_date", ("2024-01-05",)),
        ("undated.csv", "received", "no row has a readable sales_date", ("2024-02-01",)),  # FIRST's day
    ]  # fmt: skip
