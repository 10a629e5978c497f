"""The digital twin: one supply-chain network per user, stored in SQLite or PostgreSQL.

Tables are prefixed ``twin_`` because the server may keep its own tables in the same database;
the schema version lives in ``twin_schema_version`` (never ``PRAGMA user_version``, which the
file's other owners may use). Migrations run in order at open time, each in its own
transaction, under the database's migration lock (several processes may start at once). Every
query is written once, in SQLite's spelling, through the :mod:`~omnitrack_realtime.database`
seam.

Concurrency on SQLite: one connection guarded by one re-entrant lock. Every public method takes
the lock; :meth:`Twin.transaction` holds it across several calls (``BEGIN IMMEDIATE`` ...
``COMMIT``), so two conversations of the same user never interleave the reads and writes of one
step. WAL mode and a busy timeout let other connections (the server's store, another process)
read and write the same file meanwhile.

Concurrency on PostgreSQL: each thread takes a connection of a bounded pool for the length of a
call or a transaction, so the turns of different users run side by side. A transaction takes
its user's advisory lock (``transaction(user_id)``, or the first write that names a user), held
to its end whichever host it runs on: the same exclusion per user as SQLite's one writer gives,
without making every host wait for every other.

Reads of a user's whole node and connection lists (what every analysis needs) are cached in
memory, stamped with the user's row in ``twin_revisions``, which every write to those lists
bumps in its own transaction, whoever makes it (this twin, another process, another host). A
cached list is valid while that revision has not moved; this twin's own writes patch the cached
lists in place and move the stamp with the revision (so a write does not cost a reload of 1,000
nodes), and a rolled-back transaction drops the whole cache, so it never holds rows that were
not committed. The stamp is per user and per twin data on purpose: ``PRAGMA data_version``
moves on every commit to the file by any connection, and the server's store, which shares the
file, commits on every turn, so it would reload the whole network every turn; and the same
stored counter works unchanged on PostgreSQL, where no such pragma exists.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..database import (
    Database,
    DatabaseError,
    IntegrityViolation,
    SQLConnection,
    open_database,
)
from ..errors import ConfigurationError

__all__ = [
    "ALERT_KINDS",
    "ALERT_SEVERITIES",
    "ALERT_STATUSES",
    "CURRENCIES",
    "INDUSTRIES",
    "NODE_STATUSES",
    "REGIONS",
    "REGION_LABELS",
    "RISK_PROFILES",
    "SCHEMA_VERSION",
    "SHIPPING_METHODS",
    "Alert",
    "Connection",
    "Location",
    "Node",
    "Settings",
    "Twin",
    "twin_status",
]

NODE_STATUSES = ("operational", "degraded", "disrupted", "offline")
ALERT_SEVERITIES = ("low", "medium", "high", "critical")
ALERT_STATUSES = ("active", "acknowledged", "resolved")
#: What raised an alert: a node's status turning bad, an anomaly scan, a simulation.
ALERT_KINDS = ("node-status", "anomaly", "simulation")
#: The seed's ``metadata.priority`` of an alert, by severity: 1 is the most urgent.
_ALERT_PRIORITY = {"critical": 1, "high": 2, "medium": 3, "low": 4}
SHIPPING_METHODS = ("sea", "air", "rail", "truck", "express")
REGIONS = ("asia-pacific", "north-america", "europe", "latin-america", "middle-east")
INDUSTRIES = (
    "electronics",
    "automotive",
    "pharmaceuticals",
    "food-beverage",
    "fashion",
    "chemicals",
)
CURRENCIES = (
    *("USD", "EUR", "GBP", "CNY", "JPY", "INR", "CAD", "AUD", "NZD", "SGD", "HKD", "CHF", "SEK"),
    *("NOK", "DKK", "PLN", "KRW", "MXN", "BRL", "ZAR", "AED", "SAR", "TRY", "THB", "MYR", "IDR"),
    *("VND", "NGN", "KES", "GHS", "EGP", "PHP", "COP", "CLP", "ARS", "PEN", "PKR", "BDT", "UAH"),
    *("HUF", "CZK", "ILS", "TWD"),
)
RISK_PROFILES = ("low", "medium", "high")
#: How a region id reads in an answer.
REGION_LABELS = {
    "asia-pacific": "Asia-Pacific",
    "north-america": "North America",
    "europe": "Europe",
    "latin-america": "Latin America",
    "middle-east": "Middle East & Africa",
}

# Each entry is one migration; the schema version is its 1-based position. Never edit a released
# entry: append a new one.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE twin_nodes (
        user_id TEXT NOT NULL,
        id TEXT NOT NULL,
        type TEXT NOT NULL,
        name TEXT NOT NULL,
        city TEXT,
        country TEXT,
        region TEXT NOT NULL,
        latitude REAL NOT NULL,
        longitude REAL NOT NULL,
        capacity INTEGER NOT NULL,
        status TEXT NOT NULL,
        inventory INTEGER NOT NULL,
        utilization REAL NOT NULL,
        updated_at INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (user_id, id)
    );
    CREATE UNIQUE INDEX twin_nodes_name ON twin_nodes (user_id, name COLLATE NOCASE);
    CREATE TABLE twin_connections (
        user_id TEXT NOT NULL,
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        shipping_method TEXT,
        bidirectional INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, source, target)
    );
    CREATE TABLE twin_settings (
        user_id TEXT PRIMARY KEY,
        region TEXT,
        industry TEXT,
        currency TEXT NOT NULL,
        risk_profile TEXT NOT NULL,
        shipping_methods TEXT NOT NULL
    );
    CREATE TABLE twin_alerts (
        user_id TEXT NOT NULL,
        id TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        node_ids TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        recommended_actions TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (user_id, id)
    );
    CREATE TABLE twin_context (
        user_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        node_ids TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, conversation_id)
    );
    CREATE TABLE twin_counters (
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        value INTEGER NOT NULL,
        PRIMARY KEY (user_id, kind)
    );
    """,
    # 2: a per-user revision of the node and connection lists, the cache's validity stamp.
    """
    CREATE TABLE twin_revisions (
        user_id TEXT PRIMARY KEY,
        revision INTEGER NOT NULL
    ) WITHOUT ROWID;
    """,
    # 3: a conversation's dialogue state (see get_dialogue): one JSON document per conversation.
    """
    CREATE TABLE twin_dialogue (
        user_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        state TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, conversation_id)
    ) WITHOUT ROWID;
    """,
    # 4: each turn's outcome by the server's turn id, written in the transaction of the turn's
    # changes: a turn run again (after a crash) replays it instead of acting twice.
    """
    CREATE TABLE twin_turns (
        turn_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        outcome TEXT NOT NULL,
        created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX twin_turns_age ON twin_turns (created_at);
    """,
    # 5: what raised each alert (ALERT_KINDS), the seed's alert ``type``.
    """
    ALTER TABLE twin_alerts ADD COLUMN kind TEXT NOT NULL DEFAULT 'anomaly';
    """,
)

