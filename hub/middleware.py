"""Request id (taken from a sane X-Request-ID header or generated, echoed in the response), and
503 with Retry-After when the database is unavailable outside a DRF view (opening the request's
transaction, committing it, the token endpoint)."""

import re
import uuid

from django.db import InterfaceError, OperationalError

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class DatabaseUnavailableMiddleware:
    """Answer 503 problem+json with Retry-After, never a 500, when the database is unavailable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            from hub.api.problems import unavailable_response  # loads DRF: not at settings time

            return unavailable_response(request)
        return None
