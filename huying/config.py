"""One typed settings object; every field is a ``HUYING_*`` environment variable."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class MapTiles(BaseModel):
    """A base layer of map tiles (``HUYING_MAP_TILES``, JSON): a city's own tile server or a
    national service. The URL is a Leaflet template (``{z}/{x}/{y}``, ``{s}``) and may hold the
    service's key: it is a secret (``**********`` when the settings are printed or logged),
    written only into the pages that draw the map, where the browser needs it."""

    url: SecretStr
    #: Who made the tiles, as the service asks to be credited (plain text).
    attribution: str = ""
    max_zoom: int = Field(default=18, ge=1, le=22)
    #: Subdomains for ``{s}`` in the URL.
    subdomains: str = "abc"

    @property
    def origin(self) -> str:
        """Scheme and host of the tiles (for the Content-Security-Policy), with no key."""
        parts = urlsplit(self.url.get_secret_value().replace("{s}", "*"))
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUYING_", env_file=".env", extra="ignore")

    #: SQLAlchemy URL. SQLite (WAL, foreign keys on) under ``data_dir`` by default;
    #: ``postgresql+psycopg://user@host:5432/db`` in production.
    database_url: str = ""
    #: Where the SQLite file, attachments and trained models live.
    data_dir: Path = Path("var")
    #: Secret for session cookies and CSRF tokens. Set it in production.
    secret_key: str = "dev-secret-change-me"
    #: Key of the HMAC-SHA256 under which identity numbers are stored (the register, issue
    #: #16). No default: with none set, identity numbers are refused, not hashed under a
    #: constant anyone could know. The demo generates no identity numbers.
    id_hash_key: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    #: Time zone in which working days and hours are counted.
    timezone: str = "Asia/Shanghai"
    #: Notification adapter: ``log`` (default), or an importable ``module:Class``.
    notifier: str = "log"
    #: How long a notification is worth sending, in hours, per kind (the event's action; ``*``
    #: for the others): past it the message is marked ``expired`` and never sent, so that a
    #: sender plugged in late does not send stale news. JSON in the environment, e.g.
    #: ``HUYING_OUTBOX_EXPIRY_HOURS='{"sla_warning": 12, "*": 72}'``.
    outbox_expiry_hours: dict[str, float] = Field(default_factory=lambda: {
        "sla_warning": 24.0, "overdue": 72.0, "dispatch": 168.0, "*": 168.0})
    #: Seconds between SLA sweeps inside the server (0 disables the in-server sweeper).
    sla_sweep_interval: int = 60
    #: Freeze what a server worker built at start-up out of the garbage collector's sight: a
    #: full collection walked it (84–98 ms on the demo city) in the middle of some request
    #: (docs/performance.md, P1). Off for processes that build many apps (the tests).
    gc_freeze: bool = True
    #: Overdue periods after which the sweeper escalates a case to the next level.
    sla_escalate_after_periods: int = 2
    #: Fraction of the allowed time left at which the sweeper warns (e.g. 0.2 = last 20%).
    sla_warn_fraction: float = 0.2
    #: Largest accepted attachment, in bytes.
    max_attachment_bytes: int = 10 * 1024 * 1024
    #: Largest request body, in bytes: a larger one is refused with 413 before it is read.
    #: 0 (default): room for a report's 9 photos of ``max_attachment_bytes`` each, base64-encoded
    #: in JSON (4/3), and 1 MiB of the rest.
    max_body_bytes: int = 0
    #: Bearer token that ``/metrics`` asks for. Empty (default): ``/metrics`` answers only
    #: clients on the loopback interface (a scraper on the same host).
    metrics_token: str = ""
    #: Distance in metres within which open cases are duplicate candidates.
    duplicate_radius_m: float = 250.0
    #: Days back in which open cases are duplicate candidates.
    duplicate_window_days: float = 30.0
    #: Classifier confidence under which a case waits for a person.
    triage_min_confidence: float = 0.6
    #: Anonymous requests per minute per client address (token bucket refill; 0 = no limit).
    anon_rate_per_minute: int = 120
    #: Burst: anonymous requests a client may make at once.
    anon_rate_burst: int = 60
    #: The maps' base layer of tiles, JSON: ``{"url": "https://tiles.example.gov.cn/{z}/{x}/{y}.png?key=…",
    #: "attribution": "…", "max_zoom": 18}``. Off by default: the demo runs offline, and the
    #: maps draw our own outlines and names of the towns, communities and grids.
    map_tiles: MapTiles | None = None
    #: Log level of the ``huying`` loggers.
    log_level: str = Field(default="INFO")

    @property
    def body_limit(self) -> int:
        if self.max_body_bytes > 0:
            return self.max_body_bytes
        return 9 * self.max_attachment_bytes * 4 // 3 + 1024 * 1024

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'huying.db').as_posix()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
