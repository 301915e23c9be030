"""Validation of partner submissions: file, table, graph (SHACL) and cross-record checks, a
report in the partner's language, the submission template, and safe publishing.

partner file -> loaders (transform) -> validation (report) -> triplestore.versions (publish)
"""
