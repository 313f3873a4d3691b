from django.urls import path, re_path

from exchanges.api import import_views, stream_views, views

urlpatterns = [
    path("cases", views.CaseList.as_view(), name="case-list"),
    path("cases/<uuid:case_id>", views.CaseDetail.as_view(), name="case-detail"),
    path("referrals", views.ReferralList.as_view(), name="referral-list"),
    path("referrals/<uuid:referral_id>", views.ReferralDetail.as_view(), name="referral-detail"),
    re_path(
        r"^referrals/(?P<referral_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/(?P<action>accept|decline|complete|cancel)$",
        views.ReferralAction.as_view(),
        name="referral-action",
    ),
    path("events", stream_views.EventFeed.as_view(), name="event-feed"),
    path("webhooks", stream_views.WebhookList.as_view(), name="webhook-list"),
    path(
        "webhooks/<uuid:endpoint_id>", stream_views.WebhookDetail.as_view(), name="webhook-detail"
    ),
    path(
        "webhooks/<uuid:endpoint_id>/rotate-secret",
        stream_views.WebhookRotate.as_view(),
        name="webhook-rotate",
    ),
    path("imports", import_views.ImportList.as_view(), name="import-list"),
    path("imports/<uuid:job_id>", import_views.ImportDetail.as_view(), name="import-detail"),
    path("imports/<uuid:job_id>/rows", import_views.ImportRows.as_view(), name="import-rows"),
]