#: What a migration adds on PostgreSQL only: SQLite's implicit ``rowid`` (the connections'
#: insertion order, which their queries sort by) as an identity column of the same name.
_POSTGRES_ONLY: dict[int, tuple[str, ...]] = {
    1: ("ALTER TABLE twin_connections ADD COLUMN rowid BIGINT GENERATED BY DEFAULT AS IDENTITY",),
}

#: The schema version this code writes.
SCHEMA_VERSION = len(_MIGRATIONS)

_NODE_COLUMNS = (
    "id, type, name, city, country, region, latitude, longitude, capacity, status, inventory, "
    "utilization, updated_at"
)
_ALERT_COLUMNS = "id, severity, message, node_ids, status, created_at, recommended_actions, kind"


@dataclass(frozen=True, slots=True)
class Location:
    """Where a node is. ``city`` is None when only a country or region was given."""

    city: str | None
    country: str | None
    region: str
    latitude: float
    longitude: float

    @property
    def label(self) -> str:
        """The place in words: "Rotterdam, Netherlands", or the country, or the region."""
        parts = [part for part in (self.city, self.country) if part]
        if len(parts) == 2 and parts[0] == parts[1]:  # city-states: "Singapore"
            parts = parts[:1]
        return ", ".join(parts) if parts else REGION_LABELS.get(self.region, self.region)

    def to_dict(self) -> dict[str, Any]:
        return {
            "city": self.city,
            "country": self.country,
            "region": self.region,
            "latitude": self.latitude,
            "longitude": self.longitude,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Location:
        """The location :meth:`to_dict` gave (an undo journal keeps nodes as JSON)."""
        return cls(
            data.get("city"),
            data.get("country"),
            str(data["region"]),
            float(data["latitude"]),
            float(data["longitude"]),
        )


@dataclass(frozen=True, slots=True)
class Node:
    """One facility of the network. ``updated_at`` is epoch milliseconds."""

    id: str
    type: str
    name: str
    location: Location
    capacity: int
    status: str
    inventory: int
    utilization: float
    updated_at: int

    def to_dict(self) -> dict[str, Any]:
        """The node as JSON-ready data (the shape ``/ws`` events carry)."""
        return {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "location": self.location.to_dict(),
            "capacity": self.capacity,
            "status": self.status,
            "inventory": self.inventory,
            "utilization": self.utilization,
            "updatedAt": self.updated_at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Node:
        """The node :meth:`to_dict` gave."""
        return cls(
            id=str(data["id"]),
            type=str(data["type"]),
            name=str(data["name"]),
            location=Location.from_dict(data["location"]),
            capacity=int(data["capacity"]),
            status=str(data["status"]),
            inventory=int(data["inventory"]),
            utilization=float(data["utilization"]),
            updated_at=int(data["updatedAt"]),
        )


@dataclass(frozen=True, slots=True)
class Connection:
    """A directed edge ``source -> target``: goods flow from ``source`` to ``target``;
    ``bidirectional`` edges carry goods both ways. (The constructor's default stays two-way
    for imports and fixtures; the copilot's ``connect-nodes`` makes one-way links unless
    asked otherwise.)"""

    source: str
    target: str
    shipping_method: str | None = None
    bidirectional: bool = True

    @property
    def arrow(self) -> str:
        """How answers and events draw the link: ``→`` one-way, ``↔`` both ways."""
        return "↔" if self.bidirectional else "→"

    def touches(self, node_id: str) -> bool:
        return node_id in (self.source, self.target)

    def links(self, a: str, b: str) -> bool:
        """Whether this edge joins ``a`` and ``b`` in either direction."""
        return {self.source, self.target} == {a, b}

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "shippingMethod": self.shipping_method,
            "bidirectional": self.bidirectional,
            "arrow": self.arrow,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Connection:
        """The connection :meth:`to_dict` gave."""
        method = data.get("shippingMethod")
        return cls(
            str(data["source"]),
            str(data["target"]),
            None if method is None else str(method),
            bool(data.get("bidirectional", False)),
        )


@dataclass(frozen=True, slots=True)
class Settings:
    """Network-wide settings. ``region`` and ``industry`` are None until set."""

    region: str | None = None
    industry: str | None = None
    currency: str = "USD"
    risk_profile: str = "medium"
    shipping_methods: tuple[str, ...] = ("sea", "truck")

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "industry": self.industry,
            "currency": self.currency,
            "riskProfile": self.risk_profile,
            "shippingMethods": list(self.shipping_methods),
        }


@dataclass(frozen=True, slots=True)
class Alert:
    """A problem worth the user's attention. ``created_at`` is epoch milliseconds; ``kind``
    is one of :data:`ALERT_KINDS`."""

    id: str
    severity: str
    message: str
    node_ids: tuple[str, ...]
    status: str
    created_at: int
    recommended_actions: tuple[str, ...] = field(default=())
    kind: str = "anomaly"

    def to_event(self) -> dict[str, Any]:
        """The ``alert_notification`` payload, in the seed's shape (its ``ActiveAlerts`` card
        reads ``type``, upper-case ``severity`` and ``status``, and ``metadata``), with our
        ``nodeIds`` and ``recommendedActions`` beside it."""
        affected = list(self.node_ids)
        actions = list(self.recommended_actions)
        return {
            "alertId": self.id,
            "type": self.kind.upper().replace("-", "_"),
            "severity": self.severity.upper(),
            "message": self.message,
            "createdAt": self.created_at,
            "status": self.status.upper(),
            "metadata": {
                "priority": _ALERT_PRIORITY.get(self.severity, len(_ALERT_PRIORITY)),
                "affectedNodes": affected,
                "estimatedImpact": _impact(len(affected)),
                "recommendedActions": actions,
            },
            "nodeIds": affected,
            "recommendedActions": actions,
        }


def twin_status(counts: Mapping[str, int], now_ms: int) -> dict[str, Any]:
    """The seed's ``DigitalTwinStatus`` fields of a twin whose nodes per status are ``counts``
    (:meth:`Twin.status_counts`): an offline node counts as disrupted (the seed has no
    offline), and ``lastSync`` is ``now_ms`` as an ISO-8601 UTC string."""
    synced = datetime.fromtimestamp(now_ms / 1000, tz=UTC)
    return {
        "status": "active",
        "lastSync": synced.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "nodeCount": sum(counts.values()),
        "healthyNodes": counts.get("operational", 0),
        "degradedNodes": counts.get("degraded", 0),
        "disruptedNodes": counts.get("disrupted", 0) + counts.get("offline", 0),
    }


def _impact(nodes: int) -> str:
    if nodes == 0:
        return "network-wide"
    return f"{nodes} node{'' if nodes == 1 else 's'} affected"


def _system_clock() -> int:
    return int(time.time() * 1000)


_TYPE_PREFIX = {
    "supplier": "sup",
    "manufacturer": "mfg",
    "warehouse": "wh",
    "distribution_center": "dc",
    "retailer": "ret",
}


class Twin:
    """The SQLite store of every user's twin (see the module docstring for concurrency).

    ``clock`` returns epoch milliseconds; tests inject a fixed one so staleness is deterministic.
    """

    #: Alerts kept per user, the newest: simulations raise them as long as a user runs them.
    KEEP_ALERTS = 1000

    def __init__(
        self,
        db_path: str | Path,
        *,
        clock: Callable[[], int] = _system_clock,
        pool_size: int = 8,
    ) -> None:
        self.clock = clock
        # Per thread: the connection of the call or transaction in progress, its depth, and
        # the users whose advisory lock the transaction holds (see the module docstring).
        self._local = threading.local()
        self._cache_lock = threading.Lock()
        # (kind, user_id) -> ((revision, generation), value); see the module docstring.
        self._cache: OrderedDict[tuple[str, str], tuple[tuple[int, int], Any]] = OrderedDict()
        self._generation = 0
        try:
            self._database: Database = open_database(
                db_path, pool_size=pool_size, busy_timeout=10.0
            )
        except DatabaseError as exc:
            raise ConfigurationError(f"cannot open the twin database: {exc}") from exc
        self.dialect = self._database.dialect
        self._postgres = self.dialect.is_postgres
        # SQLite: one connection, one thread at a time. PostgreSQL: a connection per thread.
        self._gate: AbstractContextManager[Any] = (
            nullcontext() if self._postgres else threading.RLock()
        )
        try:
            self._migrate()
        except DatabaseError as exc:
            self._database.close()
            raise ConfigurationError(f"cannot open the twin database: {exc}") from exc

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        with self._gate:
            self._database.close()

    def __enter__(self) -> Twin:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _using(self) -> Iterator[SQLConnection]:
        """This thread's connection for the length of the block (re-entrant)."""
        local = self._local
        held: SQLConnection | None = getattr(local, "db", None)
        if held is not None:
            yield held
            return
        with self._gate, self._database.connection() as db:
            local.db, local.depth, local.locked = db, 0, set()
            try:
                yield db
            finally:
                local.db = None

    @property
    def _db(self) -> SQLConnection:
        db: SQLConnection | None = getattr(self._local, "db", None)
        if db is None:  # a bug: every query runs inside _using()
            raise RuntimeError("twin query outside of a connection")
        return db

    def schema_version(self) -> int:
        with self._using():
            row = self._db.execute("SELECT MAX(version) FROM twin_schema_version").fetchone()
        return int(row[0] or 0)

    def _migrate(self) -> None:
        with self._using() as db, db.migration_lock():
            db.execute(
                self.dialect.ddl(
                    "CREATE TABLE IF NOT EXISTS twin_schema_version "
                    "(version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"
                )
            )
            current = self.schema_version()
            for version, script in enumerate(_MIGRATIONS, start=1):
                if version <= current:
                    continue
                with self.transaction():
                    # Re-check inside the write lock: another process may have migrated
                    # meanwhile.
                    row = db.execute("SELECT MAX(version) FROM twin_schema_version").fetchone()
                    if int(row[0] or 0) >= version:
                        continue
                    statements = [s for s in script.split(";") if s.strip()]
                    if self._postgres:
                        statements += _POSTGRES_ONLY.get(version, ())
                    for statement in statements:
                        db.execute(self.dialect.ddl(statement))
                    db.execute(
                        "INSERT INTO twin_schema_version (version, applied_at) VALUES (?, ?)",
                        (version, self.clock()),
                    )

    @contextmanager
    def transaction(self, user_id: str | None = None) -> Iterator[None]:
        """Hold the writer lock and one transaction; nested uses join the outer one.

        A nested use is a savepoint: an exception out of it undoes its writes only (a step
        that failed in a turn run as one transaction leaves nothing half-done), and the outer
        transaction goes on if the caller handles the exception. ``user_id`` names the user
        whose twin it writes: on PostgreSQL the transaction holds that user's lock (taken
        when first named, held to the end), so turns of one user on several hosts take turns.
        """
        with self._using() as db:
            local = self._local
            if local.depth:
                self._lock_user(db, user_id)
                savepoint = f"twin_{local.depth}"
                db.execute(f"SAVEPOINT {savepoint}")
                local.depth += 1
                try:
                    yield
                except BaseException:
                    db.execute(f"ROLLBACK TO {savepoint}")
                    db.execute(f"RELEASE {savepoint}")
                    self._invalidate()
                    raise
                else:
                    db.execute(f"RELEASE {savepoint}")
                finally:
                    local.depth -= 1
                return
            db.execute(self.dialect.begin)
            local.depth = 1
            try:
                self._lock_user(db, user_id)
                yield
            except BaseException:
                local.depth = 0
                local.locked.clear()
                if db.in_transaction:
                    db.execute("ROLLBACK")
                self._invalidate()
                raise
            local.depth = 0
            local.locked.clear()
            db.execute("COMMIT")

    def _lock_user(self, db: SQLConnection, user_id: str | None) -> None:
        if user_id is None or not self._postgres or user_id in self._local.locked:
            return
        db.lock(f"twin:{user_id}")
        self._local.locked.add(user_id)

    _CACHED_USERS = 32

    def _invalidate(self) -> None:
        """A rollback makes every cached list suspect."""
        with self._cache_lock:
            self._generation += 1
            self._cache.clear()

    def _patch(self, kind: str, user_id: str, change: Callable[[Any], Any]) -> None:
        """Record our own write to a user's ``kind`` list (inside its transaction): bump the
        user's revision and apply ``change`` to the cached list, so the cache stays valid."""
        row = self._db.execute(
            "INSERT INTO twin_revisions (user_id, revision) VALUES (?, 1) "
            "ON CONFLICT (user_id) DO UPDATE SET revision = twin_revisions.revision + 1 "
            "RETURNING revision",
            (user_id,),
        ).fetchone()
        revision = int(row[0])
        with self._cache_lock:
            before, after = (revision - 1, self._generation), (revision, self._generation)
            for cached_kind in ("nodes", "connections"):
                key = (cached_kind, user_id)
                hit = self._cache.get(key)
                if hit is None:
                    continue
                if hit[0] != before:  # already stale (another writer): reload on the next read
                    del self._cache[key]
                    continue
                value = change(hit[1]) if cached_kind == kind else hit[1]
                self._cache[key] = (after, value)

    def _revision(self, user_id: str) -> int:
        row = self._db.execute(
            "SELECT revision FROM twin_revisions WHERE user_id = ?", (user_id,)
        ).fetchone()
        return int(row[0]) if row else 0

    def _cached(self, kind: str, user_id: str, load: Callable[[], Any]) -> Any:
        with self._using():
            revision = self._revision(user_id)
            key = (kind, user_id)
            with self._cache_lock:
                stamp = (revision, self._generation)
                hit = self._cache.get(key)
                if hit is not None and hit[0] == stamp:
                    self._cache.move_to_end(key)
                    return hit[1]
            value = load()
            with self._cache_lock:
                self._cache[key] = (stamp, value)
                if len(self._cache) > 2 * self._CACHED_USERS:
                    self._cache.popitem(last=False)
            return value

    def _next(self, user_id: str, kind: str) -> int:
        with self.transaction(user_id):
            row = self._db.execute(
                "INSERT INTO twin_counters (user_id, kind, value) VALUES (?, ?, 1) "
                "ON CONFLICT (user_id, kind) DO UPDATE SET value = twin_counters.value + 1 "
                "RETURNING value",
                (user_id, kind),
            ).fetchone()
        return int(row[0])

    def next_id(self, user_id: str, kind: str) -> str:
        """A fresh id of a kind (``"sim"``, ``"alert"``, ...) for this user: ``sim-1``, ..."""
        return f"{kind}-{self._next(user_id, kind)}"

    # ------------------------------------------------------------------ nodes

    @staticmethod
    def _node(row: Sequence[Any]) -> Node:
        return Node(
            id=row[0],
            type=row[1],
            name=row[2],
            location=Location(row[3], row[4], row[5], float(row[6]), float(row[7])),
            capacity=int(row[8]),
            status=row[9],
            inventory=int(row[10]),
            utilization=float(row[11]),
            updated_at=int(row[12]),
        )

    def add_node(
        self,
        user_id: str,
        *,
        type: str,
        name: str,
        location: Location,
        capacity: int,
        status: str = "operational",
        inventory: int | None = None,
        utilization: float = 0.5,
    ) -> Node:
        """Insert a node with a fresh id (``sup-1``, ``wh-2``, ...) and return it.

        Raises ValueError when the user already has a node of that name (case-insensitive).
        """
        with self.transaction(user_id):
            seq = self._next(user_id, "node")
            node = Node(
                id=f"{_TYPE_PREFIX.get(type, 'node')}-{seq}",
                type=type,
                name=name,
                location=location,
                capacity=capacity,
                status=status,
                inventory=capacity // 2 if inventory is None else inventory,
                utilization=utilization,
                updated_at=self.clock(),
            )
            self._write_node(user_id, node, seq)
        return node

    def _write_node(self, user_id: str, node: Node, seq: int) -> None:
        """Insert or update by id; a name another node already has raises ValueError (the
        plain upsert keeps SQLite from silently replacing that other node)."""
        loc = node.location
        try:
            self._db.execute(
                f"INSERT INTO twin_nodes (user_id, {_NODE_COLUMNS}, seq) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id, id) DO UPDATE SET type = excluded.type, "
                "name = excluded.name, city = excluded.city, country = excluded.country, "
                "region = excluded.region, latitude = excluded.latitude, "
                "longitude = excluded.longitude, capacity = excluded.capacity, "
                "status = excluded.status, inventory = excluded.inventory, "
                "utilization = excluded.utilization, updated_at = excluded.updated_at",
                (
                    user_id,
                    node.id,
                    node.type,
                    node.name,
                    loc.city,
                    loc.country,
                    loc.region,
                    loc.latitude,
                    loc.longitude,
                    node.capacity,
                    node.status,
                    node.inventory,
                    node.utilization,
                    node.updated_at,
                    seq,
                ),
            )
        except IntegrityViolation as exc:
            raise ValueError(f"a node named {node.name!r} already exists") from exc

        def upsert(nodes: tuple[Node, ...]) -> tuple[Node, ...]:
            if any(n.id == node.id for n in nodes):
                return tuple(node if n.id == node.id else n for n in nodes)
            return (*nodes, node)  # a new node has the highest seq: it goes last

        self._patch("nodes", user_id, upsert)

    def put_node(self, user_id: str, node: Node) -> None:
        """Insert or replace a node exactly as given (imports, tests, benchmarks)."""
        with self.transaction(user_id):
            row = self._db.execute(
                "SELECT seq FROM twin_nodes WHERE user_id = ? AND id = ?", (user_id, node.id)
            ).fetchone()
            self._write_node(user_id, node, int(row[0]) if row else self._next(user_id, "node"))

    def node_seq(self, user_id: str, node_id: str) -> int | None:
        """A node's position in creation order (what :meth:`restore_node` puts back)."""
        with self._using():
            row = self._db.execute(
                "SELECT seq FROM twin_nodes WHERE user_id = ? AND id = ?", (user_id, node_id)
            ).fetchone()
        return int(row[0]) if row else None

    def restore_node(self, user_id: str, node: Node, seq: int | None = None) -> None:
        """Put a removed node back exactly as it was: its id, and its place in creation order
        when ``seq`` (from :meth:`node_seq`) is given, so "the second warehouse" still means
        it. Raises ValueError when another node has its name now."""
        with self.transaction(user_id):
            self._write_node(user_id, node, self._next(user_id, "node") if seq is None else seq)
            if seq is not None:
                # The cached list is patched by appending; an old seq belongs in the middle.
                with self._cache_lock:
                    self._cache.pop(("nodes", user_id), None)

    def get_node(self, user_id: str, node_id: str) -> Node | None:
        with self._using():
            row = self._db.execute(
                f"SELECT {_NODE_COLUMNS} FROM twin_nodes WHERE user_id = ? AND "
                + self.dialect.equals_nocase("id"),
                (user_id, node_id),
            ).fetchone()
        return self._node(row) if row else None

    def find_by_name(self, user_id: str, name: str) -> Node | None:
        """The node called exactly ``name`` (case-insensitive), if any."""
        with self._using():
            row = self._db.execute(
                f"SELECT {_NODE_COLUMNS} FROM twin_nodes WHERE user_id = ? AND "
                + self.dialect.equals_nocase("name"),
                (user_id, name),
            ).fetchone()
        return self._node(row) if row else None

    def list_nodes(self, user_id: str) -> list[Node]:
        """Every node of the user, oldest first (a fresh list; the nodes are immutable)."""

        def load() -> tuple[Node, ...]:
            rows = self._db.execute(
                f"SELECT {_NODE_COLUMNS} FROM twin_nodes WHERE user_id = ? ORDER BY seq",
                (user_id,),
            ).fetchall()
            return tuple(self._node(row) for row in rows)

        nodes: tuple[Node, ...] = self._cached("nodes", user_id, load)
        return list(nodes)

    def node_names(self, user_id: str) -> list[str]:
        return [node.name for node in self.list_nodes(user_id)]

    def update_node(self, user_id: str, node_id: str, **changes: Any) -> Node:
        """Replace some fields of a node (``capacity``, ``status``, ``location``, ...).

        Raises KeyError when there is no such node.
        """
        with self.transaction(user_id):
            node = self.get_node(user_id, node_id)
            if node is None:
                raise KeyError(node_id)
            updated = replace(node, **changes, updated_at=self.clock())
            row = self._db.execute(
                "SELECT seq FROM twin_nodes WHERE user_id = ? AND id = ?", (user_id, node.id)
            ).fetchone()
            self._write_node(user_id, updated, int(row[0]))
        return updated

    def remove_node(self, user_id: str, node_id: str) -> list[Connection]:
        """Delete a node and its connections; return the connections removed."""
        with self.transaction(user_id):
            removed = [c for c in self.list_connections(user_id) if c.touches(node_id)]
            self._db.execute(
                "DELETE FROM twin_connections WHERE user_id = ? AND (source = ? OR target = ?)",
                (user_id, node_id, node_id),
            )
            self._db.execute(
                "DELETE FROM twin_nodes WHERE user_id = ? AND id = ?", (user_id, node_id)
            )
            self._patch("nodes", user_id, lambda ns: tuple(n for n in ns if n.id != node_id))
            self._patch(
                "connections", user_id, lambda cs: tuple(c for c in cs if not c.touches(node_id))
            )
        return removed

    def status_counts(self, user_id: str) -> dict[str, int]:
        """How many nodes are in each status (every status present, zeros included)."""
        counts = dict.fromkeys(NODE_STATUSES, 0)
        with self._using():
            rows = self._db.execute(
                "SELECT status, COUNT(*) FROM twin_nodes WHERE user_id = ? GROUP BY status",
                (user_id,),
            ).fetchall()
        for status, count in rows:
            counts[status] = int(count)
        return counts

    # ------------------------------------------------------------------ connections

    def list_connections(self, user_id: str) -> list[Connection]:
        def load() -> tuple[Connection, ...]:
            rows = self._db.execute(
                "SELECT source, target, shipping_method, bidirectional FROM twin_connections "
                "WHERE user_id = ? ORDER BY rowid",
                (user_id,),
            ).fetchall()
            return tuple(Connection(row[0], row[1], row[2], bool(row[3])) for row in rows)

        connections: tuple[Connection, ...] = self._cached("connections", user_id, load)
        return list(connections)

    def find_connection(self, user_id: str, a: str, b: str) -> Connection | None:
        """The edge joining ``a`` and ``b`` in either direction, if any."""
        with self._using():
            row = self._db.execute(
                "SELECT source, target, shipping_method, bidirectional FROM twin_connections "
                "WHERE user_id = ? "
                "AND ((source = ? AND target = ?) OR (source = ? AND target = ?))",
                (user_id, a, b, b, a),
            ).fetchone()
        return Connection(row[0], row[1], row[2], bool(row[3])) if row else None

    def connections_between(self, user_id: str, a: str, b: str) -> list[Connection]:
        """Every edge joining ``a`` and ``b``, in either direction."""
        with self._using():
            rows = self._db.execute(
                "SELECT source, target, shipping_method, bidirectional FROM twin_connections "
                "WHERE user_id = ? "
                "AND ((source = ? AND target = ?) OR (source = ? AND target = ?)) ORDER BY rowid",
                (user_id, a, b, b, a),
            ).fetchall()
        return [Connection(row[0], row[1], row[2], bool(row[3])) for row in rows]

    def node_connections(self, user_id: str, node_id: str) -> list[Connection]:
        """The edges of one node (without loading the user's whole list)."""
        with self._using():
            rows = self._db.execute(
                "SELECT source, target, shipping_method, bidirectional FROM twin_connections "
                "WHERE user_id = ? AND (source = ? OR target = ?) ORDER BY rowid",
                (user_id, node_id, node_id),
            ).fetchall()
        return [Connection(row[0], row[1], row[2], bool(row[3])) for row in rows]

    def set_connection_method(
        self, user_id: str, source: str, target: str, method: str | None
    ) -> bool:
        """Set the shipping method of the edge ``source -> target``; False when there is none."""
        with self.transaction(user_id):
            cursor = self._db.execute(
                "UPDATE twin_connections SET shipping_method = ? "
                "WHERE user_id = ? AND source = ? AND target = ?",
                (method, user_id, source, target),
            )
            if cursor.rowcount:
                self._patch(
                    "connections",
                    user_id,
                    lambda cs: tuple(
                        replace(c, shipping_method=method)
                        if (c.source, c.target) == (source, target)
                        else c
                        for c in cs
                    ),
                )
        return cursor.rowcount > 0

    def add_connection(self, user_id: str, connection: Connection) -> None:
        with self.transaction(user_id):
            self._db.execute(
                "INSERT INTO twin_connections "
                "(user_id, source, target, shipping_method, bidirectional, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    user_id,
                    connection.source,
                    connection.target,
                    connection.shipping_method,
                    int(connection.bidirectional),
                    self.clock(),
                ),
            )
            self._patch("connections", user_id, lambda cs: (*cs, connection))

    def remove_connection(self, user_id: str, a: str, b: str) -> int:
        """Delete the edge(s) joining ``a`` and ``b``; return how many were deleted."""
        with self.transaction(user_id):
            cursor = self._db.execute(
                "DELETE FROM twin_connections WHERE user_id = ? "
                "AND ((source = ? AND target = ?) OR (source = ? AND target = ?))",
                (user_id, a, b, b, a),
            )
            self._patch(
                "connections", user_id, lambda cs: tuple(c for c in cs if not c.links(a, b))
            )
        return int(cursor.rowcount)

    def set_shipping_method(self, user_id: str, node_id: str, method: str) -> int:
        """Set the shipping method of every connection of a node; return how many changed."""
        with self.transaction(user_id):
            cursor = self._db.execute(
                "UPDATE twin_connections SET shipping_method = ? "
                "WHERE user_id = ? AND (source = ? OR target = ?)",
                (method, user_id, node_id, node_id),
            )
            self._patch(
                "connections",
                user_id,
                lambda cs: tuple(
                    replace(c, shipping_method=method) if c.touches(node_id) else c for c in cs
                ),
            )
        return int(cursor.rowcount)

    # ------------------------------------------------------------------ settings

    def get_settings(self, user_id: str) -> Settings:
        with self._using():
            row = self._db.execute(
                "SELECT region, industry, currency, risk_profile, shipping_methods "
                "FROM twin_settings WHERE user_id = ?",
                (user_id,),
            ).fetchone()
        if row is None:
            return Settings()
        return Settings(row[0], row[1], row[2], row[3], tuple(json.loads(row[4])))

    def update_settings(self, user_id: str, **changes: Any) -> Settings:
        with self.transaction(user_id):
            settings = replace(self.get_settings(user_id), **changes)
            self._db.execute(
                "INSERT INTO twin_settings "
                "(user_id, region, industry, currency, risk_profile, shipping_methods) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                "region = excluded.region, industry = excluded.industry, "
                "currency = excluded.currency, risk_profile = excluded.risk_profile, "
                "shipping_methods = excluded.shipping_methods",
                (
                    user_id,
                    settings.region,
                    settings.industry,
                    settings.currency,
                    settings.risk_profile,
                    json.dumps(list(settings.shipping_methods)),
                ),
            )
        return settings

    # ------------------------------------------------------------------ alerts

    @staticmethod
    def _alert(row: Sequence[Any]) -> Alert:
        return Alert(
            id=row[0],
            severity=row[1],
            message=row[2],
            node_ids=tuple(json.loads(row[3])),
            status=row[4],
            created_at=int(row[5]),
            recommended_actions=tuple(json.loads(row[6])),
            kind=row[7],
        )

    def add_alert(
        self,
        user_id: str,
        *,
        severity: str,
        message: str,
        node_ids: Sequence[str] = (),
        recommended_actions: Sequence[str] = (),
        kind: str = "anomaly",
    ) -> Alert:
        with self.transaction(user_id):
            seq = self._next(user_id, "alert")
            alert = Alert(
                id=f"alert-{seq}",
                severity=severity,
                message=message,
                node_ids=tuple(node_ids),
                status="active",
                created_at=self.clock(),
                recommended_actions=tuple(recommended_actions),
                kind=kind,
            )
            self._db.execute(
                f"INSERT INTO twin_alerts (user_id, {_ALERT_COLUMNS}, seq) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    user_id,
                    alert.id,
                    alert.severity,
                    alert.message,
                    json.dumps(list(alert.node_ids)),
                    alert.status,
                    alert.created_at,
                    json.dumps(list(alert.recommended_actions)),
                    alert.kind,
                    seq,
                ),
            )
            self._db.execute(
                "DELETE FROM twin_alerts WHERE user_id = ? AND seq <= ?",
                (user_id, seq - self.KEEP_ALERTS),
            )
        return alert

    def list_alerts(
        self,
        user_id: str,
        *,
        severity: str | None = None,
        status: str | None = None,
        node_id: str | None = None,
        limit: int | None = None,
    ) -> list[Alert]:
        """Alerts, newest first, optionally filtered (``node_id``: alerts about that node)."""
        sql = f"SELECT {_ALERT_COLUMNS} FROM twin_alerts WHERE user_id = ?"
        args: list[Any] = [user_id]
        if node_id is not None:
            # node_ids is a JSON list of quoted ids
            sql += " AND " + self.dialect.contains("node_ids")
            args.append(json.dumps(node_id))
        if severity is not None:
            sql += " AND severity = ?"
            args.append(severity)
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        sql += " ORDER BY seq DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self._using():
            rows = self._db.execute(sql, args).fetchall()
        return [self._alert(row) for row in rows]

    def alert_messages(self, user_id: str, *, status: str = "active") -> set[str]:
        """The messages of the user's alerts in ``status`` (to avoid raising one twice)."""
        with self._using():
            rows = self._db.execute(
                "SELECT message FROM twin_alerts WHERE user_id = ? AND status = ?",
                (user_id, status),
            ).fetchall()
        return {row[0] for row in rows}

    def count_alerts(self, user_id: str, *, status: str | None = None) -> int:
        sql = "SELECT COUNT(*) FROM twin_alerts WHERE user_id = ?"
        args: list[Any] = [user_id]
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        with self._using():
            row = self._db.execute(sql, args).fetchone()
        return int(row[0])

    def get_alert(self, user_id: str, alert_id: str) -> Alert | None:
        with self._using():
            row = self._db.execute(
                f"SELECT {_ALERT_COLUMNS} FROM twin_alerts WHERE user_id = ? AND "
                + self.dialect.equals_nocase("id"),
                (user_id, alert_id),
            ).fetchone()
        return self._alert(row) if row else None

    def set_alert_status(self, user_id: str, alert_id: str, status: str) -> bool:
        with self.transaction(user_id):
            cursor = self._db.execute(
                "UPDATE twin_alerts SET status = ? WHERE user_id = ? AND id = ?",
                (status, user_id, alert_id),
            )
        return cursor.rowcount > 0

    # ------------------------------------------------------------------ conversation context

    def get_context(self, user_id: str, conversation_id: str) -> tuple[str, ...]:
        """The node ids the conversation mentioned last (what "it" and "them" mean)."""
        with self._using():
            row = self._db.execute(
                "SELECT node_ids FROM twin_context WHERE user_id = ? AND conversation_id = ?",
                (user_id, conversation_id),
            ).fetchone()
        return tuple(json.loads(row[0])) if row else ()

    def set_context(self, user_id: str, conversation_id: str, node_ids: Sequence[str]) -> None:
        with self.transaction(user_id):
            self._db.execute(
                "INSERT INTO twin_context (user_id, conversation_id, node_ids, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (user_id, conversation_id) DO UPDATE SET "
                "node_ids = excluded.node_ids, updated_at = excluded.updated_at",
                (user_id, conversation_id, json.dumps(list(node_ids)), self.clock()),
            )

    # ------------------------------------------------------------------ dialogue state

    def get_dialogue(self, user_id: str, conversation_id: str) -> dict[str, Any]:
        """A conversation's dialogue state: a JSON object whose keys each owner documents
        (the dialogue manager's pending question and mentions, the actions' undo journal and
        simulation history); ``{}`` for a new conversation."""
        with self._using():
            row = self._db.execute(
                "SELECT state FROM twin_dialogue WHERE user_id = ? AND conversation_id = ?",
                (user_id, conversation_id),
            ).fetchone()
        state = json.loads(row[0]) if row else {}
        return state if isinstance(state, dict) else {}

    def set_dialogue(self, user_id: str, conversation_id: str, state: dict[str, Any]) -> None:
        with self.transaction(user_id):
            self._db.execute(
                "INSERT INTO twin_dialogue (user_id, conversation_id, state, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (user_id, conversation_id) DO UPDATE SET "
                "state = excluded.state, updated_at = excluded.updated_at",
                (user_id, conversation_id, json.dumps(state), self.clock()),
            )

    def update_dialogue(
        self, user_id: str, conversation_id: str, change: Callable[[dict[str, Any]], None]
    ) -> dict[str, Any]:
        """Read, change in place and write back the dialogue state in one transaction."""
        with self.transaction(user_id):
            state = self.get_dialogue(user_id, conversation_id)
            change(state)
            self.set_dialogue(user_id, conversation_id, state)
        return state

    # ------------------------------------------------------------------ turn outcomes

    #: Milliseconds a turn's outcome is kept: far longer than any restart takes to run it again.
    KEEP_TURNS_MS = 7 * 24 * 3600 * 1000

    def turn_outcome(self, turn_id: str) -> dict[str, Any] | None:
        """The outcome recorded for ``turn_id`` (see :meth:`record_turn`), or None."""
        with self._using():
            row = self._db.execute(
                "SELECT outcome FROM twin_turns WHERE turn_id = ?", (turn_id,)
            ).fetchone()
        if row is None:
            return None
        outcome = json.loads(row[0])
        return outcome if isinstance(outcome, dict) else None

    def record_turn(self, user_id: str, turn_id: str, outcome: Mapping[str, Any]) -> None:
        """Record what turn ``turn_id`` did (a JSON object); call it inside the transaction of
        the turn's changes, so that the two commit together or not at all."""
        now = self.clock()
        with self.transaction(user_id):
            self._db.execute(
                "INSERT INTO twin_turns (turn_id, user_id, outcome, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (turn_id) DO UPDATE SET"
                " user_id = excluded.user_id, outcome = excluded.outcome,"
                " created_at = excluded.created_at",
                (turn_id, user_id, json.dumps(outcome), now),
            )
            self._db.execute(
                "DELETE FROM twin_turns WHERE created_at < ?", (now - self.KEEP_TURNS_MS,)
            )
