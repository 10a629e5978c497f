"""Replay the evaluation conversations of ``tests/data/conversations`` and score them.

A conversation runs through :class:`SupplyChainEngine` (the whole turn: parse, dialogue state,
actions) on a fresh SQLite twin, after its ``setup`` network is written straight into the twin.
Scores per round: turns correct (the step intents equal the expected ones, and the answer
holds every ``mentions`` word), twins exact (nodes, links with direction and the listed
settings), and wrong destructive actions. The format is in the folder's README.

Run as a script to print every miss: ``python tests/engine/conversation_eval.py [13 14 ...]``.
A new round is sealed until ``python tests/engine/conversation_eval.py --first-try N`` runs it
once and records its score in ``first_tries.json``; only measured rounds run in the tests.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omnitrack_realtime.engine.copilot import SupplyChainEngine, TurnOutcome
from omnitrack_realtime.engine.gazetteer import fold, lookup
from omnitrack_realtime.engine.twin import Connection, Location, Node, Twin
from omnitrack_realtime.seam import EngineRequest

DATA = Path(__file__).resolve().parent.parent / "data" / "conversations"
KNOWN_FAILURES = DATA / "known_failures.json"
FIRST_TRIES = DATA / "first_tries.json"
USER = "eval-user"
T0 = 1_800_000_000_000

_DEFAULT_SUFFIX = {
    "supplier": "Supplier",
    "manufacturer": "Plant",
    "warehouse": "Warehouse",
    "distribution_center": "Distribution Center",
    "retailer": "Store",
}
_DESTRUCTIVE = ("remove-node", "disconnect-nodes")


def load_round(number: int) -> list[dict[str, Any]]:
    path = DATA / f"round_{number}.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def rounds() -> list[int]:
    return sorted(int(p.stem.split("_")[1]) for p in DATA.glob("round_*.jsonl"))


def first_tries() -> dict[str, dict[str, Any]]:
    """The first-try score of every round the engine has run on (the others are sealed)."""
    if not FIRST_TRIES.exists():
        return {}
    data: dict[str, dict[str, Any]] = json.loads(FIRST_TRIES.read_text(encoding="utf-8"))
    return data


def measured_rounds() -> list[int]:
    return sorted(int(number) for number in first_tries())


def record_first_try(number: int) -> RoundScore:
    """Run a sealed round for the first time and record its score; refuses a second time."""
    import subprocess

    tries = first_tries()
    if str(number) in tries:
        raise SystemExit(f"round {number} already had its first try: {tries[str(number)]}")
    score = score_round(number)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    tries[str(number)] = {
        "turns": f"{score.turns_correct}/{score.turns}",
        "turns_pct": round(100 * score.turns_correct / max(1, score.turns), 1),
        "twins": f"{score.twins_exact}/{len(score.conversations)}",
        "wrong_destructive": len(score.wrong_destructive),
        "commit": commit,
    }
    FIRST_TRIES.write_text(json.dumps(tries, indent=1) + "\n", encoding="utf-8")
    return score


@dataclass
class TurnResult:
    user: str
    expected: list[str]
    got: list[str]
    answer: str
    missing_mentions: list[str]
    wrong_destructive: list[str]

    @property
    def correct(self) -> bool:
        return self.got == self.expected and not self.missing_mentions


@dataclass
class ConversationResult:
    id: str
    turns: list[TurnResult] = field(default_factory=list)
    twin_problems: list[str] = field(default_factory=list)

    @property
    def twin_exact(self) -> bool:
        return not self.twin_problems


def _location(city: str) -> Location:
    place = lookup(city)
    if place is None:
        raise ValueError(f"unknown city in setup: {city}")
    return Location(
        place.city or city, place.country, place.region, place.latitude, place.longitude
    )


def _setup(twin: Twin, setup: dict[str, Any]) -> None:
    by_key: dict[str, Node] = {}
    for spec in setup.get("nodes", ()):
        location = _location(spec["city"])
        name = spec.get("name") or f"{location.city} {_DEFAULT_SUFFIX[spec['type']]}"
        capacity = int(spec.get("capacity", 10_000))
        node = twin.add_node(
            USER,
            type=spec["type"],
            name=name,
            location=location,
            capacity=capacity,
            status=spec.get("status", "operational"),
            inventory=spec.get("inventory"),
            utilization=float(spec.get("utilization", 0.5)),
        )
        by_key[f"{spec['type']}:{location.city}".casefold()] = node
        # the writer's spelling too ("Hannover" where the gazetteer says "Hanover")
        by_key[f"{spec['type']}:{spec['city']}".casefold()] = node
        by_key[name.casefold()] = node
    for link in setup.get("links", ()):
        source = by_key[link["from"].casefold()]
        target = by_key[link["to"].casefold()]
        twin.add_connection(
            USER,
            Connection(source.id, target.id, link.get("method"), bool(link.get("both_ways"))),
        )
    if setup.get("settings"):
        twin.update_settings(USER, **setup["settings"])


def step_intents(outcome: TurnOutcome) -> list[str]:
    steps = outcome.start_metadata.get("steps")
    if steps:
        return [s if isinstance(s, str) else s["intent"] for s in steps]
    return [str(outcome.start_metadata["intent"])]


def step_successes(outcome: TurnOutcome) -> list[tuple[str, bool]]:
    steps = outcome.end_metadata.get("steps")
    if steps:
        return [(s["intent"], bool(s.get("actionSuccess"))) for s in steps]
    return [
        (str(outcome.start_metadata["intent"]), bool(outcome.end_metadata.get("actionSuccess")))
    ]


def _node_matches(spec: dict[str, Any], node: Node) -> bool:
    if spec["type"] != node.type:
        return False
    if (spec.get("city") or "").casefold() != (node.location.city or "").casefold():
        place = lookup(spec.get("city") or "")
        if place is None or (place.city or "").casefold() != (node.location.city or "").casefold():
            return False
    if "name" in spec and spec["name"].casefold() != node.name.casefold():
        return False
    if "capacity" in spec and int(spec["capacity"]) != node.capacity:
        return False
    return not ("status" in spec and spec["status"] != node.status)


def _match_nodes(
    expected: Sequence[dict[str, Any]], actual: Sequence[Node]
) -> tuple[dict[int, Node], list[str]]:
    """Expected index -> node, most constrained specs first; and the problems."""
    problems: list[str] = []
    left = list(actual)
    matched: dict[int, Node] = {}
    order = sorted(range(len(expected)), key=lambda i: -len(expected[i]))
    for index in order:
        spec = expected[index]
        found = next((n for n in left if _node_matches(spec, n)), None)
        if found is None:
            problems.append(f"missing node {spec}")
            continue
        matched[index] = found
        left.remove(found)
    for node in left:
        problems.append(
            f"extra node {node.type}:{node.location.city} ({node.name}, {node.capacity})"
        )
    return matched, problems


def _key_of(expected: Sequence[dict[str, Any]], matched: dict[int, Node], ref: str) -> str | None:
    ref_folded = ref.casefold()
    for index, spec in enumerate(expected):
        key = f"{spec['type']}:{spec.get('city', '')}".casefold()
        if ref_folded in (key, str(spec.get("name", "")).casefold()) and index in matched:
            return matched[index].id
    return None


def compare_twin(twin: Twin, expected: dict[str, Any]) -> list[str]:
    nodes = twin.list_nodes(USER)
    specs = expected.get("nodes", [])
    matched, problems = _match_nodes(specs, nodes)
    wanted: set[tuple[str, str] | frozenset[str]] = set()
    for link in expected.get("links", []):
        source = _key_of(specs, matched, link["from"])
        target = _key_of(specs, matched, link["to"])
        if source is None or target is None:
            problems.append(f"link {link} names a node that is missing")
            continue
        wanted.add(frozenset((source, target)) if link.get("both_ways") else (source, target))
    names = {n.id: n.name for n in nodes}
    have: set[tuple[str, str] | frozenset[str]] = set()
    for connection in twin.list_connections(USER):
        pair = (connection.source, connection.target)
        have.add(frozenset(pair) if connection.bidirectional else pair)

    def show(link: tuple[str, str] | frozenset[str]) -> str:
        if isinstance(link, frozenset):
            return " <-> ".join(sorted(names.get(i, i) for i in link))
        return f"{names.get(link[0], link[0])} -> {names.get(link[1], link[1])}"

    problems += [f"missing link {show(link)}" for link in wanted - have]
    problems += [f"extra link {show(link)}" for link in have - wanted]
    settings = twin.get_settings(USER)
    for key, value in expected.get("settings", {}).items():
        actual = getattr(settings, key, None)
        if str(actual).casefold() != str(value).casefold():
            problems.append(f"setting {key} = {actual!r}, expected {value!r}")
    return problems


def run_conversation(conversation: dict[str, Any], directory: Path) -> ConversationResult:
    engine = SupplyChainEngine(directory / f"{conversation['id']}.db", clock=lambda: T0)
    result = ConversationResult(conversation["id"])
    try:
        if conversation.get("setup"):
            _setup(engine.twin, conversation["setup"])
        expected_nodes = conversation["twin"].get("nodes", [])
        history: list[Any] = []
        removed: list[tuple[int, Node]] = []  # (turn index, node)
        for turn in conversation["turns"]:
            before = {n.id: n for n in engine.twin.list_nodes(USER)}
            request = EngineRequest(USER, conversation["id"], turn["user"], tuple(history[-5:]))
            outcome = engine.run_turn(request)
            got = step_intents(outcome)
            answer = outcome.text.casefold()
            # ("Can Tho" is mentioned by "Cần Thơ": accents folded on both sides)
            folded = fold(outcome.text)
            missing = [w for w in turn.get("mentions", ()) if fold(w) not in folded]
            wrong = [
                f"{intent} not asked for"
                for intent, success in step_successes(outcome)
                if intent in _DESTRUCTIVE and success and intent not in turn["intents"]
            ]
            after = {n.id for n in engine.twin.list_nodes(USER)}
            removed += [(len(result.turns), before[i]) for i in set(before) - after]
            result.turns.append(
                TurnResult(turn["user"], turn["intents"], got, answer, missing, wrong)
            )
            history += [_History("user", turn["user"]), _History("assistant", outcome.text)]
        result.twin_problems = compare_twin(engine.twin, conversation["twin"])
        final = engine.twin.list_nodes(USER)
        for index, node in removed:
            for spec in expected_nodes:
                if _node_matches(spec, node) and not any(_node_matches(spec, n) for n in final):
                    result.turns[index].wrong_destructive.append(
                        f"removed {node.name}, which should stay"
                    )
                    break
    finally:
        engine.close()
    return result


@dataclass(frozen=True)
class _History:
    role: str
    content: str


@dataclass
class RoundScore:
    round: int
    conversations: list[ConversationResult]

    @property
    def turns(self) -> int:
        return sum(len(c.turns) for c in self.conversations)

    @property
    def turns_correct(self) -> int:
        return sum(t.correct for c in self.conversations for t in c.turns)

    @property
    def twins_exact(self) -> int:
        return sum(c.twin_exact for c in self.conversations)

    @property
    def wrong_destructive(self) -> list[str]:
        return [
            f"{c.id}#{i}: {w}"
            for c in self.conversations
            for i, t in enumerate(c.turns, 1)
            for w in t.wrong_destructive
        ]

    def line(self) -> str:
        return (
            f"round {self.round}: turns {self.turns_correct}/{self.turns} "
            f"({self.turns_correct / max(1, self.turns):.1%}), twins exact "
            f"{self.twins_exact}/{len(self.conversations)}, wrong destructive actions "
            f"{len(self.wrong_destructive)}"
        )


def score_round(number: int) -> RoundScore:
    with tempfile.TemporaryDirectory() as directory:
        results = [run_conversation(c, Path(directory)) for c in load_round(number)]
    return RoundScore(number, results)


def failures(score: RoundScore) -> tuple[set[str], set[str]]:
    """The failing turns (``"r13-c01#3"``) and twins (``"r13-c01"``) of a round."""
    turns = {
        f"{c.id}#{i}"
        for c in score.conversations
        for i, t in enumerate(c.turns, 1)
        if not t.correct
    }
    twins = {c.id for c in score.conversations if not c.twin_exact}
    return turns, twins


def load_known() -> dict[str, set[str]]:
    if not KNOWN_FAILURES.exists():
        return {"turns": set(), "twins": set()}
    data = json.loads(KNOWN_FAILURES.read_text(encoding="utf-8"))
    return {key: set(data.get(key, ())) for key in ("turns", "twins")}


def report(score: RoundScore) -> str:
    lines = [score.line()]
    for conversation in score.conversations:
        for index, turn in enumerate(conversation.turns, 1):
            if not turn.correct or turn.wrong_destructive:
                extra = f" missing {turn.missing_mentions}" if turn.missing_mentions else ""
                danger = f" DESTRUCTIVE {turn.wrong_destructive}" if turn.wrong_destructive else ""
                lines.append(
                    f"  {conversation.id}#{index} {turn.user!r}: got {turn.got}, "
                    f"expected {turn.expected}{extra}{danger}"
                )
        for problem in conversation.twin_problems:
            lines.append(f"  {conversation.id} twin: {problem}")
    return "\n".join(lines)


def main(argv: Iterable[str]) -> None:
    args = list(argv)
    if args[:1] == ["--first-try"]:
        for number in (int(a) for a in args[1:]):
            print(report(record_first_try(number)))
        return
    wanted = [int(a) for a in args] or measured_rounds()
    sealed = sorted(set(wanted) - set(measured_rounds()))
    if sealed:
        raise SystemExit(f"rounds {sealed} are sealed: run --first-try on them first")
    totals = Counter[str]()
    for number in wanted:
        score = score_round(number)
        print(report(score))
        totals["turns"] += score.turns
        totals["correct"] += score.turns_correct
        totals["twins"] += len(score.conversations)
        totals["exact"] += score.twins_exact
    print(
        f"all: turns {totals['correct']}/{totals['turns']}, "
        f"twins {totals['exact']}/{totals['twins']}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
