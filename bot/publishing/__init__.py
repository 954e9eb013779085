"""Publishing: digests, review rounds, claims, sharing, approvers and the scheduled jobs."""
