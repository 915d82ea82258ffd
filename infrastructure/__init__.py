"""Adapters that implement the application's ports with real technology."""
