"""The data file in git: revisions, the semantic diff and log, the merge driver."""
