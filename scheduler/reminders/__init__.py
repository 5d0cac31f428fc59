"""Reminders: when each one is due (timing), claiming and marking rows (outbox), the send decisions (relay) and the worker process, the only place APScheduler runs."""
