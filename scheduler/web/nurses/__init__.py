"""Nurse pages for coordinators and admins."""
