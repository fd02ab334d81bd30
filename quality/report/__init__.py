"""The steward's report: Data Docs made readable offline, PII masked."""
