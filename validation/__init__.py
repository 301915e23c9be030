"""Validation of partner submissions: file, table, graph (SHACL) and cross-record checks, a
report in the partner's language, and the submission template.

partner file -> loaders (transform) -> validation (report) -> publishing (publish, record)
"""
