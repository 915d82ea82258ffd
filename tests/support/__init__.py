"""Test-only helpers shared by the test suites (no fixtures, no tests)."""
