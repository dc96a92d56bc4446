"""One typed settings object; every field is a ``HUYING_*`` environment variable."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, ValidationError
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
    #: A second SQLAlchemy URL, of a streaming replica of the primary (``database_url``):
    #: the figures and reports (``/api/v1/stats``, ``/api/v1/indicators*``,
    #: ``/api/v1/reports/*``, the leader's pages, ``huying stats`` / ``indicators values`` /
    #: ``report``) read through it, every write and every other read stays on the primary.
    #: Its connections are read-only. Empty (default): the figures read the primary. The
    #: figures then lag by the replica's delay (docs/deploy.md).
    read_database_url: str = ""
    #: Where the SQLite file, attachments and trained models live.
    data_dir: Path = Path("var")
    #: Secret for session cookies and CSRF tokens (at least 32 characters). Empty (default):
    #: ``huying serve`` on a loopback address generates one into ``data_dir/secret_key`` on
    #: first run and says so; on any other address it refuses to start (see
    #: :func:`secret_key`).
    secret_key: str = ""
    #: Key of the HMAC-SHA256 under which identity numbers are stored (the register, issue
    #: #16). No default: with none set, identity numbers are refused, not hashed under a
    #: constant anyone could know. The demo generates no identity numbers.
    id_hash_key: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    #: How many requests one worker runs at once in its thread pool (every route and
    #: dependency that is not ``async``, each with its database connection); the others wait
    #: their turn in the event loop. A worker is one Python interpreter: past a few threads
    #: they only take turns for it (docs/performance.md, P1: with anyio's 40, intake's
    #: saturation p99 was 2 s and its CPU per report a fifth higher). Long requests (a PDF,
    #: an export) hold a thread each: keep a few. 0: :attr:`worker_threads`.
    threads: int = Field(default=0, ge=0, le=256)
    #: How many reports (``POST /api/v1/cases``) one worker runs at once, in threads of
    #: their own beside :attr:`threads` (``huying.http.threads``): the reports of a city
    #: queue for its code counter anyway, and more threads only take turns for the
    #: interpreter (docs/performance.md, P1: with one, 1.4 to 1.6 times the reports served
    #: in the shared pool of four, at a fifth less CPU each, on both databases).
    report_threads: int = Field(default=1, ge=1, le=64)
    #: Time zone in which working days and hours are counted.
    timezone: str = "Asia/Shanghai"
    #: Notification adapter: ``log`` (default: messages go to the log), ``channels`` (each
    #: person's chosen and verified e-mail / SMS, through the senders configured below,
    #: docs/deploy.md "Notifications"), or an importable ``module:Class``.
    notifier: str = "log"
    #: The e-mail sender (``HUYING_NOTIFIER=channels``): an SMTP server. Empty host: no e-mail.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "huying@localhost"
    #: Upgrade the connection with STARTTLS before signing in (on by default: port 587).
    smtp_starttls: bool = True
    smtp_timeout: float = Field(default=10.0, gt=0, le=120)
    #: The SMS sender: a gateway taking a JSON POST ``{"to", "text", "idempotency_key"}``
    #: with ``Authorization: Bearer <token>``. Empty URL: no SMS.
    sms_url: str = ""
    sms_token: str = ""
    sms_timeout: float = Field(default=10.0, gt=0, le=120)
    #: Delivery attempts of one message before it goes to the dead letters (an administrator
    #: re-queues it at /admin/outbox); the n-th failure waits 30 s × 2ⁿ (at most ~8.5 h).
    outbox_max_attempts: int = Field(default=8, ge=1, le=50)
    #: How long a notification is worth sending, in hours, per kind (the event's action; ``*``
    #: for the others): past it the message is marked ``expired`` and never sent, so that a
    #: sender plugged in late does not send stale news. JSON in the environment, e.g.
    #: ``HUYING_OUTBOX_EXPIRY_HOURS='{"sla_warning": 12, "*": 72}'``.
    outbox_expiry_hours: dict[str, float] = Field(default_factory=lambda: {
        "sla_warning": 24.0, "overdue": 72.0, "dispatch": 168.0, "*": 168.0})
    #: The weights of the 数字城管 综合指标 (composite score) over the catalogue's rates
    #: (``huying.accountability.indicators``), JSON in the environment, e.g.
    #: ``HUYING_COMPOSITE_WEIGHTS='{"dispatch_accuracy": 30, "on_time_handling_rate": 35,
    #: "on_time_close_rate": 35}'`` (the default).
    composite_weights: dict[str, float] = Field(default_factory=lambda: {
        "dispatch_accuracy": 30.0, "on_time_handling_rate": 35.0, "on_time_close_rate": 35.0})
    #: Seconds between two refreshes of the leader's wall screen (``/leader/wall``, an
    #: operations room's 1920×1080 display that reloads itself).
    wall_refresh_seconds: int = Field(default=60, ge=10, le=3600)
    #: Seconds between SLA sweeps inside the server (0 disables the in-server sweeper).
    sla_sweep_interval: int = 60
    #: Freeze what a server worker built at start-up out of the garbage collector's sight: a
    #: full collection walked it (84–98 ms on the demo city) in the middle of some request
    #: (docs/performance.md, P1). Off for processes that build many apps (the tests).
    gc_freeze: bool = True
    #: Build before a server worker's first request what that request would otherwise build in
    #: its middle (docs/performance.md, P1: the routes' state, 0.6 s of each new app; the
    #: indexes, classifiers, rules and names of every city). Off for processes that build many
    #: apps and use few of their routes (the tests: tests/api/test_warm_start.py checks it).
    warm_start: bool = True
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
    #: The resident-point visit cycle (驻点联系): every assigned household is visited at
    #: least once in this many days (90: once a quarter); its next visit is due its last
    #: visit (or its assignment) plus the cycle.
    visit_cycle_days: int = Field(default=90, ge=1, le=3660)
    #: The 10-minute service circle (10分钟服务圈): how long a walk to a centre may take, in
    #: minutes, for a household to count as within the circle.
    circle_minutes: float = Field(default=10.0, gt=0, le=120)
    #: Walking speed, km/h, of the circle's walking times. 4.5 km/h = 1.25 m/s, the lower end
    #: of adults' comfortable gait speed (about 1.3–1.4 m/s at ages 20–59, about 1.2–1.3 m/s
    #: at 60–79: Bohannon, "Comfortable and maximum walking speed of adults aged 20–79 years",
    #: Age and Ageing 26(1), 1997). GB 50180-2018 (城市居住区规划设计标准) sizes the
    #: 10-minute life circle by a 500 m walk, which is slower; a city that wants its standard
    #: sets 3.0 here (500 m in 10 min at a detour of 1.0).
    walk_speed_kmh: float = Field(default=4.5, gt=0, le=10)
    #: The walk over the straight line when no walking network is imported: the network's
    #: circuity (route length / straight-line distance), 1.2–1.4 for street networks in the
    #: literature (e.g. Giacomin & Levinson, "Road network circuity in metropolitan areas",
    #: Environment and Planning B 42(6), 2015; Boeing, "Urban spatial order", Applied Network
    #: Science 4(67), 2019). 1.3 is the middle.
    walk_detour: float = Field(default=1.3, ge=1.0, le=3.0)
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
    #: Writes (POST, PUT, PATCH, DELETE on the API, Open311 and the web forms) per minute per
    #: account (token bucket refill; 0 = no write throttle). Far above what a person does.
    write_rate_per_minute: int = 60
    #: Burst: writes an account may make at once.
    write_rate_burst: int = 30
    #: An address (many people behind one office's NAT) gets this many times the account's
    #: rate and burst for its writes, signed in or not.
    write_rate_address_factor: int = 10
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
    def worker_threads(self) -> int:
        """:attr:`threads`, else 4 (measured: 2 serves a pure intake load best, 4 nearly as
        well while a long request holds one)."""
        return self.threads or 4

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'huying.db').as_posix()}"


class SettingsError(ValueError):
    """A ``HUYING_*`` setting (environment or ``.env``) that cannot be used: its name, what
    is wrong, and the value given."""


@lru_cache
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError("; ".join(_setting_problem(e) for e in exc.errors())) from None


#: Settings whose value is never repeated in an error (a secret, or a URL that may hold one).
_SECRET_WORDS = ("secret", "key", "password", "token", "url")


def _setting_problem(error: Any) -> str:
    field = "_".join(map(str, error["loc"]))
    name = f"{Settings.model_config.get('env_prefix', '')}{field.upper()}"
    given = "" if any(w in field.lower() for w in _SECRET_WORDS) else f" (given: {error['input']!r})"
    return f"{name}: {error['msg']}{given}"


#: Secrets published with huying's code or docs at some time: never accepted.
KNOWN_SECRETS = frozenset({"dev-secret-change-me", "change-me", "changeme", "secret", "huying"})
MIN_SECRET = 32
SECRET_FILE = "secret_key"


class SecretError(RuntimeError):
    """No usable secret: the message says what to set."""


def _checked(value: str, where: str) -> str:
    if value in KNOWN_SECRETS:
        raise SecretError(f"{where} is a secret published with huying: set HUYING_SECRET_KEY to a random "
                          f"value (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)")
    if len(value) < MIN_SECRET:
        raise SecretError(f"{where} is shorter than {MIN_SECRET} characters: set a longer HUYING_SECRET_KEY")
    return value


_secrets: dict[tuple[str, str], str] = {}


def secret_key(settings: Settings | None = None) -> str:
    """The secret signing sessions and CSRF tokens: ``HUYING_SECRET_KEY``, or the one
    generated into ``data_dir/secret_key`` (mode 0600) on first use, for a server on the
    loopback interface (``huying serve`` refuses other addresses without a set secret,
    :func:`require_secret_for`). A published or short secret raises :class:`SecretError`."""
    s = settings or get_settings()
    key = (s.secret_key, str(s.data_dir))
    got = _secrets.get(key)
    if got is not None:
        return got
    if s.secret_key:
        got = _checked(s.secret_key, "HUYING_SECRET_KEY")
    else:
        got = _checked(_generated(s.data_dir / SECRET_FILE), str(s.data_dir / SECRET_FILE))
    _secrets[key] = got
    return got


def _generated(path: Path) -> str:
    import logging
    import os
    import secrets

    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    try:  # O_EXCL: two workers starting at once keep the first one's secret
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
    logging.getLogger("huying").warning(
        "no HUYING_SECRET_KEY: generated a secret for this machine into %s (set HUYING_SECRET_KEY "
        "to serve beyond the loopback interface)", path)
    return value


LOOPBACK = ("127.0.0.1", "::1", "localhost")


def require_secret_for(host: str, settings: Settings | None = None) -> str:
    """What ``huying serve`` checks before it binds ``host``: outside the loopback
    interface a secret must be set (a generated one on a shared disk, or one nobody chose,
    is not for the internet). Returns the secret or raises :class:`SecretError`."""
    s = settings or get_settings()
    if not s.secret_key and host not in LOOPBACK and not host.startswith("127."):
        raise SecretError(f"refusing to serve on {host} without HUYING_SECRET_KEY: set it to a random value "
                          f"of at least {MIN_SECRET} characters (or serve on 127.0.0.1 behind a proxy)")
    return secret_key(s)
