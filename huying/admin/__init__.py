"""Administration of the city from the command line (``huying admin``): see :mod:`huying.admin.cli`."""
