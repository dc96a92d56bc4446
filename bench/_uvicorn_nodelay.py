"""``python bench/_uvicorn_nodelay.py <uvicorn args>``: uvicorn with TCP_NODELAY on the
listening socket, as ``huying serve`` runs it (see ``huying/serving.py`` for why). The
benchmarks run both servers, huying and the bare baseline, through this launcher so that
the two differ only by their application."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    if len(sys.argv) > 1:
        from huying.serving import nodelay_listener

        nodelay_listener()
        from uvicorn.main import main

        sys.exit(main())
    raise SystemExit(0)  # no arguments (make bench): nothing to do
