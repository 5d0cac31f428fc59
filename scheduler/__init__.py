"""Home-infusion nursing scheduler. The app factory is `scheduler.app.create_app`; the layers are described in docs/ARCHITECTURE.md."""
