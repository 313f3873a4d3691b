"""Bench-only settings: the hub's settings plus a bare read endpoint, throttling out of the way.

Never used in production: the switch that removes policy and audit is a separate URL served
only by this settings module, not a flag in the hub.
"""

from hub.settings import *  # noqa: F403
from hub.settings import REST_FRAMEWORK

ROOT_URLCONF = "bench.api.urls"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "client": "100000000/min",
    },
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
