"""WSGI entry point (gunicorn hub.wsgi)."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from hub.env import ConfigError  # noqa: E402

try:
    application = get_wsgi_application()
except ConfigError as exc:
    sys.stderr.write(f"configuration error: {exc}\n")
    sys.exit(2)
