"""Reports for leaders and evaluators (舆情处置效果评估, 绩效考核): what they print, send and file.

- :mod:`.incident` — the after-action report of one incident, as one JSON-ready dict;
- :mod:`.period` — the period report (舆情日报/周报/月报) over incidents, deadlines and sources;
- :mod:`.scoring` — the indicator system behind an incident's score, with its weights in config;
- :mod:`.charts` — matplotlib charts of an incident's series, with a CJK font;
- :mod:`.render` — HTML (one self-contained file), Markdown, PDF (WeasyPrint) and JSON;
- :mod:`.briefing` — the daily briefing the daemon archives and sends to the leaders.

This package is the last stage: it reads what the earlier ones stored and writes nothing back
but the outbox message of the daily briefing.
"""
