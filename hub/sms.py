"""SMS backends, pluggable like Django's mail backends (``CRISIS_SMS_BACKEND``): the crisis
alerts and the portal's receipts (help requests and the register) send through them.

A backend has ``send_messages(messages) -> int`` where each message is ``(to, text)``. The default
writes to a file (``CRISIS_SMS_FILE``) so that the embedded default needs no provider; a real
provider is a small class of the deployment's own.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

outbox: list[tuple[str, str]] = []  # LocmemBackend's messages (tests)
_lock = threading.Lock()


class FileBackend:
    def send_messages(self, messages) -> int:
        path = settings.CRISIS_SMS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        with _lock, path.open("a", encoding="utf-8") as handle:
            for to, text in messages:
                handle.write(f"{timezone.now().isoformat()}\t{to}\t{text}\n")
        return len(messages)


class ConsoleBackend:
    def send_messages(self, messages) -> int:
        for to, text in messages:
            print(f"SMS to {to}: {text}")  # noqa: T201 (the console backend prints)
        return len(messages)


class LocmemBackend:
    def send_messages(self, messages) -> int:
        outbox.extend(messages)
        return len(messages)


def get_backend():
    return import_string(settings.CRISIS_SMS_BACKEND)()
