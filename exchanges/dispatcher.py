"""The webhook dispatcher: one long-running loop that fans out and delivers (healthchecks'
``sendalerts`` style), run as ``python manage.py dispatch_webhooks`` beside the Celery workers.

How an event reaches a receiver
-------------------------------
1. ``hub.outbox.emit`` sends ``events_committed`` after a commit, with the ids it emitted;
   ``notify_committed`` turns that into ``pg_notify('passerelle_outbox', '<ids>')`` (after the
   commit, in its own statement: a NOTIFY inside the writing transaction would serialise the
   commits of the whole hub on PostgreSQL's notification lock).
2. The dispatcher LISTENs on that channel and fans those events out at once, by id: **fan-out
   does not wait for the feed's watermark**, so a transaction left open elsewhere holds no
   webhook back. This is safe because a notification is sent only for committed events and
   fan-out is idempotent (one delivery row per endpoint and event, ever).
3. The notification is a wake-up, not the truth: every ``WEBHOOKS_POLL_SECONDS`` the dispatcher
   also runs the watermark relay (``exchanges.relay``) over the outbox in feed order, which
   finds anything whose notification was lost (dispatcher down, crash between commit and
   NOTIFY, a late-committing transaction...). Nothing committed is lost; an event fanned out
   twice is delivered once.
4. Due deliveries are claimed in batches with one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE
   SKIP LOCKED LIMIT n) RETURNING id``: several dispatchers never claim the same row. A claim
   is a lease (``WEBHOOKS_TIMEOUT_SECONDS`` + 10 s): a dispatcher killed mid-send leaves rows
   that another claims again (same ``webhook-id``: at least once).
5. A bounded pool of threads sends them over keep-alive sessions pinned to the checked address
   (``exchanges.transport``); at most ``WEBHOOKS_PER_ENDPOINT`` requests run against one
   endpoint, so a hung receiver holds a few threads for at most the timeout and never the
   others. The threads only POST; the loop writes their outcomes in one statement per round
   (``sending.record``). A success from an endpoint that was failing makes its waiting
   retries due now (``sending.catch_up``): the backlog of an outage leaves at once.

SIGTERM and SIGINT stop the claims, let the requests in flight finish, and exit. On SQLite
(embedded mode) there is no LISTEN: the loop polls.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter, deque
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from exchanges import feed, relay, sending, webhooks
from exchanges.listener import CHANNEL, listen
from exchanges.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from hub.outbox.models import Event

logger = logging.getLogger(__name__)

_PAYLOAD_MAX = 7000  # PostgreSQL refuses NOTIFY payloads of 8000 bytes or more


def enabled() -> bool:
    return settings.WEBHOOKS_DELIVERY == "dispatcher"


def notify_committed(event_ids=(), **_kwargs) -> None:
    """Receiver of ``events_committed``: wake the dispatchers with the committed ids."""
    if not enabled() or connection.vendor != "postgresql" or not event_ids:
        return
    chunks, current = [], ""
    for event_id in event_ids:
        piece = str(event_id)
        if current and len(current) + len(piece) + 1 > _PAYLOAD_MAX:
            chunks.append(current)
            current = ""
        current = f"{current},{piece}" if current else piece
    chunks.append(current)
    with connection.cursor() as cursor:
        for chunk in chunks:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, chunk])


def parse_ids(payload: str) -> list[int]:
    return [int(part) for part in payload.split(",") if part.isdigit()]


def fan_out_ids(event_ids) -> list[int]:
    """Fan out committed events by id, whatever the watermark (see the module docstring);
    returns the ids of the events found (and fanned out)."""
    events = list(Event.objects.filter(pk__in=list(event_ids)).order_by("id"))
    if events:
        webhooks.create_deliveries(events, list(WebhookEndpoint.objects.filter(is_active=True)))
    return [event.pk for event in events]


def claim_batch(*, limit: int, busy=(), now=None) -> list[int]:
    """Claim up to ``limit`` due deliveries, none of an endpoint in ``busy``; return their ids.

    One statement: the inner SELECT locks the rows it picks and skips rows another dispatcher
    has locked (``FOR UPDATE SKIP LOCKED``), the UPDATE marks them sent-by-us. On SQLite writers
    are serialised, which gives the same guarantee without the locking clause."""
    if limit <= 0:
        return []
    now = now or timezone.now()
    lease = timedelta(seconds=settings.WEBHOOKS_TIMEOUT_SECONDS + 10)
    with transaction.atomic():
        due = WebhookDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lte=now - lease)
        )
        if busy:
            due = due.exclude(endpoint_id__in=list(busy))
        due = due.order_by("next_attempt_at", "id").values("pk")[:limit]
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        sub_sql, sub_params = due.query.sql_with_params()
        table = WebhookDelivery._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{table}" SET status = %s, claimed_at = %s, attempts = attempts + 1 '  # noqa: S608 (our own compiled SQL)
                f"WHERE id IN ({sub_sql}) RETURNING id",
                [
                    DeliveryStatus.SENDING,
                    connection.ops.adapt_datetimefield_value(now),
                    *sub_params,
                ],
            )
            return [row[0] for row in cursor.fetchall()]


def prepare(ids: list[int]) -> list[WebhookDelivery]:
    """Load claimed deliveries; finish at once those that must not leave (endpoint disabled,
    person no longer visible: the policy is applied again at send time, one query per
    endpoint). Returns the deliveries to send."""
    deliveries = list(
        WebhookDelivery.objects.select_related("endpoint", "event")
        .filter(pk__in=ids)
        .order_by("next_attempt_at", "id")
    )
    by_endpoint: dict = {}
    for delivery in deliveries:
        by_endpoint.setdefault(delivery.endpoint_id, []).append(delivery)
    out = []
    for group in by_endpoint.values():
        endpoint = group[0].endpoint
        if not endpoint.is_active:
            for delivery in group:
                sending.finish(delivery, DeliveryStatus.FAILED, error="endpoint disabled")
            continue
        visible = {
            e.pk
            for e in feed.visible_events(webhooks.client_actor(endpoint), [d.event for d in group])
        }
        for delivery in group:
            if delivery.event_id in visible:
                out.append(delivery)
            else:
                sending.finish(
                    delivery, DeliveryStatus.SKIPPED, error="no longer visible to the client"
                )
    return out


class Dispatcher:
    """Claim, send, repeat. ``threads=0`` sends inline (tests, ``--once``).

    Claimed deliveries wait in a local queue per endpoint; a free thread takes the next one of
    an endpoint with fewer than ``per_endpoint`` requests in flight. At most ``BACKLOG`` times
    that is claimed per endpoint, and a delivery that waited locally for half its lease is given
    back unsent rather than risk a second dispatcher sending it too."""

    BACKLOG = 4

    def __init__(self, *, threads: int | None = None, per_endpoint: int | None = None):
        self.threads = settings.WEBHOOKS_DISPATCHER_THREADS if threads is None else threads
        self.per_endpoint = per_endpoint or settings.WEBHOOKS_PER_ENDPOINT
        self.poll = settings.WEBHOOKS_POLL_SECONDS
        self.lease = settings.WEBHOOKS_TIMEOUT_SECONDS + 10
        self.stopping = threading.Event()
        self.wake = threading.Event()
        self.notified: queue.SimpleQueue[str] = queue.SimpleQueue()
        # Set while LISTEN is in place (PostgreSQL): an event committed before it is found by
        # the watermark relay instead, which waits for older open transactions.
        self.listening = threading.Event()
        self.results: queue.SimpleQueue = queue.SimpleQueue()
        self.given_back: queue.SimpleQueue = queue.SimpleQueue()
        self.ready = threading.Condition()
        self.waiting: dict = {}  # endpoint id -> deque of (delivery, claimed at, monotonic)
        self.inflight: Counter = Counter()
        self.closing = False
        self.workers: list[threading.Thread] = []
        self.listener: threading.Thread | None = None
        self.sent = 0
        self.fanned: set[int] = set()  # events fanned out on their commit notification
        # Endpoints whose last answer was a success: no catch-up needed on the next one.
        self.healthy: set = set()

    # --- one round ------------------------------------------------------------------------

    def fan_out_notified(self) -> int:
        ids = [pk for payload in _drain(self.notified) for pk in parse_ids(payload)]
        if not ids:
            return 0
        found = fan_out_ids(ids)
        if len(self.fanned) > 100_000:  # only saves the relay some work: forget at will
            self.fanned.clear()
        self.fanned.update(found)
        return len(found)

    def relay(self) -> None:
        """The watermark relay: the safety net for every lost notification. It passes over
        the events this dispatcher has fanned out on their notification."""
        relay.relay(queue=False, done=self.fanned)

    def claim(self) -> int:
        """Claim what the local queues have room for; returns how many were queued."""
        cap = self.per_endpoint * self.BACKLOG
        with self.ready:
            held = Counter({pk: len(q) for pk, q in self.waiting.items()}) + self.inflight
        room = max(self.threads, 1) * self.BACKLOG - sum(held.values())
        ids = claim_batch(limit=room, busy=[pk for pk, n in held.items() if n >= cap])
        if not ids:
            return 0
        now = time.monotonic()
        back = []
        with self.ready:
            for delivery in prepare(ids):
                if held[delivery.endpoint_id] >= cap:
                    back.append(delivery.pk)
                    continue
                held[delivery.endpoint_id] += 1
                self.waiting.setdefault(delivery.endpoint_id, deque()).append((delivery, now))
            self.ready.notify_all()
        if back:
            release(back)
        return len(ids) - len(back)

    def _take(self):
        """The next delivery of an endpoint below its limit (``ready`` held), or None."""
        for endpoint_id, waiting in self.waiting.items():
            if self.inflight[endpoint_id] < self.per_endpoint:
                item = waiting.popleft()
                if not waiting:
                    del self.waiting[endpoint_id]
                self.inflight[endpoint_id] += 1
                return item
        return None

    def send(self, delivery: WebhookDelivery, claimed: float) -> None:
        """POST, then hand the outcome to the loop, which writes a batch."""
        try:
            if time.monotonic() - claimed > self.lease / 2:
                self.given_back.put(delivery.pk)  # waited too long here: not ours to send now
            else:
                self.results.put(sending.attempt(delivery))
        except Exception:
            logger.exception("delivery %s failed unexpectedly; the lease will expire", delivery.pk)
            connection.close()
        finally:
            with self.ready:
                self.inflight[delivery.endpoint_id] -= 1
                if self.inflight[delivery.endpoint_id] <= 0:
                    del self.inflight[delivery.endpoint_id]
                self.ready.notify()
            self.wake.set()

    def flush(self) -> int:
        """Write the outcomes gathered so far (one statement), then close the circuit of the
        endpoints that answered again: their waiting retries become due now."""
        back = _drain(self.given_back)
        if back:
            release(back)
        outcomes: list[sending.Outcome] = _drain(self.results)
        if not outcomes:
            return 0
        sending.record(outcomes)
        for outcome in outcomes:
            if outcome.status == DeliveryStatus.SUCCEEDED:
                if outcome.endpoint_id not in self.healthy:
                    sending.catch_up(endpoint_id=outcome.endpoint_id)
                    self.healthy.add(outcome.endpoint_id)
            else:
                self.healthy.discard(outcome.endpoint_id)
        self.sent += len(outcomes)
        return len(outcomes)

    def drain(self, *, rounds: int = 100) -> int:
        """Fan out and deliver inline until nothing is due (tests; ``--once``)."""
        sent = self.sent
        self.relay()
        for _ in range(rounds):
            self.fan_out_notified()
            if not self.claim():
                break
            with self.ready:
                items = [item for waiting in self.waiting.values() for item in waiting]
                self.waiting.clear()
            for delivery, claimed in items:
                self.inflight[delivery.endpoint_id] += 1
                self.send(delivery, claimed)
            self.flush()
        return self.sent - sent

    # --- the long-running loop ------------------------------------------------------------

    def _worker(self) -> None:
        try:
            while True:
                with self.ready:
                    while (item := self._take()) is None:
                        if self.closing:
                            return
                        self.ready.wait()
                self.send(*item)
        finally:
            connection.close()

    def start(self) -> Dispatcher:
        for n in range(self.threads):
            thread = threading.Thread(target=self._worker, name=f"webhooks-{n}", daemon=True)
            thread.start()
            self.workers.append(thread)
        if connection.vendor == "postgresql":
            self.listener = threading.Thread(
                target=listen, args=(self,), name="webhooks-listen", daemon=True
            )
            self.listener.start()
        return self

    def run(self) -> None:
        """Until ``stop()``: relay every poll, fan out on notifications, claim what is due."""
        self.start()
        next_relay = 0.0
        try:
            while not self.stopping.is_set():
                self.wake.clear()
                try:
                    if time.monotonic() >= next_relay:
                        self.relay()
                        next_relay = time.monotonic() + self.poll
                    self.flush()
                    self.fan_out_notified()
                    self.claim()
                except DatabaseError:
                    logger.exception("dispatcher: database error; retrying")
                    connection.close()
                    self.stopping.wait(1.0)
                    continue
                self.wake.wait(min(self.poll, max(0.0, next_relay - time.monotonic())))
        finally:
            self.shutdown()

    def stop(self, *_args) -> None:
        self.stopping.set()
        self.wake.set()

    def shutdown(self) -> None:
        """Give back what waits locally, let the requests in flight finish (bounded by the
        timeout), write their outcomes, close."""
        with self.ready:
            unsent = [d.pk for waiting in self.waiting.values() for d, _ in waiting]
            self.waiting.clear()
            self.closing = True
            self.ready.notify_all()
        for thread in self.workers:
            thread.join(settings.WEBHOOKS_TIMEOUT_SECONDS + 5)
        self.workers = []
        if unsent:
            release(unsent)
        self.flush()
        if self.listener:
            self.listener.join(5)
        connection.close()


def _drain(source: queue.SimpleQueue) -> list:
    items = []
    while True:
        try:
            items.append(source.get_nowait())
        except queue.Empty:
            return items


def release(ids: list[int]) -> None:
    """Give claimed deliveries back (not sent): due now, attempt not counted."""
    WebhookDelivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.PENDING, claimed_at=None, attempts=F("attempts") - 1
    )
