"""The ``undo`` handler: revert the conversation's newest journal entry (see :mod:`.memory`),
one entry per call, from the before-values its change dicts carry.

Each change is reverted on its own and published as the change that reverts it (an undone
``node_added`` is a ``node_removed``...). What can no longer be reverted (the node was removed
meanwhile, another node took the old name) is said, not hidden; an entry none of whose changes
could be reverted is dropped all the same (it can never apply again) and the answer fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .. import answers
from ..twin import Connection, Node, Settings
from .context import ActionResult, _change, _Failed, _Step
from .memory import MAX_JOURNAL, pop_change, pop_undone, record_undone

_SETTING_LABELS = {
    "region": "Region",
    "industry": "Industry",
    "currency": "Currency",
    "risk_profile": "Risk profile",
    "shipping_methods": "Shipping methods",
}


def _setting_words(field: str, value: Any) -> str:
    if value is None:
        return "not set"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "none"
    return answers.region_label(str(value)) if field == "region" else str(value)


class _Reverter:
    """Reverts the changes of one journal entry, collecting what it did and could not do."""

    def __init__(self, step: _Step, entry: Mapping[str, Any]) -> None:
        self.step = step
        self.twin = step.twin
        self.user = step.user_id
        self.seqs: Mapping[str, Any] = entry.get("seqs") or {}
        self.changes: list[dict[str, Any]] = []
        self.done: list[str] = []
        self.problems: list[str] = []
        self.mentioned: list[str] = []
        self.removed_seqs: dict[str, int] = {}  # where removed nodes stood, for redo
        self._by_kind: dict[str, Callable[[Mapping[str, Any]], None]] = {
            "node_added": self._node_added,
            "node_removed": self._node_removed,
            "node_updated": self._node_updated,
            "node_renamed": self._node_renamed,
            "connection_added": self._connection_added,
            "connection_removed": self._connection_removed,
            "settings_updated": self._settings_updated,
            "connections_updated": self._connections_updated,
            "alert_updated": self._alert_updated,
        }

    def revert(self, change: Mapping[str, Any]) -> None:
        handler = self._by_kind.get(str(change.get("change")))
        if handler is None:
            self.problems.append(f"a change I cannot revert ({change.get('change')})")
            return
        try:
            handler(change)
        except (KeyError, TypeError, ValueError):
            # A journal entry from an older version, or damaged: say so, do not crash.
            self.problems.append(
                f"a {str(change.get('change')).replace('_', ' ')} I could not read"
            )

    def _name(self, node_id: str) -> str:
        node = self.twin.get_node(self.user, node_id)
        return node.name if node is not None else node_id

    def _link(self, connection: Connection) -> str:
        names = {i: self._name(i) for i in (connection.source, connection.target)}
        return answers.link_words(connection, names)

    # ---------------------------------------------------------------- nodes

    def _node_added(self, change: Mapping[str, Any]) -> None:
        data = change["node"]
        node = self.twin.get_node(self.user, str(data["id"]))
        if node is None:
            self.problems.append(f"**{data['name']}** was already removed")
            return
        seq = self.twin.node_seq(self.user, node.id)
        if seq is not None:
            self.removed_seqs[node.id] = seq
        removed = self.twin.remove_node(self.user, node.id)
        self.changes.append(
            _change(
                "node_removed",
                nodeId=node.id,
                name=node.name,
                node=node.to_dict(),
                connections=[c.to_dict() for c in removed],
            )
        )
        links = f" and its {answers.plural(len(removed), 'connection')}" if removed else ""
        self.done.append(f"removed **{node.name}** (`{node.id}`){links} again")

    def _node_removed(self, change: Mapping[str, Any]) -> None:
        node = Node.from_dict(change["node"])
        if self.twin.get_node(self.user, node.id) is not None:
            self.problems.append(f"**{node.name}** (`{node.id}`) is already back")
            return
        clash = self.twin.find_by_name(self.user, node.name)
        if clash is not None:
            self.problems.append(
                f"**{node.name}** cannot come back: `{clash.id}` has that name now"
            )
            return
        seq = self.seqs.get(node.id)
        self.twin.restore_node(self.user, node, int(seq) if seq is not None else None)
        self.changes.append(_change("node_added", node=node.to_dict()))
        self.mentioned.append(node.id)
        restored, lost = 0, 0
        for data in change.get("connections", ()):
            connection = Connection.from_dict(data)
            other = connection.target if connection.source == node.id else connection.source
            if self.twin.get_node(self.user, other) is None:
                lost += 1
                continue
            if self.twin.connections_between(self.user, connection.source, connection.target):
                continue
            self.twin.add_connection(self.user, connection)
            self.changes.append(_change("connection_added", connection=connection.to_dict()))
            restored += 1
        text = f"restored **{node.name}** (`{node.id}`)"
        if restored:
            text += f" with its {answers.plural(restored, 'connection')}"
        self.done.append(text)
        if lost:
            self.problems.append(
                f"{answers.plural(lost, 'link')} of {node.name} led to nodes that are gone"
            )

    def _node_updated(self, change: Mapping[str, Any]) -> None:
        before = Node.from_dict(change["before"])
        current = self.twin.get_node(self.user, before.id)
        if current is None:
            self.problems.append(f"**{before.name}** was removed since its update")
            return
        fields = ["location" if f == "place" else str(f) for f in change.get("fields", ())]
        values = {f: getattr(before, f) for f in fields if f in _RESTORABLE}
        after = self.twin.update_node(self.user, current.id, **values)
        self.changes.append(
            _change(
                "node_updated",
                node=after.to_dict(),
                before=current.to_dict(),
                fields=list(change.get("fields", ())),
            )
        )
        self.mentioned.append(after.id)
        what = "; ".join(answers.node_changes(current, after)) or "nothing to put back"
        self.done.append(f"**{after.name}** (`{after.id}`): {what}")

    def _node_renamed(self, change: Mapping[str, Any]) -> None:
        current = self.twin.get_node(self.user, str(change["nodeId"]))
        old = str(change["oldName"])
        if current is None:
            self.problems.append(f"**{change['name']}** was removed since it was renamed")
            return
        clash = self.twin.find_by_name(self.user, old)
        if clash is not None and clash.id != current.id:
            self.problems.append(
                f"**{current.name}** cannot be called {old} again: `{clash.id}` has that name"
            )
            return
        after = self.twin.update_node(self.user, current.id, name=old)
        self.changes.append(
            _change(
                "node_renamed",
                nodeId=after.id,
                name=after.name,
                oldName=current.name,
                node=after.to_dict(),
            )
        )
        self.mentioned.append(after.id)
        self.done.append(f"**{current.name}** (`{after.id}`) is called **{after.name}** again")

    # ---------------------------------------------------------------- links

    def _connection_added(self, change: Mapping[str, Any]) -> None:
        connection = Connection.from_dict(change["connection"])
        existing = [
            c
            for c in self.twin.connections_between(self.user, connection.source, connection.target)
            if (c.source, c.target) == (connection.source, connection.target)
        ]
        if not existing:
            self.problems.append(f"the link {self._link(connection)} was already removed")
            return
        link = self._link(existing[0])
        self.twin.remove_connection(self.user, connection.source, connection.target)
        self.changes.append(
            _change(
                "connection_removed",
                source=connection.source,
                target=connection.target,
                connection=existing[0].to_dict(),
            )
        )
        self.mentioned += [connection.target, connection.source]
        self.done.append(f"removed the link {link}")

    def _connection_removed(self, change: Mapping[str, Any]) -> None:
        connection = Connection.from_dict(change["connection"])
        missing = [
            i
            for i in (connection.source, connection.target)
            if self.twin.get_node(self.user, i) is None
        ]
        if missing:
            self.problems.append(
                f"the link {self._link(connection)} cannot come back: `{missing[0]}` is gone"
            )
            return
        if self.twin.connections_between(self.user, connection.source, connection.target):
            self.problems.append(f"{self._link(connection)} are linked again already")
            return
        self.twin.add_connection(self.user, connection)
        self.changes.append(_change("connection_added", connection=connection.to_dict()))
        self.mentioned += [connection.target, connection.source]
        self.done.append(f"restored the link {self._link(connection)}")

    def _connections_updated(self, change: Mapping[str, Any]) -> None:
        restored = 0
        for data in change.get("before", ()):
            connection = Connection.from_dict(data)
            restored += self.twin.set_connection_method(
                self.user, connection.source, connection.target, connection.shipping_method
            )
        node_id = str(change["nodeId"])
        name = self._name(node_id)
        if not restored:
            self.problems.append(f"the links of {name} whose shipping method changed are gone")
            return
        self.changes.append(
            _change(
                "connections_updated",
                nodeId=node_id,
                shippingMethod=None,
                count=restored,
                before=[],
            )
        )
        self.mentioned.append(node_id)
        self.done.append(
            f"the shipping methods of {name}'s {answers.plural(restored, 'connection')} "
            "are as they were"
        )

    # ---------------------------------------------------------------- settings, alerts

    def _settings_updated(self, change: Mapping[str, Any]) -> None:
        field = str(change["field"])
        if field not in _SETTING_LABELS:
            raise KeyError(field)
        old = change.get("old")
        value: Any = tuple(old) if isinstance(old, list) else old
        if value is None and field not in ("region", "industry"):
            raise ValueError(field)  # only region and industry may be unset
        current = getattr(self.twin.get_settings(self.user), field)
        settings: Settings = self.twin.update_settings(self.user, **{field: value})
        self.changes.append(
            _change(
                "settings_updated",
                field=field,
                old=list(current) if isinstance(current, tuple) else current,
                new=list(value) if isinstance(value, tuple) else value,
                settings=settings.to_dict(),
            )
        )
        self.done.append(
            f"{_SETTING_LABELS[field].lower()} back to **{_setting_words(field, value)}** "
            f"(was {_setting_words(field, current)})"
        )

    def _alert_updated(self, change: Mapping[str, Any]) -> None:
        alert_id, previous = str(change["alertId"]), str(change["previous"])
        alert = self.twin.get_alert(self.user, alert_id)
        if alert is None:
            self.problems.append(f"alert `{alert_id}` is no longer kept")
            return
        self.twin.set_alert_status(self.user, alert.id, previous)
        self.changes.append(
            _change(
                "alert_updated",
                alertId=alert.id,
                status=previous,
                previous=alert.status,
                nodeIds=list(alert.node_ids),
            )
        )
        self.done.append(f"alert `{alert.id}` is {previous} again")

    def resolve_raised(self, alert_ids: Any) -> None:
        """The alerts the undone step raised (a node marked offline) no longer hold."""
        for alert_id in alert_ids if isinstance(alert_ids, list) else ():
            alert = self.twin.get_alert(self.user, str(alert_id))
            if alert is None or alert.status == "resolved":
                continue
            self.twin.set_alert_status(self.user, alert.id, "resolved")
            self.changes.append(
                _change(
                    "alert_updated",
                    alertId=alert.id,
                    status="resolved",
                    previous=alert.status,
                    nodeIds=list(alert.node_ids),
                )
            )
            self.done.append(f"resolved the alert it raised (`{alert.id}`)")


#: Node fields an update may change, and undo may put back.
_RESTORABLE = ("capacity", "status", "location", "inventory", "utilization")


def _reverted(step: _Step, entry: Mapping[str, Any]) -> tuple[str, _Reverter]:
    """Revert an entry's changes, newest first (undo reverts a change; redo reverts what the
    undo published): the entry's intent and what the reverter did."""
    reverter = _Reverter(step, entry)
    changes = entry.get("changes")
    for change in reversed(changes if isinstance(changes, list) else []):
        if isinstance(change, Mapping):
            reverter.revert(change)
    return str(entry.get("intent") or "change"), reverter


