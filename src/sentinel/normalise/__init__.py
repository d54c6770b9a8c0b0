"""Normalisation: plain text, NFKC, canonical URLs, aware UTC times, content hashes."""
