"""Helm charts: rendering with a real Helm engine, mapping rendered documents back to their
templates, and the values overlay that makes a chart's own templates produce Windows pods."""
