"""lakehouse.pii: normalisation, keyed hashes and masks by exact value, protect() on Spark, the leak scan, PiiKey."""

import pytest
from dagster import Failure, build_resources
from dagster._core.errors import DagsterResourceFunctionError

from lakehouse.pii import (
    HASH_COLUMNS,
    KEY_VARIABLE,
    PiiKey,
    keyed_hash,
    mask_email,
    mask_phone,
    normalize_email,
    normalize_phone,
    pii_hits,
    protect,
)

KEY = "pii-test-key-5e0c"  # not a secret: a value to look for where it must not appear
ZOE_COMPOSED = "Zo\u00eb@Example.com"
ZOE_DECOMPOSED = "Zoe\u0308@Example.com"


def test_keyed_hash_is_hmac_sha256():
    # RFC 4231, test case 2.
    assert keyed_hash("Jefe", "what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )
    assert keyed_hash(KEY, None) is None
    with pytest.raises(ValueError):
        keyed_hash("", "x")


def test_email_normalisation():
    assert normalize_email("  Jane.Doe@Example.COM ") == "jane.doe@example.com"
    assert keyed_hash(KEY, normalize_email("  Jane.Doe@Example.COM ")) == keyed_hash(KEY, "jane.doe@example.com")
    # NFC: a composed and a decomposed ë are one email.
    assert normalize_email(ZOE_DECOMPOSED) == normalize_email(ZOE_COMPOSED) == "zo\u00eb@example.com"
    assert keyed_hash(KEY, normalize_email(ZOE_DECOMPOSED)) == keyed_hash(KEY, normalize_email(ZOE_COMPOSED))


@pytest.mark.parametrize(
    "raw, normalized",
    [
        ("+49 (30) 123-4567", "+49301234567"),
        ("0049 30 1234567", "+49301234567"),
        (" +1-202-555-0143 ", "+12025550143"),
        ("030 1234567", "0301234567"),  # national numbers stay national
        ("n/a", None),
        ("+", None),
    ],
)
def test_phone_normalisation(raw, normalized):
    assert normalize_phone(raw) == normalized


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_blank_values_give_none(blank):
    email, phone = normalize_email(blank), normalize_phone(blank)
    assert (email, phone, keyed_hash(KEY, email), keyed_hash(KEY, phone)) == (None, None, None, None)
    assert (mask_email(blank), mask_phone(blank)) == (None, None)


def test_masks():
    assert mask_email("  Jane.Doe@Example.COM ") == "j***@example.com"
    assert mask_email("\u00c9mile@x.fr") == "\u00e9***@x.fr"
    assert mask_email("JaneDoe") == "j***"
    assert mask_phone("+49 (30) 123-4567") == "***-***-4567"
    assert mask_phone("112") == "***-***-****"
    assert mask_phone("no digits") is None


def test_protect(spark):
    rows = [
        (1, "Jane", "  Jane.Doe@Example.COM ", "+49 (30) 123-4567"),
        (2, "Zoë", ZOE_DECOMPOSED, "0049 30 1234567"),
        (3, "Nobody", None, None),
    ]
    frame = spark.createDataFrame(rows, "id long, name string, email string, phone string")
    protected = protect(frame, KEY)

    assert protected.columns == ["id", "name", *HASH_COLUMNS]
    assert [f.dataType.simpleString() for f in protected.schema.fields[2:]] == ["string"] * 4
    expected = [
        (i, n, keyed_hash(KEY, normalize_email(e)), mask_email(e), keyed_hash(KEY, normalize_phone(p)), mask_phone(p))
        for i, n, e, p in rows
    ]
    assert [tuple(row) for row in protected.orderBy("id").collect()] == expected
    assert expected[0][2:] == (
        keyed_hash(KEY, "jane.doe@example.com"), "j***@example.com", keyed_hash(KEY, "+49301234567"), "***-***-4567"
    )
    assert expected[1][3:] == ("z***@example.com", keyed_hash(KEY, "+49301234567"), "***-***-4567")
    assert expected[2][2:] == (None,) * 4

    plan = protected._jdf.queryExecution().toString()
    assert "_protect_pii" in plan and KEY not in plan
    # One Python evaluation per row for all four columns.
    assert plan.split("== Physical Plan ==")[1].count("EvalPython") == 1


def test_pii_hits_counts_raw_values(spark):
    rows = [
        (" Jane.Doe@Example.COM ", "+49 (30) 123-4567", "call 0049 30 1234567.", "T01", ("home", "j@x.de"), 4930123),
        ("jane.doe@example.com", "030 1234567", "nothing here", "T000002", ("work", None), 1),
        (ZOE_COMPOSED, "+1-202-555-0143", None, "T000003", None, 2),
        ("contact: émile@x.fr, thanks", "+447700900123", "ok", "T000004", ("home", "j***@example.com"), 3),
        (None, "0301234567", "mail j***@example.com", "T000005", ("work", "10115 Berlin"), 4),
    ]
    schema = "email string, phone string, note string, id string, contact struct<kind: string, address: string>, n long"
    frame = spark.createDataFrame(rows, schema)
    assert pii_hits(frame) == {"email": 4, "phone": 5, "note": 1, "contact.address": 1}


def test_pii_hits_ignores_protected_and_lookalike_values(spark):
    raw_phones = ["+49 (30) 123-4567", "0049 30 1234567", "030 1234567", "+1-202-555-0143", "+447700900123"]
    hashes = [keyed_hash(KEY, normalize_phone(p)) for p in raw_phones]
    hashes += [keyed_hash(KEY, str(n)) for n in range(40)]
    lookalikes = [
        "j***@example.com", "\u00e9***@x.fr", "j***", "***-***-4567", "***-***-****",
        "T000001", "ORD-20240131-0001", "123e4567-e89b-12d3-a456-426614174000",
        "85.12.3.4", "192.168.100.200",
        "2024-01-31 23:59:59", "2024-01-31T23:59:59Z", "2024-01-31", "2024-01-31 23:59:59.123456", "31-01-2024 10:00",
        "10115 Berlin", "10115", "1234.56", "-1234567.89", "1234567.89", "0.1234567890",
    ]
    values = hashes + lookalikes
    frame = spark.createDataFrame(
        [(v, (v, "***-***-1234")) for v in values], "value string, masked struct<a: string, b: string>"
    )
    assert pii_hits(frame) == {}


@pytest.mark.parametrize("key", [None, "", "   "])
def test_pii_key_missing(key):
    with pytest.raises(Failure) as missing:
        PiiKey(key=key).secret()
    assert KEY_VARIABLE in missing.value.description
    # The run-time hook fails the same way, before any step.
    with pytest.raises(DagsterResourceFunctionError) as at_setup:
        with build_resources({"pii": PiiKey(key=key)}):
            pass
    assert KEY_VARIABLE in at_setup.value.__cause__.description


def test_pii_key_set():
    with build_resources({"pii": PiiKey(key=KEY)}) as resources:
        assert resources.pii.secret() == KEY
        assert KEY not in repr(resources.pii)
