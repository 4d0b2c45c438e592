"""The data contract: vocabularies, dates, records, models, the YAML reader, loading, rules."""
