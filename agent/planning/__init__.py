"""Deterministic planning: exercise catalog, session builder, adaptation, progression.

Pure code: it imports neither the database nor a model. Data in, plan out.
"""
