"""The disclosure-request register (依申请公开) of the 2019 政府信息公开条例 (国务院令第711号).

An office's 政务公开 desk keeps every request here all year: who asked (the annual report's applicant
columns), how it came in (which fixes its receipt day, 第三十一条), its clock (第三十条至第三十五条:
补正, consultations, extension, a delayed deadline), the reply (第三十六条 and the annual report's
rows) and the reviews and lawsuits over it. The annual report (政府信息公开工作年度报告) is written
from it by :mod:`sentinel.reports.annual`.

- :mod:`.models` — the closed sets: applicant types, channels, states, outcomes (the report's rows)
  with their reply types and articles, appeal kinds and results;
- :mod:`.clock` — the reply clock as pure functions of the receipt day, the pauses, the extension
  and the delay, table-tested;
- :mod:`.service` — queries: the register with filters, one request with its clock history;
- :mod:`.flows` — what the desk does (enter, confirm receipt, 补正, consult, extend, delay, reply,
  appeals), each one transaction with the request's case, its obligation and its timeline;
- :mod:`.importer` — an existing register from CSV, all rows or none;
- :mod:`.entries` — what the office enters for the annual report (section 二's counts, its texts,
  publication);
- :mod:`.jobs` — the periodic work: 补正 reminders, lapsed corrections, provisional deadlines counted
  again, the January reminder of the annual report.

A request is also a case (:class:`~sentinel.store.models.Incident` of kind ``disclosure_request``)
so that its reply deadline is an obligation like any other: reminded, breached and escalated by the
engine, and shown with the rest.
"""
