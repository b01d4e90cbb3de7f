"""scripts/check_deploy.py (run by .ci/run): the repository's compose file and Dockerfile pass, and the checks
catch what they claim to (no container engine needed)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))

import check_deploy  # noqa: E402


def test_the_repository_files_pass():
    assert check_deploy.check_compose(ROOT / "docker-compose.yml") == []
    assert check_deploy.check_dockerfile(ROOT / "Dockerfile") == []


def test_a_bad_dockerfile_and_compose_file_are_caught(tmp_path, monkeypatch):
    monkeypatch.setattr(check_deploy, "_compose_plugin", lambda: False)
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "FROM python\nFROM redis:latest\nADD . /app\nWORKDIR app\nENV API_TOKEN=abc\n"
        "RUN cd /app && pip install -r requirements.txt\nCMD gunicorn app\n"
    )
    problems = "\n".join(check_deploy.check_dockerfile(dockerfile))
    for rule in (
        "DL3006",
        "DL3007",
        "DL3020",
        "DL3000",
        "DL3003",
        "DL3042",
        "DL3025",
        "DL3002",
        "HEALTHCHECK",
    ):
        assert rule in problems, rule
    assert "API_TOKEN" in problems
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(
        "services:\n  web:\n    build: .\n    depends_on: {db: {condition: service_ready}, cache: {}}\n"
        "    volumes: ['data:/data']\n    environment: {DB_PASSWORD: hunter2}\n  db:\n    image: postgres:16\n"
    )
    problems = "\n".join(check_deploy.check_compose(compose))
    for expected in ("service_ready", "'cache'", "'data' is not declared", "DB_PASSWORD"):
        assert expected in problems, expected
