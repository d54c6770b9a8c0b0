"""The escalation engine (升级/督办): response obligations, reminders and the escalation chain.

The pure core lives here as plain functions over values; ``now`` is always passed in:

- :mod:`~sentinel.escalation.workdays` — working-day (工作日) arithmetic on China's statutory
  holidays and adjusted working weekends (调休).
- :mod:`~sentinel.escalation.policy` — the typed ``policy:`` configuration section and its snapshot.
- :mod:`~sentinel.escalation.roster` — who is on duty (值班表) and who hears each step of the chain:
  the typed ``roster:`` section, shifts, quiet hours and its snapshot.
- :mod:`~sentinel.escalation.obligations` — which obligations a grade or an event starts, when they
  fall due, what a regrade starts or waives, margins.
- :mod:`~sentinel.escalation.reminders` — reminders, breaches and escalation steps that are due at
  a given ``now``, each with an idempotency key, with catch-up after downtime.

The engine's tick (store rows, outbox, timeline) is built on top of these and owns no arithmetic.
"""
