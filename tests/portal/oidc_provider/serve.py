"""Start the test OpenID provider:
``python -m tests.portal.oidc_provider.serve DB_PATH [PORTAL_BASE_URL]``.

Binds a free port on 127.0.0.1 first, so that the issuer is known before Django starts; then
migrates its SQLite database, registers the test person and clients, and prints
``READY <port>`` once it serves.
"""

import os
import sys

USERNAME, PASSWORD = "marie.martin", "mot-de-passe-du-fournisseur-de-test"
CLIENT_SECRET = "secret-du-client-de-test"
PORTAL = "http://testserver"  # Django's test client; a live server's URL for browser tests


def main() -> None:
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    port = server.server_address[1]
    os.environ["OIDC_PROVIDER_ISSUER"] = f"http://127.0.0.1:{port}/o"
    os.environ["OIDC_PROVIDER_DB"] = sys.argv[1]
    portal = f"{sys.argv[2] if len(sys.argv) > 2 else PORTAL}/citoyen/franceconnect/"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.portal.oidc_provider.settings"

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    from tests.portal.oidc_provider.validator import MODES

    call_command("migrate", verbosity=0, interactive=False)
    User.objects.create_user(USERNAME, password=PASSWORD)
    for client_id in MODES:
        Application.objects.create(
            name=client_id,
            client_id=client_id,
            client_secret=CLIENT_SECRET,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=f"{portal}callback/",
            post_logout_redirect_uris=f"{portal}deconnecte/",
            algorithm=Application.RS256_ALGORITHM,
        )
    server.set_app(get_wsgi_application())
    print(f"READY {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
