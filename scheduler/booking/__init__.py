"""Pure booking rules: availability, conflicts, travel estimate, slot ranking.

Plain values in, plain values out (frozen dataclasses, aware UTC datetimes); no Flask, no
database. The operations layer gathers the rows and calls these.
"""
