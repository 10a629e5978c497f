"""One contract for every ConversationStore: MemoryStore, SQLiteStore (a real SQLite file) and
SQLStore on a real PostgreSQL (a schema of the test's own)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from omnitrack_realtime.server.store import (
    AlreadyProcessed,
    ConversationStore,
    MemoryStore,
    PendingTurn,
    ProcessedMessage,
    SQLiteStore,
    SQLStore,
    StoreError,
    UnknownConversation,
)


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[ConversationStore]:
    made: MemoryStore | SQLStore
    if request.param == "memory":
        made = MemoryStore(keep_processed=3, processed_ttl=60.0, clock=clock)
    elif request.param == "postgres":
        made = SQLStore(
            request.getfixturevalue("postgres_url"),
            keep_processed=3,
            processed_ttl=60.0,
            clock=clock,
        )
    else:
        made = SQLiteStore(
            tmp_path / "server.db", keep_processed=3, processed_ttl=60.0, clock=clock
        )
    yield made
    await made.close()


def _processed(client_id: str, at: float, conversation: str = "conv-1") -> ProcessedMessage:
    return ProcessedMessage(
        client_message_id=client_id,
        conversation_id=conversation,
        message_id=f"msg-{client_id}",
        stream_id=f"stream-{client_id}",
        streaming=True,
        processed_at=at,
    )


async def _begin(
    store: ConversationStore, conversation: str, turn_id: str, *, owner: str, lease_until: float
) -> PendingTurn:
    return await store.begin_turn(
        "alice",
        conversation,
        "add a warehouse",
        turn_id=turn_id,
        client_message_id=f"c-{turn_id}",
        streaming=True,
        owner=owner,
        lease_until=lease_until,
        processed_at=lease_until,
    )


class TestConversationStoreContract:
    async def test_created_conversation_is_owned_by_its_user_only(
        self, store: ConversationStore
    ) -> None:
        conversation = await store.create_conversation("alice")
        assert conversation.startswith("conv-")
        assert await store.owns("alice", conversation)
        assert not await store.owns("bob", conversation)
        assert not await store.owns("alice", "conv-does-not-exist")
        assert conversation != await store.create_conversation("alice")

    async def test_messages_round_trip_in_order(self, store: ConversationStore) -> None:
        conversation = await store.create_conversation("alice")
        first = await store.add_message(conversation, "user", "hello", {"n": 1})
        second = await store.add_message(conversation, "assistant", "hi **there**", {"ok": True})
        assert first.message_id.startswith("msg-") and first.message_id != second.message_id
        assert first.conversation_id == conversation
        assert first.timestamp > 1_700_000_000_000
        assert await store.history(conversation) == [first, second]
        assert second.metadata == {"ok": True}

    async def test_last_messages_are_the_newest_oldest_first(
        self, store: ConversationStore
    ) -> None:
        conversation = await store.create_conversation("alice")
        stored = [await store.add_message(conversation, "user", f"m{i}") for i in range(8)]
        assert await store.last_messages(conversation) == stored[-5:]
        assert await store.last_messages(conversation, limit=2) == stored[-2:]
        assert await store.last_messages(conversation, limit=0) == []

    async def test_history_pages_backwards_with_before(self, store: ConversationStore) -> None:
        conversation = await store.create_conversation("alice")
        stored = [await store.add_message(conversation, "user", f"m{i}") for i in range(6)]
        assert await store.history(conversation, limit=2) == stored[4:]
        page = await store.history(conversation, limit=3, before=stored[4].message_id)
        assert page == stored[1:4]
        assert await store.history(conversation, before=stored[0].message_id) == []
        assert await store.history(conversation, before="msg-unknown") == []

    async def test_each_conversation_numbers_its_messages_from_one(
        self, store: ConversationStore
    ) -> None:
        alice = await store.create_conversation("alice")
        bob = await store.create_conversation("bob")
        stored = []
        for i in range(5):  # interleaved: each conversation counts its own, without gaps
            stored.append(await store.add_message(alice, "user", f"a{i}"))
            await store.add_message(bob, "user", f"b{i}")
        assert [m.seq for m in stored] == [1, 2, 3, 4, 5]
        assert [m.seq for m in await store.history(alice, limit=2)] == [4, 5]
        page = await store.history(alice, limit=2, before=stored[3].message_id)
        assert [m.seq for m in page] == [2, 3]
        assert await store.messages_after(alice, 2) == stored[2:]
        assert await store.messages_after(alice, 0, limit=2) == stored[:2]
        assert await store.messages_after(alice, 5) == []
        assert await store.messages_after("conv-unknown", 0) == []

    async def test_conversations_are_isolated(self, store: ConversationStore) -> None:
        alice = await store.create_conversation("alice")
        bob = await store.create_conversation("bob")
        await store.add_message(alice, "user", "alice's")
        await store.add_message(bob, "user", "bob's")
        assert [m.content for m in await store.history(alice)] == ["alice's"]
        assert [m.content for m in await store.history(bob)] == ["bob's"]
        # Another conversation's message id is not an anchor in this one.
        bob_message = (await store.history(bob))[0]
        assert await store.history(alice, before=bob_message.message_id) == []

    async def test_unknown_conversation_write_is_refused(self, store: ConversationStore) -> None:
        with pytest.raises(UnknownConversation):
            await store.add_message("conv-nope", "user", "hello")
        assert await store.history("conv-nope") == []

    async def test_processed_ids_are_per_user(self, store: ConversationStore) -> None:
        entry = _processed("c1", at=1.0)
        await store.remember_processed("alice", entry)
        assert await store.find_processed("alice", "c1") == entry
        assert await store.find_processed("bob", "c1") is None
        assert await store.find_processed("alice", "c2") is None

    async def test_processed_entry_can_be_updated(self, store: ConversationStore) -> None:
        await store.remember_processed("alice", _processed("c1", at=1.0))
        done = ProcessedMessage("c1", "conv-1", "msg-c1", None, False, 2.0)
        await store.remember_processed("alice", done)
        assert await store.find_processed("alice", "c1") == done

    async def test_processed_window_keeps_recent_ones_beyond_the_count(
        self, store: ConversationStore, clock: FakeClock
    ) -> None:
        # keep_processed=3, ttl=60 s: young entries stay even when there are more than 3.
        for i in range(5):
            await store.remember_processed("alice", _processed(f"c{i}", at=clock.now - 10))
        for i in range(5):
            assert await store.find_processed("alice", f"c{i}") is not None

    async def test_processed_window_drops_old_ones_beyond_the_count(
        self, store: ConversationStore, clock: FakeClock
    ) -> None:
        for i in range(5):
            await store.remember_processed("alice", _processed(f"old{i}", at=clock.now - 120))
        await store.remember_processed("alice", _processed("new", at=clock.now))
        found = [await store.find_processed("alice", f"old{i}") for i in range(5)]
        # The newest 3 (old3, old4, new) are kept whatever their age; old0..old2 are gone.
        assert [entry is not None for entry in found] == [False, False, False, True, True]
        assert await store.find_processed("alice", "new") is not None

    async def test_processed_window_is_per_user(
        self, store: ConversationStore, clock: FakeClock
    ) -> None:
        await store.remember_processed("bob", _processed("b0", at=clock.now - 120))
        for i in range(5):
            await store.remember_processed("alice", _processed(f"a{i}", at=clock.now - 120))
        assert await store.find_processed("bob", "b0") is not None

    async def test_close_is_idempotent(self, store: ConversationStore) -> None:
        await store.close()
        await store.close()

    async def test_a_begun_turn_is_its_message_its_processed_id_and_a_pending_turn(
        self, store: ConversationStore, clock: FakeClock
    ) -> None:
        conversation = await store.create_conversation("alice")
        turn = await _begin(store, conversation, "t1", owner="p1", lease_until=clock.now + 30)
        [message] = await store.history(conversation)
        assert (message.message_id, message.role, message.content) == (
            turn.message_id,
            "user",
            "add a warehouse",
        )
        assert message.metadata == {"clientMessageId": "c-t1"}
        processed = await store.find_processed("alice", "c-t1")
        assert processed is not None
        assert (processed.message_id, processed.stream_id) == (turn.message_id, "t1")
        assert (turn.owner, turn.attempts, turn.streaming) == ("p1", 1, True)

    async def test_a_turn_is_claimed_once_its_lease_ends_or_its_owner_is_gone(
        self, store: ConversationStore, clock: FakeClock
    ) -> None:
        conversation = await store.create_conversation("alice")
        await _begin(store, conversation, "t1", owner="p1", lease_until=clock.now + 30)
        await _begin(store, conversation, "t2", owner="p1", lease_until=clock.now + 30)

        def claim(*, gone: bool = False, turn_id: str | None = None) -> Any:
            return store.claim_turns(
                "p2",
                now=clock.now,
                lease_until=clock.now + 30,
                gone=lambda owner: gone,
                turn_id=turn_id,
            )

        assert await claim() == []  # p1 holds them and is alive
        await store.renew_turns("p1", clock.now + 60)
        clock.now += 45
        assert await claim() == []  # renewed
        [only] = await claim(gone=True, turn_id="t2")
        assert (only.turn_id, only.owner, only.attempts) == ("t2", "p2", 2)
        clock.now += 31
        taken = await claim()  # both leases are over now (t1's and p2's own on t2)
        assert [t.turn_id for t in taken] == ["t1", "t2"]  # in the order received
        assert [t.message for t in taken] == ["add a warehouse"] * 2

    async def test_a_finished_turn_has_one_answer_and_leaves_the_journal(
        self, store: ConversationStore, clock: FakeClock
    ) -> None:
        conversation = await store.create_conversation("alice")
        await _begin(store, conversation, "t1", owner="p1", lease_until=clock.now)
        answer = await store.finish_turn("t1", conversation, "Added Rotterdam", {"x": 1})
        again = await store.finish_turn("t1", conversation, "Added it twice", {"x": 2})
        assert again == answer
        history = await store.history(conversation)
        assert [(m.role, m.content) for m in history] == [
            ("user", "add a warehouse"),
            ("assistant", "Added Rotterdam"),
        ]
        assert history[-1].metadata == {"x": 1}
        gone = await store.claim_turns(
            "p2", now=clock.now + 99, lease_until=clock.now + 999, gone=lambda owner: True
        )
        assert gone == []

    async def test_a_turn_in_an_unknown_conversation_is_refused_whole(
        self, store: ConversationStore, clock: FakeClock
    ) -> None:
        with pytest.raises(UnknownConversation):
            await _begin(store, "conv-nope", "t1", owner="p1", lease_until=clock.now)
        assert await store.find_processed("alice", "c-t1") is None
        assert await store.claim_turns("p2", now=clock.now + 1, lease_until=0, gone=bool) == []

    async def test_a_second_turn_for_a_processed_id_is_refused_whole(
        self, store: ConversationStore, clock: FakeClock
    ) -> None:
        conversation = await store.create_conversation("alice")
        first = await _begin(store, conversation, "t1", owner="p1", lease_until=clock.now + 30)
        with pytest.raises(AlreadyProcessed) as refused:
            await store.begin_turn(
                "alice",
                conversation,
                "add a warehouse",
                turn_id="t2",
                client_message_id="c-t1",
                streaming=True,
                owner="p2",
                lease_until=clock.now + 30,
                processed_at=clock.now,
            )
        assert refused.value.processed.stream_id == "t1"
        assert refused.value.processed.message_id == first.message_id
        assert len(await store.history(conversation)) == 1
        claimed = await store.claim_turns("p3", now=clock.now + 99, lease_until=0, gone=bool)
        assert [t.turn_id for t in claimed] == ["t1"]


class TestPostgresStore:
    """Several processes (here: several stores, each its own pool) on one PostgreSQL."""

    async def test_hosts_racing_one_client_message_id_make_one_turn(
        self, postgres_url: str
    ) -> None:
        hosts = [SQLStore(postgres_url) for _ in range(4)]
        try:
            conversation = await hosts[0].create_conversation("alice")
            for host in hosts:
                await host.owns("alice", conversation)  # open (and migrate) every host first

            async def begin(number: int, host: SQLStore) -> str:
                try:
                    await host.begin_turn(
                        "alice",
                        conversation,
                        "add a warehouse",
                        turn_id=f"t{number}",
                        client_message_id="c-1",
                        streaming=True,
                        owner=f"p{number}",
                        lease_until=0.0,
                        processed_at=0.0,
                    )
                except AlreadyProcessed as refused:
                    assert refused.processed.stream_id is not None
                    return "refused"
                return "began"

            outcomes = await asyncio.gather(*(begin(i, h) for i, h in enumerate(hosts)))
            assert sorted(outcomes) == ["began", "refused", "refused", "refused"]
            assert len(await hosts[1].history(conversation)) == 1
        finally:
            for host in hosts:
                await host.close()

    async def test_messages_written_by_several_hosts_keep_their_seq(
        self, postgres_url: str
    ) -> None:
        hosts = [SQLStore(postgres_url) for _ in range(3)]
        try:
            conversation = await hosts[0].create_conversation("alice")
            written = await asyncio.gather(
                *(hosts[i % 3].add_message(conversation, "user", f"m{i}") for i in range(30))
            )
            assert sorted(m.seq for m in written) == list(range(1, 31))
            history = await hosts[2].history(conversation, limit=100)
            assert [m.seq for m in history] == list(range(1, 31))
            assert {m.message_id: m.seq for m in history} == {m.message_id: m.seq for m in written}
        finally:
            for host in hosts:
                await host.close()

    async def test_many_processes_migrate_a_new_database_at_once(self, postgres_url: str) -> None:
        hosts = [SQLStore(postgres_url) for _ in range(4)]
        try:
            conversations = await asyncio.gather(*(h.create_conversation("a") for h in hosts))
            assert len(set(conversations)) == 4
        finally:
            for host in hosts:
                await host.close()

    async def test_a_password_never_shows_in_an_error(self) -> None:
        store = SQLStore("postgresql://omnitrack:hunter2secret@127.0.0.1:1/none", timeout=1.0)
        with pytest.raises(StoreError) as failed:
            await store.owns("alice", "conv-1")
        assert "hunter2secret" not in str(failed.value)
        assert "***" in str(failed.value)
        await store.close()


class TestSQLiteStore:
    async def test_persists_across_reopen(self, tmp_path: Path) -> None:
        path = tmp_path / "server.db"
        first = SQLiteStore(path)
        conversation = await first.create_conversation("alice")
        message = await first.add_message(conversation, "user", "remember me", {"k": [1, 2]})
        entry = _processed("c1", at=5.0, conversation=conversation)
        await first.remember_processed("alice", entry)
        await first.close()

        second = SQLiteStore(path)
        try:
            assert await second.owns("alice", conversation)
            assert await second.history(conversation) == [message]
            assert await second.find_processed("alice", "c1") == entry
        finally:
            await second.close()

    async def test_a_pending_turn_survives_a_reopen(self, tmp_path: Path) -> None:
        path = tmp_path / "server.db"
        first = SQLiteStore(path)
        conversation = await first.create_conversation("alice")
        turn = await _begin(first, conversation, "t1", owner="p1", lease_until=100.0)
        await first.close()
        second = SQLiteStore(path)
        try:
            [claimed] = await second.claim_turns(
                "p2", now=200.0, lease_until=230.0, gone=lambda owner: False
            )
        finally:
            await second.close()
        assert claimed == PendingTurn(
            "t1",
            "alice",
            conversation,
            "add a warehouse",
            turn.message_id,
            "c-t1",
            True,
            "p2",
            230.0,
            attempts=2,
        )

    async def test_schema_is_versioned_in_its_own_table_with_srv_prefix(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "shared.db"
        # The engine owns PRAGMA user_version and its twin_ tables in the same file.
        with sqlite3.connect(path) as db:
            db.execute("PRAGMA user_version = 7")
            db.execute("CREATE TABLE twin_nodes (id TEXT)")
        store = SQLiteStore(path)
        await store.create_conversation("alice")
        await store.close()
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA user_version").fetchone() == (7,)
            assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            versions = db.execute("SELECT version FROM server_schema_version").fetchall()
            tables = {
                row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        assert versions == [(1,), (2,), (3,), (4,)]
        assert {
            "srv_conversations",
            "srv_messages",
            "srv_processed",
            "srv_turns",
            "srv_uploads",
            "srv_upload_chunks",
            "srv_attachments",
            "srv_turn_attachments",
            "twin_nodes",
        } <= tables
        reopened = SQLiteStore(path)  # migrating again is a no-op
        assert await reopened.history("conv-x") == []
        await reopened.close()

    async def test_waits_for_a_write_lock_held_by_another_connection(self, tmp_path: Path) -> None:
        # The engine writes its twin_ tables in the same file through its own connection.
        path = tmp_path / "shared.db"
        store = SQLiteStore(path)
        conversation = await store.create_conversation("alice")
        engine = sqlite3.connect(path, isolation_level=None)
        try:
            engine.execute("BEGIN IMMEDIATE")
            adding = asyncio.create_task(store.add_message(conversation, "user", "hi"))
            for _ in range(3):
                await asyncio.sleep(0)  # the event loop keeps running meanwhile
            assert not adding.done()
            engine.execute("COMMIT")
            message = await asyncio.wait_for(adding, 5.0)
            assert await store.history(conversation) == [message]
        finally:
            engine.close()
            await store.close()

    async def test_remembering_a_processed_id_survives_an_engine_commit_meanwhile(
        self, tmp_path: Path
    ) -> None:
        # The engine commits its twin_ writes through its own connection while the store
        # records a clientMessageId. A deferred transaction that reads first and then writes
        # cannot take the write lock once another connection committed after its read
        # (SQLITE_BUSY at once, whatever the busy timeout): the write must start IMMEDIATE.
        path = tmp_path / "shared.db"
        store = SQLiteStore(path)
        conversation = await store.create_conversation("alice")
        engine = sqlite3.connect(path, isolation_level=None)
        blocked = threading.Event()

        def trace(statement: str) -> None:
            # The statement that waits for the engine's write lock has started.
            if statement.startswith(("BEGIN IMMEDIATE", "INSERT OR REPLACE INTO srv_processed")):
                blocked.set()

        try:
            engine.execute("CREATE TABLE twin_nodes (id TEXT)")
            await store._run(lambda db: db.raw.set_trace_callback(trace))  # type: ignore[attr-defined]
            engine.execute("BEGIN IMMEDIATE")
            engine.execute("INSERT INTO twin_nodes VALUES ('n1')")
            entry = _processed("c1", at=5.0, conversation=conversation)
            remembering = asyncio.create_task(store.remember_processed("alice", entry))
            assert await asyncio.to_thread(blocked.wait, 5.0)
            engine.execute("COMMIT")
            await asyncio.wait_for(remembering, 5.0)
            assert await store.find_processed("alice", "c1") == entry
        finally:
            engine.close()
            await store.close()

    async def test_closed_store_raises_store_error(self, tmp_path: Path) -> None:
        store = SQLiteStore(tmp_path / "server.db")
        await store.close()
        with pytest.raises(StoreError):
            await store.create_conversation("alice")

    async def test_unreadable_database_raises_store_error(self, tmp_path: Path) -> None:
        path = tmp_path / "not-a-db"
        path.write_bytes(b"this is not a sqlite database" * 100)
        store = SQLiteStore(path)
        with pytest.raises(StoreError):
            await store.create_conversation("alice")
        await store.close()
