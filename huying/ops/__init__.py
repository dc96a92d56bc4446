"""Operating the service: backup and restore, readiness, metrics. Above the domains (it may
read their tables), below nothing but ``app.py`` and ``cli.py``."""
