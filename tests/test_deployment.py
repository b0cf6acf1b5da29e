"""The deployment files: .dockerignore and the Makefile's Python check (docker-compose.yml:
tests/test_compose.py).

No Docker engine runs where the tests run, so these read the files and apply the rules
Docker applies.
"""

import glob
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.deployment import ROOT

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
        "backups/20261129T120000Z/db.dump",  # scripts/backup.sh's output: every user's data
        "deploy/nginx/chat.conf.template",  # the proxy's image has it, the app's not
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
