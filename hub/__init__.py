"""Passerelle: the Django project package (settings, URLs, API plumbing) and its core apps."""

# Load the Celery app with Django so that ``shared_task`` binds to it (``celery -A hub``).
from hub.celery import app as celery_app  # noqa: E402

__all__ = ["celery_app"]
