"""Changing the data file: parse, change the records, validate, write."""
