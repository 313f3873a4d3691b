"""The transactional outbox: the Event table and ``emit()``, below every service.

Every layer above (consent, exchanges, crisis, territory) emits its events in the transaction
of the change; the change feed and webhook delivery that read them live in ``exchanges``.
"""
