"""The evaluation conversations: whole multi-turn conversations through the real engine, each
ending in an expected twin (see tests/data/conversations/README.md).

The gate is regression, not a threshold: every turn and every twin outside
``known_failures.json`` must pass, and a known failure that passes now must leave the list (so
it only shrinks). No round may ever make a wrong destructive action. First-try scores of each
round are in ``tests/data/conversations/README.md`` (and ``first_tries.json``).
"""

from __future__ import annotations

import json

import pytest

from .conversation_eval import (
    KNOWN_FAILURES,
    failures,
    load_known,
    measured_rounds,
    report,
    rounds,
    score_round,
)

ROUNDS = measured_rounds()  # a round is sealed (never run) until its first try is recorded


def test_every_round_is_big_enough_and_well_formed() -> None:
    from .conversation_eval import load_round

    assert len(rounds()) >= 3
    for number in rounds():
        conversations = load_round(number)
        assert len(conversations) >= 10, number
        for conversation in conversations:
            assert 6 <= len(conversation["turns"]) <= 8, conversation["id"]
            assert conversation["twin"]["nodes"] or conversation.get("setup"), conversation["id"]
            for turn in conversation["turns"]:
                # words the answer must hold: strings (round 116 was written with [None] and
                # [["Accra"]], and mended before its first try)
                said = turn.get("mentions", [])
                assert isinstance(said, list), conversation["id"]
                assert all(isinstance(w, str) and w for w in said), conversation["id"]
                assert turn["intents"] and all(isinstance(i, str) for i in turn["intents"])


@pytest.mark.parametrize("number", ROUNDS)
def test_no_regression_and_no_wrong_destructive_action(number: int) -> None:
    score = score_round(number)
    print("\n" + report(score))
    known = load_known()
    turns, twins = failures(score)
    prefix = f"r{number}-"
    known_turns = {t for t in known["turns"] if t.startswith(prefix)}
    known_twins = {t for t in known["twins"] if t.startswith(prefix)}
    assert score.wrong_destructive == []
    assert sorted(turns - known_turns) == [], "new failing turns"
    assert sorted(twins - known_twins) == [], "new failing twins"
    assert sorted(known_turns - turns) == [], f"now passing: remove them from {KNOWN_FAILURES}"
    assert sorted(known_twins - twins) == [], f"now passing: remove them from {KNOWN_FAILURES}"


def write_known_failures() -> None:
    """Record today's failures as the known list (used once per round, after its first try)."""
    turns: set[str] = set()
    twins: set[str] = set()
    for number in ROUNDS:
        t, w = failures(score_round(number))
        turns |= t
        twins |= w
    KNOWN_FAILURES.write_text(
        json.dumps({"turns": sorted(turns), "twins": sorted(twins)}, indent=1) + "\n",
        encoding="utf-8",
    )
