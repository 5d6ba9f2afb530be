"""Reads from a replica, only where asked for: ``with reading_from_replica(): ...``.

Long exports read a lot and change nothing; a PostgreSQL streaming replica
(``DATABASE_REPLICA_URL``, the "replica" alias) takes that load off the primary. The
router sends reads there only inside ``reading_from_replica()`` (a context variable, so
one request or thread at a time), because a replica lags a little behind: a page that
just wrote something must read it back from the primary. Writes always go to "default".
Without a replica alias the block is a no-op and everything reads from "default".
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_use_replica = ContextVar("use_replica", default=False)


@contextmanager
def reading_from_replica():
    """Reads in this block (this thread or task) go to the replica, if there is one."""
    token = _use_replica.set(True)
    try:
        yield
    finally:
        _use_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _use_replica.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data: a replica's rows are the primary's

    def allow_migrate(self, db, app_label, **hints):
        return db != REPLICA  # a streaming replica follows the primary's schema
