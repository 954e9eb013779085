"""The store: articles, decisions, publications and runs in SQL (SQLAlchemy Core)."""
