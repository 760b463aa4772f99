"""A throwaway PostgreSQL server on a free loopback port, from the installed server binaries."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

USER = "lakehouse"
TRUSTED_USER = "laptop"  # a role the server lets in without a password (trust), as on many laptops
PASSWORD = secrets.token_urlsafe(16)  # made per test run: the server lives on loopback only
DATABASE = "app"


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise RuntimeError(f"PostgreSQL server binary {name!r} not found: apt-get install postgresql")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresServer:
    folder: Path
    port: int = 0

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, password: str | None = PASSWORD, database: str = DATABASE) -> str:
        auth = f"{USER}:{password}" if password is not None else USER
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        # The server refuses to run as root: run it as the `postgres` system user then.
        user = "postgres" if os.geteuid() == 0 else None
        done = subprocess.run(args, capture_output=True, text=True, user=user, cwd="/")
        if done.returncode:
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr or done.stdout}")

    def start(self) -> PostgresServer:
        data = self.folder / "data"
        data.mkdir(parents=True)
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            for path in (self.folder, data):
                os.chown(path, account.pw_uid, account.pw_gid)
        pwfile = self.folder / "pwfile"
        pwfile.write_text(PASSWORD)
        if os.geteuid() == 0:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        self._run(
            _binary("initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}",
            "--auth=scram-sha-256", "--encoding=UTF8", "--no-sync",
        )  # fmt: skip
        hba = data / "pg_hba.conf"  # first match wins: the trusted role's line goes first
        hba.write_text(f"host all {TRUSTED_USER} 127.0.0.1/32 trust\n" + hba.read_text())
        self.port = _free_port()
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{self.folder}' "
            "-c fsync=off -c log_statement=all"
        )
        self._run(_binary("pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.log), "-w", "start")
        self._create_database()
        return self

    def _create_database(self) -> None:
        import psycopg

        deadline = time.monotonic() + 20
        while True:
            try:
                with psycopg.connect(self.url(database="postgres"), autocommit=True) as conn:
                    conn.execute(f"CREATE DATABASE {DATABASE}")
                    conn.execute(f"CREATE ROLE {TRUSTED_USER} LOGIN")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        self._run(_binary("pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
