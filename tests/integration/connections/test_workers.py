"""Separate worker processes on one SQLite file: an expired token is still refreshed exactly once.

The thread test shows the in-process lock; this one shows the database lock that separate
processes (web workers, task workers) rely on. It runs real `manage.py shell` processes against a
fresh SQLite database in a temporary folder and a tiny accounts server in this process.
"""

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[3]
WORKERS = 4


class AccountsHandler(BaseHTTPRequestHandler):
    refreshes = 0
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with AccountsHandler.lock:
            AccountsHandler.refreshes += 1
            number = AccountsHandler.refreshes
        # Slow like a real accounts server, so the workers really overlap while this one is in flight.
        time.sleep(0.3)
        body = json.dumps({"access_token": f"1000.worker-token-{number}", "expires_in": 3600}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


SETUP = """
from datetime import timedelta
from django.utils import timezone
from apps.connections.models import DeskConnection
c = DeskConnection(org_id="7001", org_name="Acme", data_center="us", accounts_url="{accounts}",
                   api_domain="https://desk.zoho.com", client_id="1000.C", grant_id="g")
c.set_client_secret("s")
c.set_refresh_token("1000.r")
c.set_access_token("1000.old", expires_at=timezone.now() - timedelta(minutes=1))
c.save()
print(c.pk)
"""

WORK = """
import os, time
from apps.connections.tokens import refresh_connection_token
while not os.path.exists("{go}"):
    time.sleep(0.01)
print(refresh_connection_token(connection_id={pk})[0])
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")
def test_worker_processes_refresh_an_expired_token_exactly_once(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), AccountsHandler)
    AccountsHandler.refreshes = 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    accounts = f"http://127.0.0.1:{server.server_address[1]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "deskadmin.settings_test",
        "DESKADMIN_DATA_DIR": str(tmp_path),
        "DESK_SANDBOX": "false",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SECRET_KEY": "workers-test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'workers.sqlite3'}",
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    try:
        subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT, timeout=120)
        setup = subprocess.run(
            [*manage, "shell", "-c", SETUP.format(accounts=accounts)],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        pk = int(setup.stdout.strip().splitlines()[-1])
        go = tmp_path / "go"
        code = WORK.format(go=go, pk=pk)
        workers = [
            subprocess.Popen(
                [*manage, "shell", "-c", code],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(WORKERS)
        ]
        time.sleep(3)  # let every worker start Django and wait at the line
        go.write_text("go")
        results = [worker.communicate(timeout=120) for worker in workers]
    finally:
        server.shutdown()
    assert [w.returncode for w in workers] == [0] * WORKERS, [err[-500:] for _, err in results]
    tokens = {out.strip().splitlines()[-1] for out, _ in results}
    assert tokens == {"1000.worker-token-1"}
    assert AccountsHandler.refreshes == 1