def _undo(step: _Step) -> ActionResult:
    entry, left = pop_change(step)
    if entry is None:
        raise _Failed(
            "There is nothing to undo: I have made no change in this conversation that I can "
            f"still revert (I keep the last {MAX_JOURNAL}, per conversation).",
            ("Show the network summary", "Show recent alerts"),
        )
    intent, reverter = _reverted(step, entry)
    reverter.resolve_raised(entry.get("alerts"))
    answer = answers.undone(intent, reverter.done, reverter.problems, left)
    mentioned = list(dict.fromkeys(reverter.mentioned))
    if not reverter.done:
        return ActionResult(step.intent, False, answer, mentioned=tuple(mentioned))
    record_undone(
        step,
        {"intent": intent, "changes": reverter.changes, "seqs": reverter.removed_seqs},
    )
    return step.result(answer, changes=reverter.changes, mentioned=mentioned)


def _redo(step: _Step) -> ActionResult:
    """Make the change the last undo reverted again: revert the undo's own changes."""
    entry, left = pop_undone(step)
    if entry is None:
        raise _Failed(
            "There is nothing to redo: no undo in this conversation is waiting to be taken "
            "back (a change made after an undo ends what can be redone).",
            ("Undo", "Show the network summary"),
        )
    intent, reverter = _reverted(step, entry)
    step.seqs.update(reverter.removed_seqs)  # an undo of this redo puts them back in place
    step.journal_intent = intent
    answer = answers.redone(intent, reverter.done, reverter.problems, left)
    mentioned = list(dict.fromkeys(reverter.mentioned))
    if not reverter.done:
        return ActionResult(step.intent, False, answer, mentioned=tuple(mentioned))
    return step.result(answer, changes=reverter.changes, mentioned=mentioned)
