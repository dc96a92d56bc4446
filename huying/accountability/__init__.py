"""Accountability over the three pillars (issue #18): the indicator catalogue that reads the
figures of the closed loop (``huying.metrics``), of the contact with households
(``huying.contact``) and of community resources (``huying.community``); the reports of a node
in the article's style; responsibility lists, yearly reviews (述职评议) and the rectification of
weak organisations (软弱涣散).

A layer above the pillars (``pyproject.toml``'s import-linter contract): it may read every
domain, no domain reads it."""
