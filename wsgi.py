"""WSGI entry point: `flask --app wsgi ...`, `gunicorn wsgi:app`."""

from scheduler.app import create_app

app = create_app()
