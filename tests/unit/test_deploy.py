"""docker-compose.yml cannot run on these machines, so it is kept honest by reading it:
the same images, ports and settings as endpoints.clinic.yml, run.sh and the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
RASA = [name for name in SERVICES if name.startswith("rasa")]
ENDPOINT_VARS = {name for line in (ROOT / "endpoints.clinic.yml").read_text().splitlines()
                 if not line.lstrip().startswith("#") for name in re.findall(r"\$\{(\w+)\}", line)}


def test_two_rasa_servers_one_action_server_postgres_and_redis():
    assert len(RASA) == 2 and {"actions", "postgres", "redis"} <= set(SERVICES)
    assert SERVICES["postgres"]["image"].startswith("postgres:15")  # the Debian 12 major version
    assert SERVICES["redis"]["image"].startswith("redis:7")
    assert "FROM python:3.10" in (ROOT / "Dockerfile").read_text()


@pytest.mark.parametrize("name", RASA)
def test_each_rasa_server_gets_every_setting_endpoints_clinic_reads(name):
    env = SERVICES[name]["environment"]
    assert env["ENDPOINTS"] == "endpoints.clinic.yml"
    assert ENDPOINT_VARS <= set(env), ENDPOINT_VARS - set(env)
    postgres, redis = SERVICES["postgres"]["environment"], SERVICES["redis"]["command"]
    assert env["DB_HOST"] == "postgres" and env["DB_PORT"] == "5432"
    assert env["DB_NAME"] == postgres["POSTGRES_DB"] and env["DB_USER"] == postgres["POSTGRES_USER"]
    assert env["DB_PASSWORD"] == postgres["POSTGRES_PASSWORD"]
    assert env["REDIS_HOST"] == "redis" and env["REDIS_PORT"] == "6379"
    assert redis[redis.index("--requirepass") + 1] == env["REDIS_PASSWORD"]
    actions = SERVICES["actions"]["environment"]
    assert env["ACTION_SERVER_URL"] == f"http://actions:{actions['ACTION_PORT']}/webhook"
    assert int(env["SANIC_WORKERS"]) > 1 and env["RASA_TELEMETRY_ENABLED"] == "false"


def test_secrets_come_from_the_environment_and_only_rasa_is_published_on_loopback():
    text = (ROOT / "docker-compose.yml").read_text()
    for secret in ("DB_PASSWORD", "REDIS_PASSWORD"):
        assert re.search(rf"\$\{{{secret}:\?", text), f"{secret} must be required from the environment"
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            assert name in RASA and port.startswith("127.0.0.1:")
    assert {SERVICES[name]["ports"][0].split(":")[1] for name in RASA} == {"5005", "5006"}


def test_commands_are_run_sh_modes_that_exist():
    run = (ROOT / "scripts" / "run.sh").read_text()
    for name in ["actions", *RASA]:
        command = SERVICES[name]["command"]
        assert command[:2] == ["bash", "scripts/run.sh"] and f"  {command[2]})" in run or \
            f'"$mode" = {command[2]}' in run


def test_readme_names_the_same_images_and_settings():
    readme = (ROOT / "README.md").read_text()
    for word in ["docker-compose.yml", "postgres:15", "redis:7", "make run-clinic",
                 *sorted(ENDPOINT_VARS)]:
        assert word in readme, word


def test_the_readme_folder_map_matches_the_tree():
    """Every folder of the repository, and every module of the packages, is in the map."""
    import subprocess

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Folder map"):readme.index("## The clinic widget")]
    mapped = set(re.findall(r"`([^`]+)`", table))
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    folders = {path.split("/")[0] + "/" for path in tracked if "/" in path}
    missing = [f for f in sorted(folders) if not any(m == f or m.startswith(f) for m in mapped)]
    assert not missing, f"folders not in the README's map: {missing}"
    for package in ("bring_it_up", "actions", "components", "service"):
        row = next(line for line in table.splitlines() if line.startswith(f"| `{package}/`"))
        modules = {p.name for p in (ROOT / package).glob("*.py") if p.name != "__init__.py"}
        unnamed = [m for m in sorted(modules) if f"`{m}`" not in row]
        assert not unnamed, f"{package}/ modules not in the README's map: {unnamed}"
