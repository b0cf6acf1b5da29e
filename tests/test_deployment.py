"""The deployment files: .dockerignore, docker-compose.yml, the Makefile's Python check.

No Docker engine runs where the tests run, so these read the files and apply the rules
Docker and Compose apply; the live server behind them is tested in
tests/e2e/test_compose_deployment.py.
"""

import glob
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.deployment import ROOT, compose_file, compose_service_environment, interpolate

# --- .dockerignore ---------------------------------------------------------------------------


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    """(is an exception `!`, pattern) per line, as Docker reads them from the context root."""
    rules = []
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = os.path.normpath(line.removeprefix("!").strip()).lstrip("/")
        regex = glob.translate(pattern, recursive=True, include_hidden=True, seps="/")
        rules.append((negate, re.compile(regex)))
    return rules


def docker_excludes(path: str) -> bool:
    """Docker's rule: the last pattern that matches the path or a folder above it decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    excluded = False
    for negate, regex in dockerignore_rules():
        if any(regex.match(candidate) for candidate in candidates):
            excluded = not negate
    return excluded


@pytest.mark.parametrize(
    "path",
    [
        ".env",  # DJANGO_SECRET_KEY and friends: `COPY . .` baked it into the image
        ".env.production",
        "chat_project/.env",
        ".venv/bin/python",
        ".git/HEAD",
        "db.sqlite3",
        "staticfiles/staticfiles.json",
        "__pycache__/conftest.cpython-313-pytest-8.4.2.pyc",
        "accounts/__pycache__/models.cpython-313.pyc",
        "accounts/tests/__pycache__/test_api.cpython-313-pytest-8.4.2.pyc",
        ".pytest_cache/README.md",
        ".ruff_cache/CACHEDIR.TAG",
        "docs/screenshots/chat.png",
    ],
)
def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image(path):
    assert docker_excludes(path), f"{path} would be copied into the image"


@pytest.mark.parametrize(
    "path",
    [
        "manage.py",
        "requirements.txt",
        "chat_project/settings/production.py",
        "chat_project/asgi.py",
        "accounts/migrations/0001_initial.py",
        "messaging/migrations/0002_content_fts_index.py",
        "templates/base.html",
        "static/chat/lib/socket.js",
    ],
)
def test_dockerignore_keeps_what_the_image_runs(path):
    assert (ROOT / path).exists(), path
    assert not docker_excludes(path)


# --- docker-compose.yml ----------------------------------------------------------------------

#: What the README asks the operator to set before `docker compose up`.
README_SHELL = {"DJANGO_SECRET_KEY": "a-long-random-secret", "DJANGO_ALLOWED_HOSTS": "server"}


def test_compose_interpolation_follows_compose_rules():
    shell = {"SET": "x", "EMPTY": ""}
    assert interpolate("${SET:-d} ${EMPTY:-d} ${UNSET:-d} ${EMPTY-d} ${UNSET-d}", shell) == (
        "x d d  d"
    )
    assert interpolate("$SET ${SET} $$SET ${UNSET}", shell) == "x x $SET "
    with pytest.raises(ValueError, match="set it"):
        interpolate("${EMPTY:?set it}", shell)


def test_compose_default_is_production_over_plain_http():
    environment = compose_service_environment("web", README_SHELL)
    assert environment["DJANGO_SETTINGS_MODULE"] == "chat_project.settings.production"
    assert environment["DJANGO_ALLOWED_HOSTS"] == "server"
    # Plain HTTP to try it out: no redirect, and cookies a browser keeps over http://.
    assert environment["DJANGO_SECURE_SSL_REDIRECT"] == "false"
    assert environment["DJANGO_SECURE_COOKIES"] == "false"


def test_compose_https_switches_come_from_the_shell():
    environment = compose_service_environment(
        "web",
        {**README_SHELL, "DJANGO_SECURE_SSL_REDIRECT": "true", "DJANGO_SECURE_COOKIES": "true"},
    )
    assert environment["DJANGO_SECURE_SSL_REDIRECT"] == "true"
    assert environment["DJANGO_SECURE_COOKIES"] == "true"


def test_compose_publishes_the_web_port_where_the_operator_says():
    (ports,) = compose_file()["services"]["web"]["ports"]
    assert interpolate(ports, README_SHELL) == "8000:8000"  # every interface: other machines
    behind_proxy = {**README_SHELL, "WEB_PUBLISH": "127.0.0.1:8000"}
    assert interpolate(ports, behind_proxy) == "127.0.0.1:8000:8000"


def test_compose_refuses_to_start_without_a_secret_key():
    with pytest.raises(ValueError, match="DJANGO_SECRET_KEY"):
        compose_service_environment("web", {"DJANGO_ALLOWED_HOSTS": "server"})


def test_compose_services_are_health_checked():
    services = compose_file()["services"]
    assert services["web"]["healthcheck"]["test"][:3] == ["CMD", "python", "-c"]
    assert "http://127.0.0.1:8000/health" in services["web"]["healthcheck"]["test"][3]
    for dependency, condition in services["web"]["depends_on"].items():
        assert condition == {"condition": "service_healthy"}, dependency
        assert "healthcheck" in services[dependency]


def docker_compose_available() -> bool:
    if not shutil.which("docker"):
        return False
    version = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
    )
    return version.returncode == 0


@pytest.mark.skipif(not docker_compose_available(), reason="the docker compose plugin is absent")
def test_docker_compose_config_accepts_the_file():
    """Where the compose client exists, it validates the file itself (no engine needed)."""
    result = subprocess.run(
        ["docker", "compose", "config", "--quiet"],
        cwd=ROOT,
        env={**os.environ, **README_SHELL},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- Makefile: the Python check before the venv ----------------------------------------------

PYTHON_NEEDED = ".".join((ROOT / ".python-version").read_text().strip().split(".")[:2])
needs_make = pytest.mark.skipif(not shutil.which("make"), reason="make is not installed")


def run_make(*args: str) -> subprocess.CompletedProcess[str]:
    # A make of its own, not a sub-make of `make test` (CI): no inherited MAKELEVEL.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def fake_python(folder, version: str):
    """An interpreter that answers every question with its version, as `X.Y`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "python"
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return path


