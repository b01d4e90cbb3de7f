"""Checks the deployment files without a container engine (.ci/run, docs/deploy.md "Checking the files").

* docker-compose.yml: ``docker compose config -q`` when the Compose plugin is installed; otherwise a YAML
  parse (PyYAML, merge keys resolved) and the checks Compose itself would make: every service has an image or
  a build, depends_on names services with a known condition, named volumes are declared, ports are
  "host:container", the env_file exists (or .env.example documents it).
* Dockerfile: a small linter for the hadolint rules that matter to this image (hadolint is not installed):
  DL3006/DL3007 base images pinned by tag, never ``latest``; DL3000 absolute WORKDIR; DL3002 the last USER is
  not root; DL3003 no ``cd`` in RUN (use WORKDIR); DL3020 COPY rather than ADD for local files; DL3025 CMD and
  ENTRYPOINT in JSON form; DL3042 pip without its cache; DL4000 no MAINTAINER; DL4003 one CMD per stage;
  plus: a HEALTHCHECK, and no secret-looking ENV/ARG with a value.

Exit status 1 with one line per problem. Usage: python scripts/check_deploy.py [--compose FILE] [--dockerfile FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
SECRET_NAME = re.compile(r"(?i)(secret|password|token|api_key|private_key|encryption_keys?)$")


def _compose_plugin() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)  # noqa: S607
    return probe.returncode == 0


def check_compose(path: Path) -> list[str]:
    if _compose_plugin():
        command = ["docker", "compose", "-f", str(path), "config", "-q"]
        answer = subprocess.run(command, capture_output=True, text=True, cwd=path.parent)  # noqa: S603
        return (
            [f"{path.name}: {line}" for line in answer.stderr.splitlines() if line.strip()]
            if answer.returncode
            else []
        )
    import yaml

    problems: list[str] = []
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        return [f"{path.name}: not valid YAML: {exc}"]
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict) or not data["services"]:
        return [f"{path.name}: no services"]
    services: dict = data["services"]
    volumes = set((data.get("volumes") or {}).keys())
    for name, service in services.items():
        where = f"{path.name}: service {name!r}"
        if not isinstance(service, dict):
            problems.append(f"{where}: not a mapping")
            continue
        if "image" not in service and "build" not in service:
            problems.append(f"{where}: neither image nor build")
        depends = service.get("depends_on") or {}
        items = depends.items() if isinstance(depends, dict) else ((d, {}) for d in depends)
        for target, rule in items:
            if target not in services:
                problems.append(f"{where}: depends_on unknown service {target!r}")
            condition = (rule or {}).get("condition", "service_started")
            if condition not in CONDITIONS:
                problems.append(f"{where}: unknown depends_on condition {condition!r}")
            blind = (
                target in services
                and "healthcheck" not in services[target]
                and "build" not in services[target]
            )
            if condition == "service_healthy" and blind:
                problems.append(f"{where}: waits for {target!r} to be healthy but it has no healthcheck")
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0] if isinstance(volume, str) else (volume or {}).get("source", "")
            if source and not source.startswith((".", "/", "~")) and source not in volumes:
                problems.append(f"{where}: volume {source!r} is not declared under volumes:")
        for port in service.get("ports") or []:
            if isinstance(port, str) and not re.fullmatch(
                r"(\d+\.\d+\.\d+\.\d+:)?\d+(:\d+)?(/(tcp|udp))?", port
            ):
                problems.append(f"{where}: port {port!r} is not host:container")
        env_files = service.get("env_file") or []
        for env_file in [env_files] if isinstance(env_files, str) else env_files:
            file_name = env_file if isinstance(env_file, str) else env_file.get("path", "")
            required = True if isinstance(env_file, str) else env_file.get("required", True)
            if (
                required
                and not (path.parent / file_name).exists()
                and not (path.parent / f"{file_name}.example").exists()
            ):
                problems.append(
                    f"{where}: env_file {file_name!r} missing and no {file_name}.example documents it"
                )
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
        for key, value in environment.items():
            if SECRET_NAME.search(key) and value and "${" not in str(value):
                problems.append(f"{where}: {key} has a literal value (put secrets in .env)")
    return problems


def _instructions(text: str) -> list[tuple[int, str, str]]:
    """(line, INSTRUCTION, arguments) with continuations joined and comments dropped."""
    found: list[tuple[int, str, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if buffer and line.startswith("#"):
            continue
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        keyword, _, arguments = buffer.partition(" ")
        found.append((start, keyword.upper(), arguments.strip()))
        buffer = ""
    return found


def check_dockerfile(path: Path) -> list[str]:
    problems: list[str] = []
    instructions = _instructions(path.read_text())
    stages: list[str] = []
    user = "root"
    cmds_in_stage = 0
    healthcheck = False
    for line, keyword, arguments in instructions:
        where = f"{path.name}:{line}"
        if keyword == "FROM":
            image = arguments.split()[0]
            stages_named = {s.lower() for s in stages}
            if image.lower() not in stages_named and image != "scratch":
                if ":" not in image.rsplit("/", 1)[-1] and "@" not in image:
                    problems.append(f"{where}: DL3006 pin the base image {image!r} with a tag")
                elif image.endswith(":latest"):
                    problems.append(f"{where}: DL3007 do not use the latest tag ({image})")
            if " AS " in arguments.upper():
                stages.append(arguments.split()[-1])
            user, cmds_in_stage = "root", 0
        elif keyword == "WORKDIR" and not arguments.startswith(("/", "$")):
            problems.append(f"{where}: DL3000 use an absolute WORKDIR")
        elif keyword == "USER":
            user = arguments.split(":")[0]
        elif keyword == "ADD" and not re.search(r"https?://|\.tar", arguments):
            problems.append(f"{where}: DL3020 use COPY for files and folders")
        elif keyword == "MAINTAINER":
            problems.append(f"{where}: DL4000 MAINTAINER is deprecated (use a LABEL)")
        elif keyword == "RUN":
            if re.search(r"(^|&&|;)\s*cd\s", arguments):
                problems.append(f"{where}: DL3003 use WORKDIR to switch to a directory")
            pip_cached = re.search(r"\bpip3?\b.*\binstall\b", arguments) and "--no-cache-dir" not in arguments
            if pip_cached and not any(k == "ENV" and "PIP_NO_CACHE_DIR=1" in a for _, k, a in instructions):
                problems.append(f"{where}: DL3042 pip install without --no-cache-dir (or PIP_NO_CACHE_DIR=1)")
            if "apt-get install" in arguments and "--no-install-recommends" not in arguments:
                problems.append(f"{where}: DL3015 apt-get install without --no-install-recommends")
        elif keyword in ("CMD", "ENTRYPOINT"):
            try:
                parsed = json.loads(arguments)
            except ValueError:
                parsed = None
            if not isinstance(parsed, list):
                problems.append(f"{where}: DL3025 use the JSON form for {keyword}")
            if keyword == "CMD":
                cmds_in_stage += 1
                if cmds_in_stage > 1:
                    problems.append(f"{where}: DL4003 more than one CMD in a stage")
        elif keyword == "HEALTHCHECK":
            healthcheck = True
        elif keyword in ("ENV", "ARG"):
            for name, value in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", arguments):
                if SECRET_NAME.search(name) and value:
                    problems.append(f"{where}: {keyword} {name} carries a secret into the image")
    if user in ("root", "0"):
        problems.append(f"{path.name}: DL3002 the image runs as root (add a USER)")
    if not healthcheck:
        problems.append(f"{path.name}: no HEALTHCHECK")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compose", type=Path, default=ROOT / "docker-compose.yml")
    parser.add_argument("--dockerfile", type=Path, default=ROOT / "Dockerfile")
    args = parser.parse_args()
    problems = check_compose(args.compose) + check_dockerfile(args.dockerfile)
    for problem in problems:
        print(problem)
    how = "docker compose config" if _compose_plugin() else "YAML and Compose rules"
    print(
        f"deploy files: {len(problems)} problem(s) ({args.compose.name} by {how}, {args.dockerfile.name} linted)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
