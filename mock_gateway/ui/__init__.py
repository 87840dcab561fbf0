"""The inspector page: static files served at /_mock/ui/ (http/inspector.py)."""
