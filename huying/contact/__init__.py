"""Contact with households: resident-point visits, coverage, member–household links."""
