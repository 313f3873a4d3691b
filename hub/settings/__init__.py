"""Passerelle settings, driven by the environment, with an embedded default.

Without any variable set, the hub runs on a SQLite file with Celery tasks executed eagerly
(``make run``). Production sets ``DATABASE_URL``, ``CELERY_BROKER_URL``, ``SECRET_KEY``,
``NIR_HASH_KEY`` and ``ALLOWED_HOSTS``; see README.md. The framework's settings are in
``core``, the apps' own in ``apps``.
"""

from hub.settings.apps import *  # noqa: F403, E402
from hub.settings.core import *  # noqa: F403
