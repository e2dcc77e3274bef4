"""Statistical scorecards: fit, validate, report (see README.md beside this file)."""
