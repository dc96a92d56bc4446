"""The web pages: server-rendered Jinja2 + htmx, Leaflet maps, Chinese first with English.

``setup(app)`` (in :mod:`huying.web.setup`) mounts the static files, the templates, the
language switch, the error pages and the security headers; :mod:`huying.web.routes` holds
the pages. Templates render through :func:`huying.web.templating.render`.
"""
