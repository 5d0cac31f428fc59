"""WSGI entry point: `flask --app wsgi ...`, `gunicorn wsgi:app`."""

from scheduler import create_app

app = create_app()
