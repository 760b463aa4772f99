"""Personal data (emails, phone numbers): normalise, hash with a secret key, mask, and scan for leaks.

Normalisation, applied before hashing and masking, so that spellings of one value hash alike:

- email: Unicode NFC, then surrounding whitespace stripped, then lower-cased (Python `str.lower`);
  None or a blank string gives None.
- phone: every character except the ASCII digits 0-9 is dropped, except that a '+' at the start
  (after stripping whitespace) is kept; without a '+', a leading '00' (the international call
  prefix) becomes '+'; a value without digits gives None. National numbers stay national: we
  have no country to add, so "030 1234567" -> "0301234567" and "+49 30 1234567" ->
  "+49301234567" hash differently.

Hashes are hex HMAC-SHA256 of the normalised value's UTF-8 bytes, keyed with the secret in
LAKEHOUSE_PII_KEY (UTF-8): without the key, a hash cannot be recomputed from a guessed email or
phone number. Masks keep just enough to recognise a value: "j***@example.com", "***-***-4567".

The leak scan (`pii_hits`) flags a string value when it contains a match of:

- EMAIL_PATTERN: a run of characters other than whitespace and @ * " ' , ; : < > ( ) [ ], then
  '@', then a domain with at least one dot and a top-level domain of 2+ letters. The character
  before '@' cannot be '*', so masked emails do not match.
- PHONE_PATTERN: an optional '+', an optional '(', then 7 to 15 digits (15 is the E.164 maximum),
  consecutive digits separated by at most one of: a space, '-', ')' with an optional space after
  it, '(' with an optional space before it. Dots are not separators. The match may not be
  preceded by a letter, digit, '.', '_' or '-', nor followed by a letter, digit, '_', '-', ':' or
  a '.' and a digit (so hex hashes, ids such as "T000001" or "ORD-20240131-0001", UUIDs, IPv4
  addresses, amounts such as "1234.56" and times do not match, while a phone number ending a
  sentence does). It may not start with a date YYYY-MM-DD or DD-MM-YYYY not followed by a digit
  (8 digits with dashes, which would otherwise pass as a phone number). Plain runs of 7-15 digits
  ("0301234567", but also a numeric id "1234567" or a date "20240131") do match: on their own
  they cannot be told apart.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from dagster import ConfigurableResource, Failure
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

KEY_VARIABLE = "LAKEHOUSE_PII_KEY"
HASH_COLUMNS = ("email_hash", "email_masked", "phone_hash", "phone_masked")

EMAIL_PATTERN = r"""[^\s@*"',;:<>()\[\]]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}"""
PHONE_PATTERN = (
    r"(?<![\p{L}\p{N}._-])"  # not inside a word, number, hash or dashed id
    r"(?!\d{4}-\d\d-\d\d(?!\d)|\d\d-\d\d-\d{4}(?!\d))"  # not a date: 2024-01-31, 31-01-2024
    r"\+?\(?\d(?:(?:[ -]|\) ?| ?\()?\d){6,14}"  # 7-15 digits, single separators between them
    r"(?![\p{L}\p{N}_:-]|\.\p{N})"  # not followed by more of a word, number or time
)

_KEY_HELP = (
    f"{KEY_VARIABLE} is not set (or blank): it holds the secret for the keyed hashes of personal data. Set it, e.g. "
    f"`export {KEY_VARIABLE}=$(python -c 'import secrets; print(secrets.token_hex(32))')`, and keep it: "
    "hashes made with another key do not match."
)


def normalize_email(value: str | None) -> str | None:
    """The email in its canonical form (NFC, stripped, lower-case), or None when absent or blank."""
    if value is None:
        return None
    normalized = unicodedata.normalize("NFC", value).strip().lower()
    return normalized or None


def normalize_phone(value: str | None) -> str | None:
    """The phone number as ASCII digits with an optional leading '+' ('00' becomes '+'), or None without digits."""
    if value is None:
        return None
    stripped = value.strip()
    digits = "".join(c for c in stripped if "0" <= c <= "9")  # str.isdigit would keep e.g. Arabic-Indic digits
    if stripped.startswith("+"):
        return "+" + digits if digits else None
    if digits.startswith("00"):
        digits = digits[2:]
        return "+" + digits if digits else None
    return digits or None


def keyed_hash(key: str, normalized: str | None) -> str | None:
    """Hex HMAC-SHA256 of the (already normalised) value under `key`, or None for None."""
    if not key:
        raise ValueError(f"empty key: set {KEY_VARIABLE}")
    if normalized is None:
        return None
    return hmac.new(key.encode("utf-8"), normalized.encode("utf-8"), hashlib.sha256).hexdigest()


def mask_email(value: str | None) -> str | None:
    """The normalised email as "j***@example.com" (first character kept, domain kept), or None when absent."""
    email = normalize_email(value)
    if email is None:
        return None
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}"


