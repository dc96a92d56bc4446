"""Redrawing the map and renaming its places, with what lives there (issue 22)."""
