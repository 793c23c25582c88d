"""The points shop domain: models, services (plain functions) and errors. No Flask here."""
