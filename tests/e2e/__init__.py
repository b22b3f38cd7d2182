"""Browser journeys: a package, so its conftest does not shadow tests/conftest.py (both are named `conftest`)."""
