"""A city's own configuration of the loop: its category tree, SLA rules, holiday calendar and
the deadlines computed from them, with the per-process caches that follow their edits."""
