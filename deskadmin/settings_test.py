"""Test settings: the embedded profile, with plain static storage (no collectstatic needed)."""

import os
import tempfile
from pathlib import Path

from deskadmin.settings import *  # noqa: F403
from deskadmin.settings import CACHES, DATABASES, STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# SQLite test databases live in files, not in memory: an in-memory database is one connection shared
# by the live server's threads, which hides (and sometimes causes) concurrency bugs. A file per
# alias and per test process gives every thread its own connection, as in the real deployment.
_TEST_DB_DIR = Path(tempfile.gettempdir()) / "deskadmin-tests"
_TEST_DB_DIR.mkdir(exist_ok=True)
for _alias, _config in DATABASES.items():
    if _config["ENGINE"] == "django.db.backends.sqlite3":
        _config["TEST"] = {"NAME": str(_TEST_DB_DIR / f"test_{_alias}_{os.getpid()}.sqlite3")}
    elif _config["ENGINE"] == "django.db.backends.postgresql":
        # The stock backend, flushing with DELETE between live-server tests (see its docstring).
        _config["ENGINE"] = "tests.pgbackend"

# Files the code writes at run time (sandbox attachments and the like) go to a folder per test
# process, apart from the demo's var/ and from parallel test workers.
DATA_DIR = _TEST_DB_DIR / f"data-{os.getpid()}"
DATA_DIR.mkdir(exist_ok=True)

# Each test process keeps its own cache (the API budget), unless CACHE_URL names a shared one (CI's
# Redis run): the embedded profile's file cache under var/ would be shared by parallel test workers.
if not os.environ.get("CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
elif "redis" in CACHES["default"]["BACKEND"].lower():
    # A shared Redis (CI's production-configuration run): one database per test worker, so one worker's
    # cache.clear() or spent credits never reach another worker's test of the same sandbox org.
    _worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    _location = str(CACHES["default"]["LOCATION"])
    _base, _, _db = _location.rpartition("/")
    if _db.isdigit():
        CACHES["default"]["LOCATION"] = f"{_base}/{int(_db) + _worker}"
