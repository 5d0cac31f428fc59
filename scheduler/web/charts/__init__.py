"""Inline SVG charts drawn on the server: the infusion rate over time (infusion) and the platelet trend (platelets)."""
