"""Byte-preserving YAML edits: parse with node offsets, diff plain data as RFC 6902
operations, splice only those into the original text.

This layer knows nothing of Kubernetes or of porter's findings; it could be published as a
library of its own.
"""
