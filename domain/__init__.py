"""The task domain: entities, value rules and ownership rules, in plain Python."""
