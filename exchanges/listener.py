"""LISTEN side of the dispatcher (PostgreSQL): commit notifications from ``hub.outbox``.

A dedicated connection in autocommit LISTENs on ``CHANNEL``; each notification's payload (a
comma-separated list of event ids) is handed to the dispatcher, which is woken. A dropped
connection is opened again after a second; notifications sent meanwhile are lost, which only
means the watermark relay of the next poll fans those events out instead.
"""

from __future__ import annotations

import contextlib
import logging

from django.db import connections

logger = logging.getLogger(__name__)

CHANNEL = "passerelle_outbox"


def listen(dispatcher) -> None:
    """Until ``dispatcher.stopping`` is set: put payloads on ``dispatcher.notified``."""
    while not dispatcher.stopping.is_set():
        wrapper = connections.create_connection("default")
        try:
            wrapper.ensure_connection()
            wrapper.set_autocommit(True)
            raw = wrapper.connection
            raw.execute(f"LISTEN {CHANNEL}")
            dispatcher.listening.set()
            dispatcher.wake.set()  # what was sent before LISTEN: the next relay finds it
            while not dispatcher.stopping.is_set():
                for note in raw.notifies(timeout=1.0):
                    dispatcher.notified.put(note.payload)
                    dispatcher.wake.set()
        except Exception as exc:  # psycopg's errors included
            dispatcher.listening.clear()
            logger.warning("dispatcher: LISTEN connection lost (%s); reconnecting", exc)
            dispatcher.stopping.wait(1.0)
        finally:
            with contextlib.suppress(Exception):  # closing a broken connection
                wrapper.close()
