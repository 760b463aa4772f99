"""A throwaway MariaDB server (the seed's MySQL) on a free loopback port, from the installed server binaries."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from lakehouse_tests.pg_server import PASSWORD, _free_port

USER = "lakehouse"
DATABASE = "sales"


def _binary(name: str) -> str:
    found = shutil.which(name) or next((str(p) for p in (Path("/usr/sbin") / name,) if p.exists()), None)
    if not found:
        raise RuntimeError(f"MariaDB server binary {name!r} not found: apt-get install mariadb-server")
    return found


@dataclass
class MariaDbServer:
    folder: Path
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def socket(self) -> Path:
        return self.folder / "mysqld.sock"

    def url(self, password: str | None = PASSWORD, database: str = DATABASE) -> str:
        auth = f"{USER}:{password}" if password is not None else USER
        return f"mysql://{auth}@127.0.0.1:{self.port}/{database}"

    def start(self) -> MariaDbServer:
        data = self.folder / "data"
        data.mkdir(parents=True)
        # The server refuses to run as root: as root, it runs as the `mysql` system user.
        user = "mysql" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        if os.geteuid() == 0:
            account = pwd.getpwnam("mysql")
            for path in (self.folder, data):
                os.chown(path, account.pw_uid, account.pw_gid)
        done = subprocess.run(
            [_binary("mariadb-install-db"), f"--datadir={data}", f"--user={user}", "--auth-root-authentication-method=normal",
             "--skip-test-db", "--skip-name-resolve"],
            capture_output=True, text=True, cwd="/",
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"mariadb-install-db failed ({done.returncode}): {done.stderr or done.stdout}")
        self.port = _free_port()
        self.process = subprocess.Popen(
            [_binary("mariadbd"), "--no-defaults", f"--datadir={data}", f"--port={self.port}", f"--socket={self.socket}",
             "--bind-address=127.0.0.1", f"--user={user}", "--skip-name-resolve", "--innodb-flush-log-at-trx-commit=0",
             f"--log-error={self.folder / 'server.log'}", f"--pid-file={self.folder / 'server.pid'}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/",
        )  # fmt: skip
        self._create_user()
        return self

    def _create_user(self) -> None:
        import pymysql

        deadline = time.monotonic() + 30
        while True:
            try:
                db = pymysql.connect(unix_socket=str(self.socket), user="root", password="", autocommit=True)
                break
            except pymysql.err.OperationalError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    log = (self.folder / "server.log").read_text() if (self.folder / "server.log").exists() else ""
                    raise RuntimeError(f"MariaDB did not start: {log[-2000:]}") from None
                time.sleep(0.2)
        with db.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {DATABASE}")
            cursor.execute(f"CREATE USER '{USER}'@'127.0.0.1' IDENTIFIED BY %s", (PASSWORD,))
            cursor.execute(f"GRANT ALL ON {DATABASE}.* TO '{USER}'@'127.0.0.1'")
        db.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)
