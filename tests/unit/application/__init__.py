"""Unit tests of the use cases, over the in-memory repository and a stepping clock."""
