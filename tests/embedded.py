"""``manage.py`` run in a child process on the embedded default (no ``DATABASE_URL``, no
secrets in the environment), the way ``make run`` runs it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def embedded_env(var_dir) -> dict:
    """This process's environment without the production settings, the files in ``var_dir``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "NIR_HASH_KEY", "DATABASE_URL", "DEBUG")
    }
    env["PASSERELLE_VAR_DIR"] = str(var_dir)
    return env


def manage(*args, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
