"""Partner API v1 for exchanges: bulk imports (a file in, a job and a per-row report out)."""

from __future__ import annotations

import io
from tempfile import SpooledTemporaryFile

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from exchanges import importfiles, imports
from exchanges.api.common import field_problem
from exchanges.api.serializers import (
    ImportRowSerializer,
)
from exchanges.models import ImportJob, ImportRow
from exchanges.tasks import run_import
from hub.api.idempotency import IDEMPOTENCY_KEY, idempotent, start_fingerprint
from hub.api.pagination import Cursor
from hub.api.problems import Problem
from hub.api.query import choice, choice_parameter

# --- Bulk imports -----------------------------------------------------------------------------

ROW_OUTCOMES = (*imports.OUTCOMES, "rejected")
IMPORT_MEDIA_TYPES = {
    "application/x-ndjson": "ndjson",
    "application/ndjson": "ndjson",
    "application/jsonl": "ndjson",
    "text/csv": "csv",
}


def _own_job(request, job_id) -> ImportJob:
    job = (
        ImportJob.objects.filter(pk=job_id, organization_id__in=request.actor.organization_ids)
        .defer("content")
        .first()
    )
    if job is None:
        raise Http404
    return job


def _format(request) -> str:
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    fmt = IMPORT_MEDIA_TYPES.get(media_type)
    if fmt is None:
        raise Problem(
            415,
            "Send the file as application/x-ndjson or text/csv.",
            errors=[{"field": "Content-Type", "message": "unsupported media type"}],
        )
    return fmt


class RawFileParser(BaseParser):
    """The body as a temporary file (``importfiles.spool``: in memory up to a mebibyte, on
    disk beyond), within the view's size limit, hashed on the way for ``Idempotency-Key``
    (the request's ``_import_fingerprint``). It is never read whole into memory.

    Only the import formats are accepted; anything else (form data included) answers 415
    before the body is read.
    """

    media_type = "application/x-ndjson"

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        view = parser_context.get("view")
        limit = getattr(view, "max_body_bytes", None) or settings.API_IMPORT_MAX_FILE_BYTES
        too_large = Problem(
            413, f"The body is larger than the {limit}-byte limit of this endpoint."
        )
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isdigit() and int(length) > limit:
            raise too_large
        digest = start_fingerprint(request)
        spooled, _size = importfiles.spool(stream.read, limit, digest)
        if spooled is None:
            raise too_large
        request._import_fingerprint = digest.hexdigest()
        return spooled


class RawCsvParser(RawFileParser):
    media_type = "text/csv"


class ImportList(APIView):
    """The body is streamed to a temporary file a mebibyte at a time (``importfiles.spool``),
    hashed on the way for ``Idempotency-Key``; it is never read whole into memory. The parsers
    only name the media types (OpenAPI, content negotiation)."""

    scope_map = {"POST": "records:write"}
    max_body_bytes = settings.API_IMPORT_MAX_FILE_BYTES
    parser_classes = [RawFileParser, RawCsvParser]

    def _upload(self, request):
        """(spooled body, its fingerprint): what ``RawFileParser`` made of the body."""
        _format(request)  # 415 before the body is read
        data = request.data  # parsed once, maybe already during authentication
        if not isinstance(data, SpooledTemporaryFile):  # no body at all
            return io.BytesIO(b""), start_fingerprint(request).hexdigest()
        return data, request._import_fingerprint

    def body_fingerprint(self, request) -> str:
        return self._upload(request)[1]

    @extend_schema(
        request={"application/x-ndjson": OpenApiTypes.STR, "text/csv": OpenApiTypes.STR},
        responses={202: OpenApiTypes.OBJECT},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="imports_create",
    )
    @idempotent
    def post(self, request):
        fmt = _format(request)
        spooled, _fingerprint = self._upload(request)
        try:
            job = imports.create_job(actor=request.actor, content=spooled, format=fmt)
        except imports.ImportRejected as exc:
            raise field_problem(exc) from None
        finally:
            spooled.close()
        job_id = str(job.pk)
        transaction.on_commit(lambda: run_import.delay(job_id), robust=True)
        response = Response(imports.report(job), status=202)
        response["Location"] = reverse("api-v1:import-detail", args=[job.pk])
        return response


class ImportDetail(APIView):
    scope_map = {"GET": "records:write"}

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="imports_retrieve")
    def get(self, request, job_id):
        job = _own_job(request, job_id)
        body = imports.report(job)
        body["rows"] = request.build_absolute_uri(
            reverse("api-v1:import-rows", args=[job.pk]) + "?outcome=rejected"
        )
        return Response(body)


class ImportRowCursor(Cursor):
    ordering = ("index",)


class ImportRows(generics.ListAPIView):
    scope_map = {"GET": "records:write"}
    serializer_class = ImportRowSerializer
    pagination_class = ImportRowCursor

    @extend_schema(parameters=[choice_parameter("outcome", ROW_OUTCOMES)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        outcome = choice(self.request, "outcome", ROW_OUTCOMES)
        job = _own_job(self.request, self.kwargs["job_id"])
        queryset = ImportRow.objects.filter(job=job)
        if outcome:
            queryset = queryset.filter(outcome=outcome)
        return queryset
