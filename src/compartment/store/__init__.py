"""The data file on disk: choosing and reading it, locks and atomic writes, the cache."""
