"""Atomic counters in the database, for rate limits when no Redis is configured."""
