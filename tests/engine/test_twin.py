"""The twin on SQLite and on PostgreSQL: schema migrations, CRUD of every entity,
persistence, concurrency (two twins on one database: two processes)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from omnitrack_realtime.engine.twin import SCHEMA_VERSION, Connection, Node, Settings, Twin
from omnitrack_realtime.errors import ConfigurationError

from .twin_helpers import T0, USER, Clock, location, make_twin, node

pytestmark = pytest.mark.usefixtures("twin_backend")
#: A test about SQLite itself (its file, its pragmas, ':memory:').
sqlite_only = pytest.mark.parametrize("twin_backend", ["sqlite"], indirect=True)


@sqlite_only
def test_fresh_database_is_migrated_and_leaves_user_version_alone(tmp_path: Path) -> None:
    db = tmp_path / "twin.db"
    other = sqlite3.connect(db)
    other.execute("PRAGMA user_version = 7")  # the server's own schema marker
    other.close()
    with Twin(db) as twin:
        assert twin.schema_version() == SCHEMA_VERSION
    check = sqlite3.connect(db)
    assert check.execute("PRAGMA user_version").fetchone()[0] == 7
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    check.close()
    assert {"twin_nodes", "twin_connections", "twin_alerts", "twin_schema_version"} <= tables
    assert all(name.startswith("twin_") for name in tables)


def test_reopening_does_not_rerun_migrations(tmp_path: Path) -> None:
    with make_twin(tmp_path) as twin:
        twin.add_node(USER, type="supplier", name="A", location=location("Shanghai"), capacity=5)
    with make_twin(tmp_path) as twin:
        assert twin.schema_version() == SCHEMA_VERSION
        assert [n.name for n in twin.list_nodes(USER)] == ["A"]


@sqlite_only
def test_unopenable_path_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        Twin(tmp_path / "missing-dir" / "twin.db")


def test_nodes_crud_ids_and_timestamps(tmp_path: Path) -> None:
    clock = Clock()
    twin = make_twin(tmp_path, clock)
    a = twin.add_node(
        USER, type="supplier", name="Shanghai Supplier", location=location("Shanghai"), capacity=10
    )
    b = twin.add_node(
        USER,
        type="warehouse",
        name="Rotterdam Warehouse",
        location=location("Rotterdam"),
        capacity=200,
    )
    assert (a.id, b.id) == ("sup-1", "wh-2")
    assert a.inventory == 5 and a.status == "operational" and a.updated_at == T0
    assert twin.get_node(USER, "SUP-1") == a  # ids match case-insensitively
    assert twin.find_by_name(USER, "shanghai supplier") == a
    clock.now += 1000
    updated = twin.update_node(USER, a.id, capacity=20, status="degraded")
    assert (updated.capacity, updated.status, updated.updated_at) == (20, "degraded", T0 + 1000)
    assert twin.get_node(USER, a.id) == updated
    assert twin.status_counts(USER) == {
        "operational": 1,
        "degraded": 1,
        "disrupted": 0,
        "offline": 0,
    }
    with pytest.raises(KeyError):
        twin.update_node(USER, "nope", capacity=1)
    twin.add_connection(USER, Connection(a.id, b.id, "sea"))
    removed = twin.remove_node(USER, a.id)
    assert removed == [Connection(a.id, b.id, "sea", True)]
    assert twin.list_connections(USER) == []
    assert [n.id for n in twin.list_nodes(USER)] == [b.id]


def test_names_are_unique_per_user_case_insensitively(tmp_path: Path) -> None:
    twin = make_twin(tmp_path)
    twin.add_node(USER, type="supplier", name="Alpha", location=location("Tokyo"), capacity=1)
    with pytest.raises(ValueError, match="already exists"):
        twin.add_node(USER, type="supplier", name="ALPHA", location=location("Tokyo"), capacity=1)
    beta = twin.add_node(USER, type="supplier", name="Beta", location=location("Tokyo"), capacity=1)
    with pytest.raises(ValueError, match="already exists"):
        twin.update_node(USER, beta.id, name="alpha")
    # Another user may use the same name.
    twin.add_node("user-2", type="supplier", name="Alpha", location=location("Tokyo"), capacity=1)
    assert [n.name for n in twin.list_nodes(USER)] == ["Alpha", "Beta"]
    assert len(twin.list_nodes("user-2")) == 1


def test_connections_in_either_direction(tmp_path: Path) -> None:
    twin = make_twin(tmp_path)
    twin.add_connection(USER, Connection("a", "b", None, bidirectional=False))
    assert twin.find_connection(USER, "b", "a") == Connection("a", "b", None, False)
    assert twin.set_shipping_method(USER, "a", "rail") == 1
    assert twin.list_connections(USER)[0].shipping_method == "rail"
    assert twin.remove_connection(USER, "b", "a") == 1
    assert twin.find_connection(USER, "a", "b") is None


def test_restore_node_keeps_its_id_and_place_in_creation_order(tmp_path: Path) -> None:
    twin = make_twin(tmp_path)
    for name in ("A", "B", "C"):
        twin.add_node(USER, type="warehouse", name=name, location=location("Oslo"), capacity=1)
    b = twin.list_nodes(USER)[1]
    seq = twin.node_seq(USER, b.id)
    twin.remove_node(USER, b.id)
    assert [n.name for n in twin.list_nodes(USER)] == ["A", "C"]  # cached list, patched
    twin.restore_node(USER, b, seq)
    assert twin.list_nodes(USER) == [twin.get_node(USER, i) for i in ("wh-1", "wh-2", "wh-3")]
    assert twin.list_nodes(USER)[1] == b
    twin.remove_node(USER, b.id)
    twin.restore_node(USER, b)  # no position known: it comes last
    assert [n.name for n in twin.list_nodes(USER)] == ["A", "C", "B"]
    assert twin.node_seq(USER, "nope") is None


def test_connections_of_a_node_and_between_two(tmp_path: Path) -> None:
    twin = make_twin(tmp_path)
    twin.add_connection(USER, Connection("a", "b", "sea", bidirectional=False))
    twin.add_connection(USER, Connection("c", "a", None, bidirectional=True))
    twin.add_connection(USER, Connection("b", "c"))
    assert twin.node_connections(USER, "a") == [
        Connection("a", "b", "sea", False),
        Connection("c", "a", None, True),
    ]
    assert twin.connections_between(USER, "b", "a") == [Connection("a", "b", "sea", False)]
    assert twin.set_connection_method(USER, "a", "b", "air")
    assert not twin.set_connection_method(USER, "b", "a", "air")  # direction matters
    assert twin.list_connections(USER)[0].shipping_method == "air"  # the cache follows


def test_nodes_and_connections_round_trip_through_dicts() -> None:
    a = node("sup-1", "Shanghai")
    assert Node.from_dict(a.to_dict()) == a
    one_way = Connection("a", "b", "rail", bidirectional=False)
    assert one_way.to_dict()["arrow"] == "→" and Connection("a", "b").arrow == "↔"
    assert Connection.from_dict(one_way.to_dict()) == one_way


def test_settings_alerts_and_context(tmp_path: Path) -> None:
    twin = make_twin(tmp_path)
    assert twin.get_settings(USER) == Settings()
    twin.update_settings(USER, region="europe", shipping_methods=("sea", "air"))
    assert twin.get_settings(USER).region == "europe"
    assert twin.get_settings(USER).shipping_methods == ("sea", "air")
    first = twin.add_alert(USER, severity="high", message="one", node_ids=["a"])
    second = twin.add_alert(
        USER, severity="critical", message="two", node_ids=["b"], recommended_actions=["fix"]
    )
    assert [a.id for a in twin.list_alerts(USER)] == [second.id, first.id]
    assert twin.list_alerts(USER, severity="high") == [first]
    assert twin.list_alerts(USER, limit=1) == [second]
    assert second.to_event()["recommendedActions"] == ["fix"]
    assert twin.get_alert(USER, first.id.upper()) == first
    assert twin.get_alert(USER, "alert-99") is None
    assert twin.set_alert_status(USER, first.id, "resolved")
    assert twin.list_alerts(USER, status="active") == [second]
    assert twin.get_context(USER, "c") == ()
    twin.set_context(USER, "c", ["a", "b"])
    assert twin.get_context(USER, "c") == ("a", "b")
    assert twin.get_context(USER, "other") == ()


def test_only_the_newest_alerts_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every simulation may raise alerts: a user running them forever must not grow the table
    # (and every "show alerts" scan) without bound.
    monkeypatch.setattr(Twin, "KEEP_ALERTS", 3)
    twin = make_twin(tmp_path)
    alerts = [twin.add_alert(USER, severity="low", message=f"m{n}") for n in range(5)]
    twin.add_alert("bob", severity="low", message="bob's")
    assert [a.id for a in twin.list_alerts(USER)] == [a.id for a in reversed(alerts[2:])]
    assert twin.count_alerts(USER) == 3 and twin.count_alerts("bob") == 1
    assert twin.add_alert(USER, severity="low", message="m5").id == "alert-6"  # ids go on


def test_everything_survives_a_restart(tmp_path: Path) -> None:
    twin = make_twin(tmp_path)
    twin.put_node(USER, node("n1", "Berlin"))
    twin.add_connection(USER, Connection("n1", "n2", "truck"))
    twin.update_settings(USER, currency="EUR")
    twin.add_alert(USER, severity="low", message="m")
    twin.set_context(USER, "c", ["n1"])
    twin.close()
    again = make_twin(tmp_path)
    assert again.get_node(USER, "n1") == node("n1", "Berlin")
    assert again.list_connections(USER) == [Connection("n1", "n2", "truck")]
    assert again.get_settings(USER).currency == "EUR"
    assert [a.message for a in again.list_alerts(USER)] == ["m"]
    assert again.get_context(USER, "c") == ("n1",)


def test_a_failed_transaction_changes_nothing(tmp_path: Path) -> None:
    twin = make_twin(tmp_path)
    with pytest.raises(RuntimeError), twin.transaction():
        twin.put_node(USER, node("n1", "Berlin"))
        with twin.transaction():  # nested: joins the outer transaction
            twin.add_alert(USER, severity="low", message="m")
        raise RuntimeError("boom")
    assert twin.list_nodes(USER) == [] and twin.list_alerts(USER) == []


def test_concurrent_writers_on_one_twin_and_on_two_connections(tmp_path: Path) -> None:
    shared = make_twin(tmp_path)
    second = make_twin(tmp_path)  # another connection to the same file (another process)
    per_thread = 25
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def writer(twin: Twin, prefix: str) -> None:
        try:
            barrier.wait(timeout=10)
            for i in range(per_thread):
                with twin.transaction():
                    twin.add_node(
                        USER,
                        type="warehouse",
                        name=f"{prefix}-{i}",
                        location=location("Hamburg"),
                        capacity=100,
                    )
                    twin.set_context(USER, prefix, [f"{prefix}-{i}"])
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [
        threading.Thread(target=writer, args=(twin, f"t{i}"))
        for i, twin in enumerate((shared, shared, second, second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    nodes = shared.list_nodes(USER)
    assert len(nodes) == 4 * per_thread
    assert len({n.id for n in nodes}) == 4 * per_thread  # the id counter never repeats


def test_cached_lists_see_other_connections_writes_and_drop_rolled_back_rows(
    tmp_path: Path,
) -> None:
    mine, other = make_twin(tmp_path), make_twin(tmp_path)
    mine.put_node(USER, node("n1", "Berlin"))
    assert [n.id for n in mine.list_nodes(USER)] == ["n1"]  # now cached
    other.put_node(USER, node("n2", "Paris"))
    other.add_connection(USER, Connection("n1", "n2"))
    assert [n.id for n in mine.list_nodes(USER)] == ["n1", "n2"]
    assert mine.list_connections(USER) == [Connection("n1", "n2")]
    with pytest.raises(RuntimeError), mine.transaction():
        mine.put_node(USER, node("n3", "Tokyo"))
        assert len(mine.list_nodes(USER)) == 3  # cached inside the transaction...
        raise RuntimeError("boom")
    assert [n.id for n in mine.list_nodes(USER)] == ["n1", "n2"]  # ...and dropped with it
    assert mine.node_names(USER) == [n.name for n in mine.list_nodes(USER)]


@sqlite_only
def test_cached_lists_survive_commits_that_do_not_touch_them(tmp_path: Path) -> None:
    """The server's store commits to the same file on every turn; that must not cost the
    engine a reload of the user's whole network."""
    mine, other = make_twin(tmp_path), make_twin(tmp_path)
    mine.put_node(USER, node("n1", "Berlin"))
    mine.put_node(USER, node("n2", "Paris"))
    cached = mine.list_nodes(USER)
    store = sqlite3.connect(tmp_path / "twin.db", isolation_level=None)
    store.execute("CREATE TABLE srv_messages (id INTEGER PRIMARY KEY, content TEXT)")
    store.execute("INSERT INTO srv_messages (content) VALUES ('a turn')")
    store.close()
    other.put_node("someone-else", node("n9", "Tokyo"))
    other.add_alert(USER, severity="low", message="an alert is not a node")
    again = mine.list_nodes(USER)
    assert again == cached
    assert all(a is b for a, b in zip(again, cached, strict=True))  # not reloaded
    other.put_node(USER, node("n3", "Rome"))  # this one does touch them
    assert [n.id for n in mine.list_nodes(USER)] == ["n1", "n2", "n3"]


@sqlite_only
def test_an_in_memory_twin_works_from_several_threads() -> None:
    with Twin(":memory:", clock=Clock()) as twin:  # what `omnitrack demo` uses
        assert twin.schema_version() == SCHEMA_VERSION
        errors: list[BaseException] = []

        def add(city: str) -> None:
            try:
                twin.add_node(
                    USER, type="retailer", name=city, location=location(city), capacity=10
                )
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=add, args=(c,)) for c in ("Paris", "Lyon", "Rome")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert sorted(twin.node_names(USER)) == ["Lyon", "Paris", "Rome"]
