"""Unit tests of the task entity and its value rules."""