def our_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """What the Makefile printed, without make's own 'make: *** ... Error 1'."""
    lines = (result.stdout + result.stderr).splitlines()
    return [line for line in lines if not re.match(r"make(\[\d+\])?: \*\*\*", line)]


@needs_make
@pytest.mark.parametrize("target", ["run", "test", "python-check"])
def test_make_with_an_old_python_says_what_to_install_in_one_line(tmp_path, target):
    venv = tmp_path / "venv"
    old = fake_python(tmp_path / "old", "3.11")
    result = run_make(target, f"VENV={venv}", f"PYTHON={old}")
    assert result.returncode != 0
    assert our_lines(result) == [
        f"Python {PYTHON_NEEDED} or newer is needed ({old} is Python 3.11): install it (pyenv "
        f"install {PYTHON_NEEDED}, or your system's python{PYTHON_NEEDED} package) or run make "
        f"PYTHON=/path/to/python{PYTHON_NEEDED}."
    ]
    assert not venv.exists(), "the venv was made with the old Python"


def old_system_pythons() -> list[str]:
    found = []
    for candidate in ("/usr/bin/python3.11", "/usr/bin/python3.10", "/usr/bin/python3"):
        if not os.access(candidate, os.X_OK):
            continue
        version = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info[:2] < (3, 13))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if version.stdout.strip() == "True":
            found.append(candidate)
    return found[:1]


@needs_make
@pytest.mark.parametrize("python", old_system_pythons() or [None])
def test_make_run_with_a_real_old_python_stops_before_pip(tmp_path, python):
    if python is None:
        pytest.skip("no Python older than 3.13 on this machine")
    venv = tmp_path / "venv"
    result = run_make("run", f"VENV={venv}", f"PYTHON={python}")
    assert result.returncode != 0
    (line,) = our_lines(result)
    assert line.startswith(f"Python {PYTHON_NEEDED} or newer is needed ({python} is Python 3.")
    assert not venv.exists()


@needs_make
def test_make_names_a_missing_python(tmp_path):
    result = run_make("run", f"VENV={tmp_path / 'venv'}", f"PYTHON={tmp_path / 'python3.13'}")
    assert result.returncode != 0
    (line,) = our_lines(result)
    assert f"({tmp_path / 'python3.13'} could not be run)" in line


@needs_make
def test_make_refuses_a_venv_an_old_python_made(tmp_path):
    """An earlier `make run` on an old Python left a broken .venv behind: say to remove it."""
    venv = tmp_path / "venv"
    fake_python(venv / "bin", "3.11")
    result = run_make("python-check", f"VENV={venv}", f"PYTHON={sys.executable}")
    assert result.returncode != 0
    assert our_lines(result) == [
        f"Python {PYTHON_NEEDED} or newer is needed ({venv}/bin/python is Python 3.11): "
        f"remove {venv} (make clean) and run again."
    ]


@needs_make
@pytest.mark.parametrize("version", [PYTHON_NEEDED, "3.99", "4.0"])
def test_make_python_check_accepts_the_needed_python_and_newer(tmp_path, version):
    python = fake_python(tmp_path / "new", version)
    result = run_make("python-check", f"VENV={tmp_path / 'venv'}", f"PYTHON={python}")
    assert result.returncode == 0, result.stderr
    assert our_lines(result) == []
