"""A local OpenID provider for the FranceConnect tests: django-oauth-toolkit's own OIDC
provider, run in a second process (``serve.py``) with its own SQLite database and keys made at
start. Each registered client shows one provider behaviour (see ``validator.MODES``)."""
