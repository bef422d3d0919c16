"""One parser module per document format; all of them end in the shared section rules."""
