"""Emails: written to the outbox in the transaction of the change, delivered by a worker."""
