"""Sending reminders: message texts, the email / SMS / console channels, signed links.

Nothing here touches the database: the worker hands a channel one Outgoing message and
gets a provider id back or a SendError saying whether to retry.
"""
