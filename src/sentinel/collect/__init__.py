"""Collection: fetch each configured source and turn its bytes into :class:`RawItem` values."""
