"""Marshmallow schemas: the single source of truth for every stored field."""
