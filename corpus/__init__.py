"""Help documents to typed entries: parsers, the default corpus and the one Chinese tokenizer."""

from corpus.loaders import CorpusError, default_sources, load_corpus
from corpus.models import KINDS, Entry, Kind, corpus_hash
from corpus.tokenize import tokenize

__all__ = ["KINDS", "CorpusError", "Entry", "Kind", "corpus_hash", "default_sources", "load_corpus", "tokenize"]
