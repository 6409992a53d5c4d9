"""Pydantic models of qms's documents and records: the single source of truth for
validation, JSON Schema and error messages. No I/O here."""
