"""Tests, in the layers of the code: unit, integration, e2e."""
