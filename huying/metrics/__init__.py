"""Figures at every level of the tree, computed from the case events."""
