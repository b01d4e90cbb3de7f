"""The production profile passes Django's deployment checks; the embedded one needs nothing."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(env_overrides, *args, unset=()):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE" and k not in unset}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "deskadmin.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_profile_passes_check_deploy(tmp_path):
    result = _run(
        {
            "DESKADMIN_PROFILE": "production",
            "DESKADMIN_DATA_DIR": str(tmp_path),
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "ALLOWED_HOSTS": "deskadmin.example.org",
            "DATABASE_URL": "postgres://deskadmin@db.invalid:5432/deskadmin",
            "CACHE_URL": "rediscache://cache.invalid:6379/1",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_profile_refuses_to_start_without_a_secret_key(tmp_path):
    result = _run(
        {"DESKADMIN_PROFILE": "production", "DESKADMIN_DATA_DIR": str(tmp_path), "SECRET_KEY": ""}, "check"
    )
    assert result.returncode != 0


def test_embedded_profile_needs_no_environment(tmp_path):
    env = {"DESKADMIN_DATA_DIR": str(tmp_path)}
    for name in ("DATABASE_URL", "CACHE_URL", "SECRET_KEY", "DESKADMIN_PROFILE", "SANDBOX_DATABASE_URL"):
        env[name] = ""
    result = _run({"DESKADMIN_DATA_DIR": str(tmp_path)}, "check")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").exists()


def test_embedded_profile_shares_api_credits_between_processes(tmp_path):
    """The web server and the task worker are two processes: what the worker's Desk calls spent must
    show on the web's meter, so the embedded cache is a file cache under the data folder."""
    env = {"DESKADMIN_DATA_DIR": str(tmp_path), "DESKADMIN_PROFILE": "embedded"}
    unset = ("CACHE_URL", "DATABASE_URL", "SANDBOX_DATABASE_URL")
    worker = _run(
        env,
        "shell",
        "-c",
        "from apps.desk.budget import OrgBudget; "
        "OrgBudget('700001').learn({'X-Rate-Limit-Request-Weight-v3': '3', "
        "'X-Rate-Limit-Remaining-v3': '4997'}, expected_weight=3)",
        unset=unset,
    )
    assert worker.returncode == 0, worker.stderr
    web = _run(
        env,
        "shell",
        "-c",
        "from apps.desk.budget import api_usage; u = api_usage('700001'); "
        "print(u.credits_used_today, u.credits_left)",
        unset=unset,
    )
    assert web.returncode == 0, web.stderr
    assert web.stdout.strip().splitlines()[-1].split() == ["3", "4997"]
    assert (tmp_path / "cache").is_dir()
