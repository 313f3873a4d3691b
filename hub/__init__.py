"""Passerelle: the Django project package (settings, URLs, API plumbing) and its core apps."""
