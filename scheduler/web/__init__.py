"""The web layer: blueprints per area, each view declaring who may reach it."""
