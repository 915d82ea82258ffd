"""The outermost layer: settings, the composition root and the HTTP interface."""
