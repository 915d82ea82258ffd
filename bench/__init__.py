"""`make bench`: load benchmarks of the API against a bare-FastAPI ceiling, in one run."""
