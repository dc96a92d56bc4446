"""Community resources (issue #17): co-building councils, the three lists and their matching,
the public-welfare exchange, service centres with one-stop acceptance, and the 10-minute
service circle."""