def mask_phone(value: str | None) -> str | None:
    """The normalised phone number as "***-***-4567" (last four digits kept), or None when absent."""
    phone = normalize_phone(value)
    if phone is None:
        return None
    digits = phone.lstrip("+")
    # Fewer than four digits would show the whole number.
    return "***-***-" + (digits[-4:] if len(digits) >= 4 else "****")


def protect(frame: DataFrame, key: str, email: str = "email", phone: str = "phone") -> DataFrame:
    """`frame` without its email and phone columns, with email_hash, email_masked, phone_hash, phone_masked appended."""
    if not key:
        raise ValueError(f"empty key: set {KEY_VARIABLE}")

    # The key lives only in this closure: Spark ships the function to its Python workers but never
    # shows its contents, while a literal (F.lit, sha2) would print the key in every query plan.
    def _protect_pii(raw_email, raw_phone):
        return (
            keyed_hash(key, normalize_email(raw_email)),
            mask_email(raw_email),
            keyed_hash(key, normalize_phone(raw_phone)),
            mask_phone(raw_phone),
        )

    # One UDF returning all four values: one trip to Python per row rather than four.
    protect_pii = F.udf(_protect_pii, StructType([StructField(name, StringType()) for name in HASH_COLUMNS]))
    packed = "__lakehouse_pii"
    kept = [_column(name) for name in frame.columns if name not in (email, phone)]
    # Cast: a phone stored as a number still normalises (its leading zeros are lost already).
    raw = (_column(email).cast("string"), _column(phone).cast("string"))
    return frame.select(*kept, protect_pii(*raw).alias(packed)).select(*kept, f"{packed}.*")


def _column(name: str) -> Column:
    """The top-level column `name`, even when the name holds a dot or backtick."""
    return F.col("`" + name.replace("`", "``") + "`")


def string_columns(frame: DataFrame) -> list[tuple[str, Column]]:
    """(name, column) of every string column, descending into structs as "parent.child"."""
    found = []

    def visit(prefix: str, column: Column, data_type) -> None:
        if isinstance(data_type, StringType):
            found.append((prefix, column))
        elif isinstance(data_type, StructType):
            for field in data_type.fields:
                visit(f"{prefix}.{field.name}", column.getField(field.name), field.dataType)

    for field in frame.schema.fields:
        visit(field.name, _column(field.name), field.dataType)
    return found


def looks_raw(value: Column) -> Column:
    """True where a string holds a raw email address or phone number (EMAIL_PATTERN, PHONE_PATTERN)."""
    return value.rlike(EMAIL_PATTERN) | value.rlike(PHONE_PATTERN)


def raw_value_counts(frame: DataFrame) -> dict[str, Column]:
    """Per string column ("parent.child" in structs), an aggregate counting its rows that hold a raw email or phone."""
    return {name: F.count(F.when(looks_raw(column), True)) for name, column in string_columns(frame)}


def pii_hits(frame: DataFrame) -> dict[str, int]:
    """Per string column ("parent.child" in structs), the rows holding a raw email or phone; hit columns only."""
    counters = raw_value_counts(frame)
    if not counters:
        return {}
    # One aggregation, one row back: the values themselves never leave Spark.
    counts = frame.agg(*[counter.alias(f"c{i}") for i, counter in enumerate(counters.values())]).collect()[0]
    return {name: counts[i] for i, name in enumerate(counters) if counts[i]}


class PiiKey(ConfigurableResource):
    """The secret for keyed hashes, bound from LAKEHOUSE_PII_KEY as a Dagster EnvVar (see definitions)."""

    key: str | None = None

    def setup_for_execution(self, context) -> None:
        """Fail the run before any step when the key is missing or blank."""
        self.secret()

    def secret(self) -> str:
        """The key; raises dagster.Failure (naming LAKEHOUSE_PII_KEY, never showing a value) when missing or blank."""
        if self.key is None or not self.key.strip():
            raise Failure(description=_KEY_HELP)
        return self.key

    def __repr_args__(self):
        """Whether the key is set, never its value (pydantic would print it in reprs and tracebacks)."""
        yield "key", "<set>" if self.key else self.key
