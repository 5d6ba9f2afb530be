"""One row per rate-limit window: a counter every app server increments atomically.

Used by ``activation.ratelimit`` when REDIS_URL is not set. The increment is a single
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` statement (PostgreSQL and SQLite),
so concurrent requests never lose a count.
"""

from django.db import models


class Counter(models.Model):
    key = models.CharField(max_length=200, primary_key=True)
    count = models.IntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key} = {self.count}"
