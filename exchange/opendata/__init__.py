"""The open-data dump: all published practices and results as JSON and CSV with a data dictionary."""
