"""Use cases of the Tasks API and the ports they need, free of any framework."""
