"""Incidents (舆情事件): group relevant items into stories and measure how hot each story is.

The pure core lives here and takes plain values, never rows or the clock:

- :mod:`sentinel.incidents.cluster` — online clustering of items into open incidents
  (copies first, then TF-IDF similarity through an inverted index, within a time window);
- :mod:`sentinel.incidents.copies` — the content-hash and banded-simhash index of copies (转载);
- :mod:`sentinel.incidents.summary` — an incident's keywords and the item that titles it;
- :mod:`sentinel.incidents.heat` — an incident's heat (热度) from its items' engagement, source
  authority, author verification, breadth and velocity, with every component shown.
"""
