"""The compose stack's `load-sample-data` service: every domain's sample data, once.

For each registered generator (lakehouse.datagen.GENERATORS, with the demo's defaults, as
`make demo` uses them): its landing files under $LAKEHOUSE_HOME/landing/<domain>/ and, when the
domain's LAKEHOUSE_<DOMAIN>_DB_URL is set and its generator can load one, that app database.
With LAKEHOUSE_STORAGE=s3 a domain fed by dropped files (sales) reads its drop folder in the
bucket, so its waiting files are uploaded to <LAKEHOUSE_<DOMAIN>_S3_PREFIX>/to_process/ there.

A domain done leaves a marker, $LAKEHOUSE_HOME/.sample-data/<domain>.done, and is skipped on the
next `docker compose up`: loading again would re-create the app tables under running pipelines and
drop the sales files a second time (the ledger would only archive them as duplicates). A failed
domain leaves no marker, so the next `up` retries just that one. LOAD_SAMPLE_DATA=false skips all.
"""

from __future__ import annotations

import inspect
import os
import sys
import time
from pathlib import Path

OFF = {"0", "false", "no", "off"}


def upload_drop_files(settings, name: str) -> int:
    """The files the generator left in landing/<name>/to_process/, put into the bucket's drop folder."""
    import boto3

    from lakehouse.resources.file_drop import INCOMING

    client = boto3.client("s3", endpoint_url=settings.s3_endpoint, region_name=settings.aws_region)
    files = sorted(p for p in (settings.landing_root / name / INCOMING).iterdir() if p.is_file())
    prefix = f"{settings.landing_prefix(name)}/{INCOMING}"
    for path in files:
        client.upload_file(str(path), settings.s3_bucket, f"{prefix}/{path.name}")
    print(f"{name}: uploaded {len(files)} file(s) to s3://{settings.s3_bucket}/{prefix}/", flush=True)
    return len(files)


def load(settings, name: str, generate, domain) -> None:
    """One domain's files (and database); raises on failure."""
    from lakehouse.datagen.loading import redact

    kwargs = {}
    url = (os.environ.get(settings.database_url_variable(name)) or "").strip()
    if url and "db_url" in inspect.signature(generate).parameters:
        kwargs["db_url"] = url
    folder = settings.landing_root / name
    where = f" and {redact(url)}" if kwargs else ""
    print(f"{name}: generating into {folder}{where} ...", flush=True)
    began = time.perf_counter()
    report = generate(folder, **kwargs)
    print(f"{name}: {report.rows:,} rows, {report.first_date}..{report.last_date} "
          f"({time.perf_counter() - began:.1f} s)", flush=True)  # fmt: skip
    if settings.storage == "s3" and hasattr(domain, "DROP_RESOURCE"):
        upload_drop_files(settings, name)


def main() -> int:
    if os.environ.get("LOAD_SAMPLE_DATA", "true").strip().lower() in OFF:
        print("LOAD_SAMPLE_DATA is off: no sample data loaded")
        return 0
    from lakehouse.datagen import GENERATORS
    from lakehouse.datagen.loading import LoadError
    from lakehouse.domains import DOMAINS
    from lakehouse.settings import Settings

    settings = Settings.from_env()
    markers = Path(settings.home) / ".sample-data"
    markers.mkdir(parents=True, exist_ok=True)
    failed = []
    for name, generate in GENERATORS.items():
        marker = markers / f"{name}.done"
        if marker.exists():
            print(f"{name}: already loaded ({marker}); skipped", flush=True)
            continue
        try:
            load(settings, name, generate, DOMAINS[name])
        except Exception as error:  # e.g. S3 unreachable: say which domain and go on with the others
            # A LoadError's message is for people already (the URL with its password as ***).
            print(f"{name}: FAILED: {error if isinstance(error, LoadError) else f'{type(error).__name__}: {error}'}",
                  file=sys.stderr, flush=True)  # fmt: skip
            failed.append(name)
            continue
        marker.write_text(time.strftime("%Y-%m-%dT%H:%M:%SZ\n", time.gmtime()))
    if failed:
        print(f"sample data not loaded for: {', '.join(failed)} (the next `docker compose up` retries them)",
              file=sys.stderr)  # fmt: skip
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
