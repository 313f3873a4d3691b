from crisis.models.alerts import Notification
from crisis.models.call_list import CallList
from crisis.models.calls import Call, CallAttempt
from crisis.models.plans import Activation, CampaignCaller, PrefectExport
from crisis.models.register import Registration
from crisis.models.resources import Booking, Resource

__all__ = [
    "Activation",
    "Booking",
    "Call",
    "CallAttempt",
    "CallList",
    "CampaignCaller",
    "Notification",
    "PrefectExport",
    "Registration",
    "Resource",
]
