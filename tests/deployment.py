"""Reading the deployment files as Docker Compose reads them (no Docker engine runs here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml  # PyYAML comes with drf-spectacular

ROOT = Path(__file__).resolve().parents[1]

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $VAR; $$ is a "$".
_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
    r"|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\})"
)


def compose_file() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def interpolate(value: str, shell: dict[str, str]) -> str:
    """Compose's variable substitution, with `shell` as the environment of `docker compose`."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["bare"] or match["name"]
        op, arg = match["op"], match["arg"]
        value = shell.get(name)
        unset = value is None or (value == "" and op is not None and op.startswith(":"))
        if op and op.endswith("-"):
            return arg if unset else value
        if op and op.endswith("?"):
            if unset:
                raise ValueError(f"docker compose refuses to start: {name}: {arg}")
            return value
        return value or ""

    return _INTERPOLATION.sub(replace, value)


def compose_service_environment(service: str, shell: dict[str, str]) -> dict[str, str]:
    """The environment a service's container gets when `shell` runs `docker compose up`."""
    environment = compose_file()["services"][service]["environment"]
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: interpolate(str(value), shell) for key, value in environment.items()}


def env_example() -> dict[str, str]:
    """.env.example as compose reads an .env: `NAME=value` lines, comments skipped."""
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


#: What an operator writes into the blanks of .env.example.
OPERATOR_SECRETS = {
    "DJANGO_SECRET_KEY": "compose-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH",
    "POSTGRES_PASSWORD": "compose-db-password",
}


def operator_shell(**overrides: str) -> dict[str, str]:
    """The .env an operator makes from .env.example: its values, the blanks filled."""
    shell = env_example()
    for name, value in OPERATOR_SECRETS.items():
        if not shell.get(name):
            shell[name] = value
    shell.update(overrides)
    return shell
