"""The whole message: cleaned, split into steps, each step read by the rules, and the
results joined into one :class:`~..commands.ParseResult` (at most :data:`MAX_STEPS` commands,
or one clarifying question, or nothing understood).

Also here: a step only of courtesy words is skipped, an add verb carries on to the next step
("Add a supplier in Jakarta! Then a warehouse in Singapore."), a pronoun after a step nobody
understood points at the node that step named, a request said twice is kept once, and
confidence drops for typo corrections and ignored asides.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence

from .. import gazetteer
from ..commands import (
    ADD_INTENTS,
    ADDED_TYPE,
    CHANGING_INTENTS,
    DEFAULT_NAME_WORD,
    INTENTS,
    SIMULATION_INTENTS,
    Act,
    Clarification,
    Command,
    NodeRef,
    ParseResult,
    Place,
    Step,
)
from .cleaning import (
    _clean,
    _correct,
    _franglais,
    _hinglish,
    _self_corrected,
    _singlish,
    _spanglish,
    _taglish,
)
from .courtesy import APOLOGY, HELLO, THANKS, YES
from .descriptions import (
    _ADD_THEM_AS,
    _AND_THAT_LINK,
    _DEFAULT_SUFFIX,
    _EACH_OF_THEM,
    _MODEL_THAT,
    _TYPE_WORD,
    _adds_described,
    _cities_in,
    _described_node,
    _described_nodes,
    size_beside_place,
)
from .edits import _SIZE_EACH, _UPDATE_VERB, _capacity
from .frames import read_frames, read_what_if
from .mood import Mood, dialogue_act, mood
from .names import _EMPTY_NAMES, _name_index, _Names
from .numbers import parse_number
from .outcomes import _whole
from .references import _analyse
from .rules import PLANNED, _is_hedge, _parse_step, _read_clause
from .settings import _SETTINGS
from .steps import _CHANGE_VERBS, _VERBS, _split
from .vocabulary import (
    _ADD_INTENT,
    _ADD_VERB_RE,
    _CURRENCY_RE,
    _LINK_IN,
    _LINK_OUT,
    _TYPE_RE,
    _TYPES,
    _VOCAB,
)

__all__ = ["MAX_STEPS", "analysis_asked_after", "parse"]

MAX_STEPS = 10


_FILLER = re.compile(
    r"^(?:\s|[,.!?:;-])*(?:(?:hey|hi|hello|yo|ok|okay|alright|so|um+|uh+|well|please|pls|plz"
    r"|kindly|now|first(?:ly)?|also|just|and|oh|right|great|thanks|thank\syou|cool|sure"
    r"|could\syou|can\syou|could\su|can\su|would\syou|will\syou|i'?d\slike\s(?:you\s)?to"
    r"|i\swould\slike\s(?:you\s)?to|i\swant\s(?:you\s)?to|i\sneed\syou\sto|let'?s|go\sahead\sand"
    r"|maybe|do\sthe\sfollowing|the\sfollowing|as\sfollows|here'?s\swhat\si\sneed"
    r"|i\swas\sthinking|then|next|finally|lastly|secondly|thirdly|last\sof\sall|last\sbut\snot\sleast"
    # formal requests: "I request you to register it", "would you be so kind as to ..."
    r"|(?:i|we)\s(?:would\s)?(?:request|ask|beg)\s(?:you\s|of\syou\s)?to|(?:would|could)\syou\sbe"
    r"\sso\skind\sas\sto|(?:please\s)?be\sso\skind\sas\sto|i'?d\sappreciate\sit\sif\syou\scould"
    r"|we\swould\sbe\sgrateful\sif\syou\scould|i\swould\sbe\sgrateful\sif\syou\scould)\b"
    r"(?:\s|[,.!?:;-])*)+",
    re.IGNORECASE,
)


def _is_filler(text: str) -> bool:
    rest = _FILLER.sub("", text)
    rest = re.sub(
        r"\b(?:thanks?|thank\syou|cheers|please|pls|ok|okay|hi|hello|hey)\b",
        "",
        rest,
        flags=re.IGNORECASE,
    )
    return len(re.findall(r"\w+", rest)) <= 1


def _unread(step: Step) -> bool:
    """A step nobody understood: a question about words with no request in them, or an unknown."""
    return (isinstance(step, Clarification) and step.intent is None) or (
        isinstance(step, Act) and step.kind == "unknown"
    )


def _described_then_asked(steps: list[Step]) -> list[Step]:
    """ "Cotton comes from Adana. Please add a supplier in Adana, 35,000 kg.": the node the
    description was read as is the one the request adds (with the place and size either
    says); "... Istanbul in our warehouse to go. Warehouse add, 50 thousand towel": so is a
    request that asked where."""
    steps = list(steps)
    out: list[Step] = []
    for index, step in enumerate(steps):
        if not (
            isinstance(step, Command)
            and step.intent in _DEFAULT_SUFFIX
            and isinstance(step.params.get("place"), Place)
            and not _ADD_VERB_RE.search(step.text.lower())
        ):
            out.append(step)
            continue
        asked = next(
            (
                later
                for later in steps[index + 1 :]
                if isinstance(later, Command | Clarification)
                and later.intent == step.intent
                and _ADD_VERB_RE.search(later.text.lower())
                and (
                    isinstance(later, Clarification)
                    or _same_town(step.params.get("place"), later.params.get("place"))
                    or "place" not in later.params
                )
            ),
            None,
        )
        if asked is None:
            out.append(step)
            continue
        at = steps.index(asked)
        if isinstance(asked, Clarification):
            size = _SIZE_IN_WORDS.search(asked.text) or _A_SIZE.search(asked.text)
            value = parse_number(size.group()) if size is not None else None
            said = {"capacity": int(value)} if value else {}
            steps[at] = Command(step.intent, {**step.params, **said}, step.confidence, asked.text)
        else:
            steps[at] = Command(
                asked.intent, {**step.params, **asked.params}, asked.confidence, asked.text
            )
    return out


_SIZE_IN_WORDS = re.compile(r"\b\d[\d,.]*\s(?:thousand|million)\b", re.IGNORECASE)


def _sized_then_added(steps: list[Step], names: _Names) -> list[Step]:
    """ "We grow roses near Nakuru, about 500,000 stems a month. Please add the farm as a
    supplier.": the size was said of a town where the user has no node yet, and the add that
    follows asks where; it is the add of that town's site, with that size."""
    out: list[Step] = []
    for step in steps:
        before = out[-1] if out else None
        ref = before.params.get("node") if isinstance(before, Command) else None
        if (
            isinstance(step, Clarification)
            and step.intent in _DEFAULT_SUFFIX
            and _ADD_VERB_RE.search(step.text.lower())
            and not gazetteer.find_places(step.text)
            and isinstance(before, Command)
            and before.intent == "update-node"
            and set(before.params) == {"node", "capacity"}
            and isinstance(ref, NodeRef)
            and ref.kind == "place"
            and ref.place is not None
            and ref.place.city
            and not names.named_after(ref.place.city)
        ):
            params = {"place": ref.place, "capacity": before.params["capacity"]}
            out[-1] = Command(step.intent, params, 0.7, step.text)
            continue
        out.append(step)
    return out


_CAPACITY_SAID_AFTER = re.compile(
    r"^\W*(?:the\s|its\s)?(?:capacity|cap|size)\s(?:is|of|will\sbe|=)\s[^.!?\n]*", re.IGNORECASE
)
_TYPE_SAID_IN = re.compile(_TYPE_RE.pattern + r"\s+(?:in|at|near)\s+$", re.IGNORECASE)
# "The Puebla DC is down for a system migration": a state said, not asked about
_IS_DOWN_SAID = re.compile(
    r"^\W*(?:the\s|our\s)?[\w' -]{2,40}?\s(?:is|are|'s|went|has\sgone|goes)\s(?:now\s)?"
    r"(?:down|offline|out|dark|closed|shut)\b(?![^.]*\?)",
    re.IGNORECASE,
)
# ", and block out my calendar": a lower-case verb after the ends of a participle's link
_AND_ANOTHER_ASK = re.compile(
    r",\s*(?:and|then|plus)\s+(?!(?:the|our|my|a|an|both|also|all|each|every|one|two|three)\b)"
    r"(?=[a-z]{3,}\s)"
)
_TYPE_SAID_NEXT = re.compile(r"\s+" + _TYPE_RE.pattern, re.IGNORECASE)
_POINTED_BACK = re.compile(r"\badd\s(?:them|it|him|her)\sas\b", re.IGNORECASE)


_TOPIC_ONLY = re.compile(
    r"^\W*(?:(?:next|now|then|first|second|and|ok|okay|so)\W+)*(?:(?:is|are|comes?|come|add)\s+)?"
    r"(?:the\s+|our\s+|an?\s+)?(?:" + _TYPES + r")\W*$",
    re.IGNORECASE,
)


_WHERE_ARE_THEY = re.compile(
    r"^\W*(?:and\s+)?where\s+(?:are|is)\s+(?:they|those|these|them|each)(?:\s+(?:located|based))?\W*$",
    re.IGNORECASE,
)


def _where_after_a_list(steps: list[Step]) -> list[Step]:
    """ "How many suppliers do we have, and where are they?": the list shows where each is."""
    return [
        step
        for index, step in enumerate(steps)
        if not (
            index > 0
            and isinstance(step, Command)
            and step.intent == "get-node-details"
            and _WHERE_ARE_THEY.match(step.text)
            and isinstance(steps[index - 1], Command)
            and _command_intent(steps[index - 1]) == "list-nodes"
        )
    ]


def _topics_before_their_adds(steps: list[Step]) -> list[Step]:
    """ "Next is supplier. Steel material is coming from Nagoya, ...": the kind named as what
    comes next, then its adds; not an add of its own that asks where."""
    return [
        step
        for index, step in enumerate(steps)
        if not (
            isinstance(step, Clarification)
            and step.intent in ADDED_TYPE
            and _TOPIC_ONLY.match(step.text)
            and any(
                isinstance(later, Command) and later.intent == step.intent
                for later in steps[index + 1 :]
            )
        )
    ]


def _place_said_before(steps: list[Step], text: str) -> list[Step]:
    """ "I am the manager of the logistic in a factory in Amman, ... Please I want from you to
    add the factory, the capacity is 40,000 box in the month.": the add asked where, but the
    message said where its kind of site is, before; and a size said right after it."""
    out: list[Step] = []
    for step in steps:
        kind = ADDED_TYPE.get(step.intent or "") if isinstance(step, Clarification) else None
        at = text.find(step.text) if kind is not None else -1
        if (
            kind is None
            or at <= 0
            or not _ADD_VERB_RE.search(step.text.lower())
            or gazetteer.find_places(step.text)
            # (a description read as that add comes first: _described_then_asked joins them)
            or any(isinstance(s, Command) and s.intent == ADD_INTENTS[kind] for s in out)
        ):
            out.append(step)
            continue
        before = text[:at]
        pointed = _POINTED_BACK.search(step.text) is not None
        placed = next(
            (
                (found, end)
                for (start, end), found in reversed(gazetteer.find_places(before))
                if found.city
                and (
                    (said := _TYPE_SAID_IN.search(before[max(0, start - 40) : start])) is not None
                    # "email our Kano supplier ... Also add them as a supplier": "them" is it
                    or (pointed and (said := _TYPE_SAID_NEXT.match(before[end:])) is not None)
                )
                and said.lastgroup == kind
            ),
            None,
        )
        if placed is None:
            out.append(step)
            continue
        place, end = placed
        params: dict[str, object] = {"place": place}
        size = _CAPACITY_SAID_AFTER.match(text[at + len(step.text) :].lstrip(" ,;"))
        capacity = _capacity(size.group(), None) if size is not None else None
        if capacity is None and pointed:
            capacity = _capacity(step.text, None)  # ("add them as a supplier, 15,000 crates")
        if capacity is None:
            capacity = size_beside_place(before, end)  # "a DC in Laredo of 25,000. Add it"
        if capacity is not None:
            params["capacity"] = capacity
        out.append(Command(ADD_INTENTS[kind], params, 0.7, step.text))
    return out


def _described_again(steps: list[Step]) -> list[Step]:
    """ "We buy from a supplier in Adana. Adana supplier 50000 kg monthly give.": the node said
    again in the same message, with its size now, is the one added (not a second one)."""
    out: list[Step] = []
    for step in steps:
        earlier = next(
            (
                i
                for i, s in enumerate(out)
                if isinstance(step, Command)
                and isinstance(s, Command)
                and step.intent in _DEFAULT_SUFFIX
                and s.intent == step.intent
                and "capacity" not in s.params
                and s.text != step.text  # ("three stores in Leeds": three adds, one clause)
                and not re.search(
                    r"\b(?:another|second|2nd|two|both|more|other)\b", step.text, re.I
                )
                and _same_town(s.params.get("place"), step.params.get("place"))
            ),
            None,
        )
        if earlier is not None and isinstance(step, Command):
            first = out[earlier]
            assert isinstance(first, Command)
            out[earlier] = Command(
                first.intent, {**first.params, **step.params}, first.confidence, first.text
            )
            continue
        out.append(step)
    return out


def _same_town(a: object, b: object) -> bool:
    return (
        isinstance(a, Place)
        and isinstance(b, Place)
        and a.city is not None
        and gazetteer.fold(a.city) == gazetteer.fold(b.city or "")
    )


def _without_repeated_add_requests(steps: list[Step]) -> list[Step]:
    """ "The potatoes we get from a farmer in Zwolle, 80000 kg. Add him also": the request
    points at the node the description before it was read as; it asks for nothing more."""
    out: list[Step] = []
    for step in steps:
        text = getattr(step, "text", "")
        if (
            _unread(step)
            and _ADD_THAT.match(text)
            and not gazetteer.find_places(text)
            and not _TYPE_RE.search(text)
            and any(isinstance(s, Command) and s.intent in _DEFAULT_SUFFIX for s in out)
        ):
            continue
        out.append(step)
    return out


def _adds_before_their_links(steps: list[Step]) -> list[Step]:
    """A node the message adds is added before a link said earlier to the place it is in
    ("..., Venlo is sending to there. Please add also.": the warehouse, then the link), or to
    "there" when it is the message's one add ("we have warehouse in Izmir, 40000 piece. Factory
    is sending there, please put also.")."""
    out = list(steps)
    adds = [s for s in steps if isinstance(s, Command) and s.intent in _DEFAULT_SUFFIX]
    for add in adds:
        place = add.params.get("place")
        city = place.city if isinstance(place, Place) else None
        if not city:
            continue
        at = out.index(add)
        for i, step in enumerate(out[:at]):
            ends = (
                [step.params.get("source"), step.params.get("target")]
                if isinstance(step, Command) and step.intent == "connect-nodes"
                else []
            )
            there = (
                len(adds) == 1
                and isinstance(step, Command)
                and re.search(r"\bthere\b", step.text, re.IGNORECASE) is not None
            )
            if any(
                isinstance(e, NodeRef)
                and (
                    (
                        e.kind == "place"
                        and e.place is not None
                        and e.place.city == city
                        and e.node_type in (None, ADDED_TYPE.get(add.intent))
                    )
                    or (there and e.kind == "pronoun" and e.text in ("it", "there"))
                    # ("we are sending the tea to one distributor in Nairobi. Add also him as
                    # distribution centre": the name the add will give it)
                    or (
                        e.kind == "name"
                        and e.text.casefold() == f"{city} {_DEFAULT_SUFFIX[add.intent]}".casefold()
                        and "name" not in add.params
                    )
                )
                for e in ends
            ):
                out.insert(i, out.pop(at))
                break
    return out


_CAN_WE_COVER = re.compile(
    r"^\W*(?:and\s)?(?:can|could|would|will)\s(?:we|you|they|the\snetwork)\s(?:still\s)?(?:cover|handle"
    r"|absorb|manage|cope\swith|meet|take|survive|keep\sup\swith)\s(?:it|that|this)\b",
    re.IGNORECASE,
)
_WHY_ASKED = re.compile(
    r"^\W*(?:i|we)\s(?:need|want|have|'?d\slike|would\slike)\sto\s(?:know|see|understand|find\sout)\b",
    re.IGNORECASE,
)
_WORRY_SAID = re.compile(
    r"^\W*(?:i'?m|i\sam|we'?re|we\sare)\s(?:a\sbit\s|a\slittle\s|quite\s|really\s|slightly\s)?"
    r"(?:worried|concerned|nervous|anxious)\b(?![^?]*\?)",
    re.IGNORECASE,
)


def _pronoun_only(command: Command) -> bool:
    return bool(command.params) and all(
        isinstance(v, NodeRef) and v.kind == "pronoun" for v in command.params.values()
    )


_PURPOSE_SAID = re.compile(
    r"^\W*(?:i|we)\s(?:need|have|want|'ll\sneed|will\sneed)\sto\s(?:rank|report|present|include|put"
    r"|list|log|record|note|show)\b[^?]*\b(?:for|in|into|on)\s(?:the|our|my)\s(?:risk\sregister|board"
    r"|report|deck|slides?|pack|minutes)\b[^?]*$",
    re.IGNORECASE,
)
_ASKED_TWICE = frozenset(
    {"calculate-utilization", "trace-upstream", "trace-downstream", "get-node-details", "explain"}
)
_SCENARIO_ASKED = re.compile(
    r"\?|\b(?:what\sif|what\shappens|what\swould|if|simulat\w*|run|re-?run|test|model|suppose|imagine"
    r"|scenario|say|assume|could|would|let'?s)\b",
    re.IGNORECASE,
)
_WHAT_TO_TELL = re.compile(
    r"\W*(?:and\s)?(?:tell|ask|inform|remind|let|notify|warn|say\sto|thank)\s"
    r"(?:him|her|them|us|me|everyone|everybody|the\s\w+|our\s\w+)\b",
    re.IGNORECASE,
)


def _merge_repeats(steps: list[Step]) -> list[Step]:
    """Drop a step that repeats the one before it ("we're risk averse, set our risk tolerance
    to low" is one request said twice)."""
    out: list[Step] = []
    for command in steps:
        previous = out[-1] if out else None
        if (
            isinstance(command, Command)
            and isinstance(previous, Command)
            and command.intent == previous.intent == "connect-nodes"
            and command.params.get("source") == command.params.get("target")
            and command.params.get("source") == NodeRef("them", "pronoun")
        ):
            continue  # "Rosario DC should also serve Montevideo, link them": the link, said twice
        if (
            isinstance(command, Act)
            and isinstance(previous, Act)
            and command.kind == previous.kind == "out-of-scope"
        ):
            # "call our insurer and open a claim": one thing I can't do, said once
            topic = (
                previous.topic
                if command.topic in previous.topic
                else (f"{previous.topic} or {command.topic}")
            )
            out[-1] = Act("out-of-scope", f"{previous.text} and {command.text}", topic)
            continue
        if (
            isinstance(command, Command)
            and previous is not None
            and command.intent == "identify-risks"
            and _PURPOSE_SAID.match(command.text)
        ):
            # "Which of those two scenarios costs us more? I need to rank them for the risk
            # register.": why it is asked, not a risk scan
            continue
        if (
            isinstance(command, Command)
            and (
                (
                    isinstance(previous, Act)
                    and previous.kind == "out-of-scope"
                    and previous.topic == "check the weather"
                )
                # ("mark the supplier in Brno degraded, ..., they have problem with workers":
                # why the status, not a scenario)
                or (
                    isinstance(previous, Command)
                    and previous.intent == "update-node"
                    and "status" in previous.params
                )
            )
            and command.intent in SIMULATION_INTENTS
            and not _SCENARIO_ASKED.search(command.text)
        ):
            # "What's the weather like in Lagos this week? Heavy rain delays our loading.": why
            # the weather was asked, not a scenario to run
            continue
        if (
            isinstance(command, Command)
            and isinstance(previous, Command)
            and command.intent == previous.intent
            and command.intent in _ASKED_TWICE
            and command.params == {"node": NodeRef("it", "pronoun")}
        ):
            # "How loaded are the plants? Utilisation is a line item in the capex section.":
            # the question, then why it is asked; "what does the Zaragoza warehouse depend on?
            # Trace everything upstream of it.": the question, asked again
            continue
        if (
            isinstance(command, Command)
            and isinstance(previous, Command)
            and command.intent == previous.intent == "remove-node"
            and isinstance(command.params.get("node"), NodeRef)
            and command.params["node"].kind == "pronoun"
            and command.params["node"].text.lower() in ("it", "that one", "this one", "that")
        ):
            # "the first warehouse can go. Remove that one.": one removal, said twice
            continue
        if (
            isinstance(command, Command)
            and isinstance(previous, Command)
            and command.intent == "explain"
            and command.params == {"node": NodeRef("it", "pronoun")}
            and previous.intent == "help"
            and previous.params.get("topic")
        ):
            # "I'm not sure what 'degraded' means here. Would you mind explaining it to me?":
            # the term, asked about twice
            continue
        if (
            isinstance(command, Clarification)
            and command.intent is None
            and isinstance(previous, Act)
            and previous.kind == "out-of-scope"
            and _WHAT_TO_TELL.match(command.text)
        ):
            # "email the plant manager there and tell him the system is live": what the
            # message I can't send would say
            out[-1] = Act("out-of-scope", f"{previous.text} and {command.text}", previous.topic)
            continue
        if (
            isinstance(command, Command)
            and command.intent in _SETTINGS
            and any(
                isinstance(s, Command) and (s.intent, s.params) == (command.intent, command.params)
                for s in out
            )
        ):
            continue  # "we make shoes ... we produce the shoes there": the same setting again
        if (
            isinstance(command, Command)
            and isinstance(previous, Command)
            and previous.intent == command.intent
            and command.intent not in ("undo", "redo")  # "Undo. And undo again.": two steps back
        ) and (
            command.intent in _SETTINGS
            or previous.params == command.params
            # "reviewing supplier resilience ... Where are we most exposed?": one risk scan
            or (command.intent in _ANALYSES and not command.params)
            # "... most exposed? I need to put a number on it for the risk register": "it" is
            # what the first one asked about
            or (command.intent in _ANALYSES and not previous.params and _pronoun_only(command))
            # "Is there anything risky about it? I'm worried we only have one oil supplier."
            or (command.intent in _ANALYSES and _pronoun_only(previous))
            # "Is there anything risky? I'm a bit worried that we only have one oil supplier.":
            # the worry said after the question is what it asks about
            or (
                command.intent in _ANALYSES
                and not previous.params
                and _WORRY_SAID.match(command.text) is not None
            )
        ):
            if command.intent in _DEFAULT_SUFFIX and command.text == previous.text:
                out.append(command)  # "three stores in Leeds": three adds from one clause
                continue
            keep_first = command.intent in _ANALYSES and (
                not command.params
                or _pronoun_only(command)
                or (not previous.params and _WORRY_SAID.match(command.text) is not None)
            )
            out[-1] = (
                command
                if command.confidence >= previous.confidence and not keep_first
                else previous
            )
            continue
        if (
            isinstance(command, Command)
            and isinstance(previous, Command)
            and previous.intent in SIMULATION_INTENTS
            and command.intent in _ANALYSES
            and _WHY_ASKED.match(command.text)
        ):
            continue  # "What if the grower fails? I need to know how exposed we are.": its why
        if (
            isinstance(command, Command)
            and isinstance(previous, Command)
            and previous.intent in SIMULATION_INTENTS
            and command.intent == "get-node-details"
            and _pronoun_only(command)
            and _CAN_WE_COVER.match(command.text)
        ):
            continue  # "What if demand jumps 25%? Can we cover it?": what the what-if answers
        if (
            isinstance(command, Command)
            and isinstance(previous, Command)
            and previous.intent == command.intent == "compare-nodes"
            and all(
                isinstance(n, NodeRef) and n.kind == "pronoun"
                for n in command.params.get("nodes") or (None,)
            )
        ):
            continue  # "Which of the two suppliers carries more? Put them side by side.": one
        if (
            isinstance(command, Command)
            and isinstance(previous, Command)
            and previous.intent == command.intent == "remove-node"
            and command.params.get("node") == NodeRef("it", "pronoun")
        ):
            continue  # "The Frankfurt DC was decommissioned ... Please remove it.": one removal
        if (
            isinstance(command, Command)
            and isinstance(previous, Command)
            and previous.intent == command.intent == "explain"
            and getattr(command.params.get("node"), "kind", "pronoun") == "pronoun"
        ):
            continue  # "How is that score calculated? Which inputs go into it?": one question
        if (
            isinstance(command, Command)
            and isinstance(previous, Command)
            and previous.intent == command.intent == "update-node"
            and getattr(command.params.get("node"), "kind", None) == "pronoun"
            and {k: v for k, v in command.params.items() if k != "node"}
            == {k: v for k, v in previous.params.items() if k != "node"}
        ):
            continue  # "Perth store is closed for refit - mark it offline": one change
        if (
            isinstance(command, Command)
            and isinstance(previous, Command)
            and previous.intent in _SETTINGS
            and _SET_THAT.match(command.text)
        ):
            continue  # "we invoice in New Zealand dollars, could you set that?": that setting
        if (
            isinstance(command, Command)
            and isinstance(previous, Command)
            and previous.intent == command.intent == "list-nodes"
            and previous.params
            and not command.params
            and _THEIR.search(command.text)
        ):
            # "How many suppliers do we have, and what's their combined capacity?": the list
            # of those gives their total
            continue
        if (
            isinstance(command, Command)
            and isinstance(previous, Command)
            and previous.intent == command.intent == "update-node"
            and _same_site(previous.params.get("node"), command.params.get("node"))
            and {k: v for k, v in command.params.items() if k != "node"}
            == {k: v for k, v in previous.params.items() if k != "node"}
        ):
            # "Atlanta's back up since this morning, set the Atlanta DC to operational": the
            # news, then the change it asks for, by the node's name
            out[-1] = command
            continue
        out.append(command)
    return out


_SET_THAT = re.compile(
    r"^\W*(?:(?:could|can|would|will)\s+you\s+(?:please\s+)?|please\s+|pls\s+)?(?:set|apply|use|change"
    r"|put\s+in|record|save)\s+(?:that|it|this)(?:\s+(?:please|pls|for\sme|for\sus|in|up))*\W*$",
    re.IGNORECASE,
)
_THEIR = re.compile(r"\b(?:their|them|those|these|they)\b", re.IGNORECASE)


def _same_site(town: object, named: object) -> bool:
    """Whether a node said by its town and a node said by its name are the same one, as far
    as words tell ("Atlanta" and "Atlanta Distribution Center")."""
    if not isinstance(town, NodeRef) or not isinstance(named, NodeRef):
        return False
    city = town.place.city if town.kind == "place" and town.place is not None else None
    return (
        city is not None
        and named.kind == "name"
        and named.text.casefold().startswith(city.casefold())
    )


_REMARK = re.compile(
    r"^\W*(?:i|i'?m|im|i'?d|we|we'?re|our|it|it'?s|this|that|there|not|maybe|probably|hmm+"
    r"|so|well|ok|okay|honestly|btw|fyi|by\sthe\sway|just|also|anyway|oh|ah|sounds|looks"
    r"|seems|cool|great|nice|out\sof\scuriosity|curious|quick\squestion|just\swondering"
    r"|before|after|once|if|when|while|since|because|given|as\ssoon\sas|sorry|apologies"
    r"|ugh|argh|oops|whoops|my\sbad|wait|hi|hey|hello|morning|evening|thanks|cheers|my|he|she"
    r"|they|you|typo|wrong|right|alright|fine|let\sme|let'?s\ssee|hope|hoping)\b"
    r"|^\W*(?:\w+\s){0,2}(?:checklist|list|plan|to-?dos?|tasks|agenda|notes|steps)\W*$",
    re.IGNORECASE,
)


# A letter's closing formula ("Kind regards,", "Best,", "With sincere thanks", "Thanks in
# advance for your cooperation") and the signature under it: courtesy, never a step.
_SIGN_OFF = re.compile(
    r"^\W*(?:(?:with\s)?(?:(?:kind|kindest|best|warm|warmest|sincere|many|my)\s)+(?:regards|wishes)"
    r"|regards|best|all\sthe\sbest|yours(?:\s(?:sincerely|truly|faithfully))?|sincerely(?:\syours)?"
    r"|respectfully(?:\syours)?|with\s(?:(?:sincere|many|warm|warmest|kind|grateful|heartfelt)\s)+"
    r"thanks\b.*|(?:many\s)?thanks\sin\sadvance\b.*)\W*$",
    re.IGNORECASE,
)
_TRAILING_THANKS = re.compile(
    rf"(?:[,.!]\s*|\s+)(?P<thanks>(?:that'?s\s(?:it|all)\W+)?(?:{THANKS})(?:\s(?:a\slot|so\smuch"
    r"|very\smuch|mate|again|betsaka))?)\W*$",
    re.IGNORECASE,
)
# "gracias crack", "Thank you sugar, you've been a big help", "thank you oo": thanks, and words
# said with them that ask for nothing
_THANKS_FIRST = re.compile(
    rf"^\W*(?:(?:and|so|ok|okay|again|{YES})\W+)?(?:(?:with\s)?(?:many|big|huge|a\smillion)\s)?"
    rf"(?:{THANKS})\b(?P<rest>[^?]{{0,60}})$",
    re.IGNORECASE,
)
_GUESSES_THE_ANSWER = re.compile(
    r"^\W*(?:or\s)?(?:is|does|do|was)\s(?:it|that|this|the\s\w+)\s.*\bor\b"
    r"|^\W*(?:is|was)\s(?:it|that)\s(?:only|just|mainly|mostly|all)\s(?:because|due\sto)\b|^\W*(?:i\sassume|i\sguess"
    r"|i\simagine|presumably|i\ssuppose)\b",
    re.IGNORECASE,
)
# "Three quick ones before my call: how many ...": a label saying what follows
_AND_ANOTHER_TYPE = re.compile(
    r"\s+(?:and|plus|&)\s+(?=(?:an?\s|another\s|one\s|(?:a\s)?(?:second|third|2nd|3rd)\s)?(?:"
    + _TYPES
    + r")\s)",
    re.IGNORECASE,
)
_QUESTIONS_LABEL = re.compile(
    r"^\W*(?:\w+\s){0,3}(?:quick\sone|(?:quick\s)?(?:ones|questions?|things|items|points|asks))\b"
    r"[^:?]{0,40}:\s*",
    re.IGNORECASE,
)
_FOREIGN_GREETING = re.compile(rf"^(?:{HELLO})\b(?=\W)", re.IGNORECASE)
_BOTH_LINKED = re.compile(
    rf"^(?P<head>.+?),\s+(?P<both>both|all\s(?:two|three|four)|each)\s(?P<link>(?:{_LINK_IN}|{_LINK_OUT})\s.+)$",
    re.IGNORECASE,
)
_HERE_GOES = re.compile(
    r"^\W*(?:here\sgoes|here\swe\sgo|here\sit\sis|so\shere'?s\sthe\sdeal|here'?s\sthe\ssetup)\W*:?\s*",
    re.IGNORECASE,
)
_COUNTED_ONE_IN = re.compile(
    r"^\W*(?:and\s)?(?:two|three|four|2|3|4)\s(?P<type>"
    + _TYPES
    + r")(?:\sas\swell|\stoo|\salso)?,?\s+"
    r"(?P<rest>one\s(?:in|at)\s.+)$",
    re.IGNORECASE,
)
# "need to set up our chain real quick", "let's build our network": the descriptions that
# follow are the nodes to add.
_THE_FOLLOWING = re.compile(
    r"^\W*(?:(?:please|pls|kindly|could\syou|can\syou|would\syou)\s+)*(?:set\s?up|add|create|enter"
    r"|record|register|build|model|do|make|put\sin|include)\s+(?:the\s+)?(?:following|below|these"
    r"|as\sfollows)(?:\s+(?:items|sites|nodes|changes|please|for\sus|for\sme))*\W*$",
    re.IGNORECASE,
)
_BUILD_CUE = re.compile(
    r"^\W*(?:(?:hi|hey|hello|ok|okay|so|right|alright)\W+)*(?:(?:i|we)\s)?(?:(?:really\s)?(?:need|want"
    r"|would\slike|'?d\slike|wanna|have|got)\s(?:to\s)?|let'?s\s|help\sme\s|time\sto\s)"
    r"(?:set\s?up|build|model|map(?:\sout)?|create|get|put\stogether|put|enter|do)\s(?:our|my|the|a)"
    r"\s(?:\w+\s)?(?:supply\s)?(?:chain|network|twin|model|setup|operation|business)"
    r"(?:\s(?:up|in(?:\shere)?|here|going|done|(?:into|in)\s(?:this|the)\s(?:thing|tool|system|app|twin)))?"
    r"(?:\s(?:real|really|super|pretty)?\s?(?:quick(?:ly)?|fast|asap|now|today|first))*\W*$",
    re.IGNORECASE,
)
# A letter: "Dear team,", "Respected Sir,", "To whom it may concern": its thanks are courtesy.
_LETTER = re.compile(r"^\W*(?:dear|respected|to\swhom\sit\smay\sconcern)\b", re.IGNORECASE)

_GO_ON = re.compile(
    r"^\W*(?:(?:ok|okay|so|right|alright|then)\W+)*(?:let'?s\s)?(?:actually\s)?(?:do\ssomething"
    r"|get\sgoing|get\sto\swork|get\sstarted|build|start|go|do|begin"
    r"|continue|proceed|carry\son|move\son)(?:\s(?:it|that|this|first|then|now|later|again|too"
    r"|please|ahead|on|(?:the|my|our|a)\s(?:network|twin|supply\schain|chain|model)))*\W*$",
    re.IGNORECASE,
)
# "For the record", "bear with me", "expect a lot of questions": how the user frames what
# follows, never a request of its own.
_FRAMING = (
    r"(?:for\sthe\srecord|just\sso\syou\sknow|heads\s?up|bear\swith\sme|fair\swarning|as\sdiscussed"
    r"|as\smentioned|as\sagreed|(?:here|there)\s(?:goes|we\sgo)|quick\sone|one\smore\sthing"
    r"|a\sfew\sthings|few\sthings|(?:i'?ll|i\swill|we'?ll|we\swill)\s(?:have|ask)\s(?:a\slot\sof"
    r"|lots\sof|many|some|a\sfew|several)\s(?:questions|things|requests)|(?:expect|brace\sfor"
    r"|get\sready\sfor)\s(?:a\slot\sof|lots\sof|many|some|a\sfew|several|more)\s(?:questions"
    r"|things|requests|changes)|(?:more|lots|plenty)\s(?:of\s)?(?:questions|changes)\s(?:to\scome"
    r"|coming)"
    # "Before the board pack goes out I need a couple of numbers": what the questions are for
    r"|(?:before\s(?:the|our|my|this)\s[\w\s]{1,30}?\s(?:goes\sout|is\sdue|is\ssent)\W+)?(?:i|we)\s"
    r"(?:need|want|have)\s(?:a\scouple\sof|a\sfew|some|two|three)\s(?:numbers|figures|stats|answers"
    r"|things|data\spoints|questions))"
)
_DISCOURSE = re.compile(
    r"^\W*(?:(?:so|ok|okay|and|but|also|right|alright|well)\W+)*"
    + _FRAMING
    + r"(?:\W+"
    + _FRAMING
    + r")*\W*$",
    re.IGNORECASE,
)
# "so pumped to finally set up our supply chain": how the user feels about it
# "Negative on retail nodes for now." (then "Do not add any stores."): a no, said the
# military way
_NEGATIVE_ON = re.compile(r"^\W*negative(?:\son\b.*)?\W*$", re.IGNORECASE)
_FEELING = re.compile(
    r"^\W*(?:(?:i'?m|we'?re|i\sam|we\sare)\s)?(?:so\s|really\s|super\s|very\s|pretty\s|quite\s"
    r"|(?:a\s)?(?:little\s)?bit\s|a\slittle\s|kind\sof\s|kinda\s|a\s+tad\s)?(?:pumped"
    r"|excited|thrilled|happy|glad|stoked|keen|nervous|worried|concerned|relieved)\s"
    r"(?:to|about|that|for)\b"
    r"(?!.*\?)",
    re.IGNORECASE,
)
# "Then the customers.", "Now the warehouses:": what comes next, said before it
_SECTION_CUE = re.compile(
    r"^\W*(?:then|next|now|and|first|finally|lastly)\W+(?:the\s|our\s)?(?:\w+\s)?\w+s\W*$"
    r"|^\W*(?:sorry,?\s)?one\smore(?:\sthing|\squestion)?\W*$",
    re.IGNORECASE,
)
# "Christmas is coming", "peak season is around the corner": why, not what.
_COMING = re.compile(
    r"^\W*(?:(?:so|well|ok|okay|and|but|hmm|anyway)\W+)*[\w'-]+(?:\s[\w'-]+){0,2}\s(?:is|are|'s)"
    r"\s(?:coming(?:\sup)?|approaching|around\sthe\scorner|near|nearly\shere|almost\shere|here"
    r"|close|looming|ahead|on\sits\sway|(?:just\s)?weeks\saway|months\saway|soon)\W*$",
    re.IGNORECASE,
)
# "July is our big peak": a fact about the user's business, not a request.
_FACT = re.compile(
    r"^\W*[\w-]+(?:\s[\w-]+)?\s(?:is|are|was|were|has\sbeen|have\sbeen)\s(?:our|the|a|an|my|always"
    r"|usually|typically|normally|very|really|quite)\b",
    re.IGNORECASE,
)
_CONTEXT = re.compile(
    r"^\W*(?:(?:so|well|ok|okay|hi+|he+y+|hello+|yo+|honestly|basically|(?:a\s)?(?:little\s)?bit\sof"
    r"\s(?:background|context)(?:\sfirst)?|(?:some\s)?(?:background|context)(?:\sfirst)?|fyi"
    r"|for\scontext)\W+)*"
    r"(?:(?:we'?re|we\sare|i'?m|i\sam)\s(?:an?|the|one\sof|\w+\s(?:co-?operative|company|business"
    r"|firm|brand|group|startup|team|distributor|importer|exporter|manufacturer|supplier|retailer))\s?|(?:we|i|our|my|we'?re|i'?m"
    r"|we'?ve|i'?ve)\s(?!(?:need|want|would\slike|'?d\slike|wanna|have\sto|must|should)\b)"
    r"(?:\w+\s){0,3}?(?:buy|source|sell|ship|work|run|have|had|got|get|look\safter|manage|make"
    r"|import|export|produce|manufacture|distribute|operate|hope|love|think"
    r"|made|are|am|was|were|use|used|started|just|already|currently|mostly|only|lost|moved"
    r"|goes|go|travels?|flows?|comes?)\b)",
    re.IGNORECASE,
)


def _sets_the_scene(piece: str, commands: list[Command]) -> bool:
    """Whether a step nobody understood only tells what happened at places the understood
    steps act on ("line 2 down at dallas. cut dallas plant cap in half")."""
    places = {p.city for _, p in gazetteer.find_places(piece) if p.city}
    if not places or re.search(r"\?\s*$", piece):
        return False
    acted_on = " ".join(c.text for c in commands).casefold()
    return all(gazetteer.fold(city) in gazetteer.fold(acted_on) for city in places)


_SUBJECT_START = re.compile(
    r"^\W*(?:(?:so|well|ok|okay|honestly|basically|btw|fyi|anyway|also|and|but|ugh|argh|meh|hmm+"
    r"|oh|ah|sorry|thanks|hi|hello|hey|by\sthe\sway|to\sbe\shonest|frankly)\W+)*"
    r"(?:we|we'?re|we'?ve|we'?ll|i|i'?m|i'?ve|i'?ll|our|my|the|it'?s|it\swas|this|that|there"
    r"|they|he|she|a|an|some|most|everyone|everybody|nobody|\d+[\w-]*"
    # "Got a big delivery going out.": the subject left out
    r"|got\s(?:a|an|some|lots|loads|plenty))\b",
    re.IGNORECASE,
)
# ... unless the statement asks for something ("we need you to add ...", "I want a report").
_ASKS_OR_TELLS = re.compile(
    r"\b(?:need|want|would\slike|'d\slike|wanna|please|must|should|have\sto|can\syou|could\syou"
    r"|let'?s)\b(?!\s(?:to\s(?:run|see|try|look\sat)\s)?(?:\w+\s)?(?:scenarios?|simulations?"
    r"|what[\s-]ifs?|options|cases|things)\b)",
    re.IGNORECASE,
)


_ALL_WELL = re.compile(
    r"^\W*[A-Z][\w-]+(?:\s[A-Z][\w-]+)?\s(?:is|are|was|looks|seems)\s(?:fine|ok|okay|good|great"
    r"|back|alright|safe|stable|running)\b"
    # "harvest reports aren't great", "the numbers don't look good"
    r"|^\W*(?:the\s|our\s)?[\w-]+(?:\s[\w-]+)?\s(?:is|are|was|were|look|looks|seem|seems)(?:n't|\snot)?"
    r"\s(?:(?:so|that|too|very|really)\s)?(?:great|good|promising|looking\s(?:good|great)|bad|awful)\W*$"
    r"|^\W*(?:[\w-]+\s){0,3}(?:tomorrow|today|tonight|this\s(?:week|morning|afternoon)|next\sweek"
    r"|on\s(?:monday|tuesday|wednesday|thursday|friday))\W*$",
    re.IGNORECASE,
)
_NOT_YET = re.compile(
    r"\b(?:won'?t|will\snot|isn'?t\sgoing\sto|can'?t|cannot|couldn'?t)\s(?:\w+\s)?(?:open|start"
    r"|be\sready|launch|happen|arrive|ship|go\slive)\b",
    re.IGNORECASE,
)
_FRAGMENT_ASIDE = re.compile(
    r"^(?=(?:\W*\S+){1,4}\W*$)(?:\W*(?:ugh|argh|meh|hmm+|oh|ah|wow|phew|yay|lol|haha|ok|okay|so"
    r"|well|right|alright|supposed|apparently|probably|maybe|hopefully|looks|seems)\b.*"
    r"|.*\b(?:first|next|then|now|today|again|done)\W*"
    r"|.*\b(?:season|rush|peak|holidays?|festival|period)\W*)$",  # "Malaria season."
    re.IGNORECASE,
)


_DESCRIBES_FLOW = re.compile(
    r"^\W*(?:(?:so|well|basically|also|and|ok|okay)\W+)*(?:the\s|our\s|all\s|most\s|some\s)?"
    r"(?P<first>[\w-]+)(?:\s[\w-]+)?\s(?:come|comes|came|go|goes|went|flow|flows|move|moves"
    r"|travel|travels|arrive|arrives|end\sup|ends\sup|sit|sits|get\sshipped|gets\sshipped"
    r"|get\ssent|gets\ssent)\b",
    re.IGNORECASE,
)


# A report of what happened ("Cooling's fixed in Riyadh", "the roof leaked overnight") or of
# when something is ("Board call in ten minutes"): the finite verb of a statement, or a time.
_TELLS_WHAT_HAPPENED = re.compile(
    r"^\W*(?:the\s|our\s|my\s|this\s|that\s)?\w[\w-]*(?:\s[\w-]+){0,2}?(?:'s|\s(?:is|are|was|were|has"
    r"|have|had|got|went"
    r"|doesn'?t|does\snot|isn'?t|aren'?t|can'?t|won'?t|didn'?t|hasn'?t|handles|runs|takes|needs"
    r"|came|broke|leaked|died"
    r"|failed|burned|flooded|crashed|stopped|arrived|[a-z]+ed)\b)"
    # "Heavy rain always slows the trucks down.": what tends to happen
    r"|\b(?:always|usually|often|normally|typically|generally|sometimes|tends?\sto)\s[a-z]+s?\b"
    # "swell warning on the coast": the weather's, beside a simulation
    r"|^\W*(?:a\s|the\s)?[a-z]+\s(?:warning|advisory|watch|forecast)s?\s(?:on|for|in|at|along|off)\b"
    # "jakarta one quite full already": how a place is, without the verb
    r"|\b(?:quite|very|so|too|damn|super|really)\s(?:full|busy|packed|stretched|slow|bad|jialat"
    r"|tight|quiet|empty)\b"
    # "I have been asked by the directors to set out their supply arrangements": who asked
    r"|^\W*(?:i|we)(?:\shave|'ve|\swere|\swas)\sbeen\s(?:asked|told|tasked|instructed|requested)\b"
    # "finance wants the number for the budget pack": someone else's reason
    r"|^\W*(?:the\s|our\s|my\s)?[a-z]+\s(?:wants|needs|asked|asks|expects|requires|is\sasking"
    r"|keeps\sasking|says|said)\b"
    r"|\bin\s(?:\w+\s)?(?:minutes?|mins?|hours?|hrs?)\W*$|\b(?:this|next)\s(?:morning|afternoon"
    r"|evening|week|month)\W*$",
    re.IGNORECASE,
)
# "... and then by air to Tokyo": how goods move, said in a description
_BY_MODE = re.compile(r"^\W*(?:by|via)\s(?:air|sea|rail|road|truck|ship|plane|boat|train)\b", re.I)
_WILL_BE = re.compile(r"^\W*(?:it|they|that|this)(?:'ll|\swill|\s(?:is|are)\sgoing\sto)\s", re.I)


_KIND_SUPPOSED = re.compile(
    r"^\W*(?:(?:i|we)\s+(?:suppose|guess|think|believe|assume)\s+)?(?:those|these|they|that|this|it)"
    r"(?:'s|'re|\s+(?:would|should|will|must|might|may)\s+(?:be|count\s+as)|\s+(?:are|is|count\s+as))\s+"
    r"(?:an?\s+|the\s+)?(?:" + _TYPES + r")\W*$",
    re.IGNORECASE,
)


def _is_aside(piece: str, names: _Names) -> bool:
    """Whether a step nobody understood is a remark or a question that names no node, place
    or number (safe to skip); an odd command ("frobnicate the gizmo") is asked about."""
    if re.match(r"^\W*(?:and\s|but\s|so\s)?(?:what\s)?if\b", piece, re.IGNORECASE):
        return False  # "and if it's 3 wks?": a simulation again, worth reading with the last one
    step = _analyse(piece, names)
    if _NOT_YET.search(piece) and "?" not in piece:
        return True  # "Boulder won't open until spring anyway": why, not what
    if _ALL_WELL.match(piece):
        return True  # "..., Vancouver is fine": why, not what
    if _KIND_SUPPOSED.match(piece):
        return True  # "I suppose those would be stores.": the kind, said of what was added
    if PLANNED.search(piece.lower()) and "?" not in piece:
        return True  # "the plan is to close it next quarter": later, not now
    if (_WILL_BE.match(piece) or _BY_MODE.match(piece)) and "?" not in piece:
        return True  # "undo that. it'll land in Antwerp instead": what will happen, not a request
    if (
        _GO_ON.match(piece)
        or _DISCOURSE.match(piece)
        or _COMING.match(piece)
        or _FEELING.match(piece)
        or _NEGATIVE_ON.match(piece)
        or _SECTION_CUE.match(piece)
    ):
        return True  # "build first then", "let's go": a cue, not a request
    if _FACT.match(piece) and not step.names and not step.ids:
        return True  # "July is our big peak"
    if _CONTEXT.match(piece) and not re.search(r"(?<![\w-])\d", piece):
        # "We buy everything for our Lyon plant from a single vendor in China": context the
        # user gives, not a request, even when it names a place.
        return True
    if not (step.names or step.ids) and "?" not in piece and not step.types():
        main = piece.split(",", 1)[1] if "," in piece else piece  # "Prepping for the QBR, I ..."
        if (
            _SUBJECT_START.match(piece) or _SUBJECT_START.match(main)
        ) and not _ASKS_OR_TELLS.search(piece):
            # "We're a 12-person medtech startup making glucose monitors", "honestly the last
            # tool we used was a nightmare": a statement beside the requests, not one.
            return True
        if _FRAGMENT_ASIDE.match(piece) and not re.search(rf"\b(?:{_VERBS})\b", piece, re.I):
            return True  # "Ore side first", "ugh, Mondays": a fragment with no verb of ours
    if (
        _TELLS_WHAT_HAPPENED.search(piece)
        and not re.match(rf"^\W*(?:{_VERBS})\b", piece, re.I)
        and "?" not in piece
        and not re.search(r"(?<![\w-])\d", piece)
    ):
        # "Cooling's fixed in Riyadh.", "Board call in ten minutes.": what happened or when,
        # beside the requests it explains; it asks for nothing of ours.
        return True
    if step.names or step.ids or step.places or re.search(r"(?<![\w-])\d", piece):
        return False
    described = _DESCRIBES_FLOW.match(piece)
    if described is not None and "?" not in piece:
        first = described.group("first").lower()
        if not re.fullmatch(rf"(?:{_VERBS})", first, re.IGNORECASE):
            # "Returns come back from our stores to a returns centre": how things work, said
            # before the request it explains (names no node or place to act on).
            return True
    return (
        mood(step.masked) in (Mood.QUESTION, Mood.HYPOTHETICAL)
        or _REMARK.match(piece) is not None
        or _POINTS_BACK.search(piece) is not None  # "..., show me the impact"
    )


# "..., and Aalsmeer sends everything there": "there" is the node just added.
_SENDS_THERE = re.compile(
    r"\b(?P<verb>sends|ships|delivers|moves|trucks|send|ship|deliver|move|truck|supplies|supply"
    r"|feeds|feed)"
    r"(?P<what>\s\w+(?:\s\w+)?)??(?:\s+to)?(?:\s+over)?\s+there(?:\s+(?:too|as\swell|also))?"
    r"(?P<end>\W*)$",
    re.IGNORECASE,
)
_THERE = re.compile(
    r"\b(?:in\s|over\s|out\s|right\s|up\s|down\s)?there\b(?!\s(?:is|are|was|were|will|should|must"
    r"|might|may|could|would|has|have|had)\b)(?!')",
    re.IGNORECASE,
)
_THAT_LINK_BOTH_WAYS = re.compile(
    r"\b(?:that|this|the)\s(?:link|connection|route|lane)\b.*\b(?:two[\s-]ways?|both\sways"
    r"|both\sdirections|bi-?directional)",
    re.IGNORECASE,
)


def _only_says_why(piece: str, outcome: list[Command], following: str, names: _Names) -> bool:
    """Whether a "because ..." step is the reason for the next step, which asks for the same."""
    if not piece.startswith("because "):
        return False
    then = _read_clause(following, names)
    return isinstance(then, list) and [c.intent for c in then] == [c.intent for c in outcome]


_FIRST_PERSON = re.compile(
    r"^\W*(?:(?:hi|hello|hey|so|well|ok|okay|good\s(?:morning|afternoon|evening)|basically)\W+)*"
    r"(?:i|we|i'?m|we'?re|i\sam|we\sare|our\s(?:company|team|business|firm)|my\s(?:company|team"
    r"|business|job|role))\s(?!(?:need|want|would|'d|wanna|have\sto|must|should|also\sneed)\b)",
    re.IGNORECASE,
)


_REQUEST_START = re.compile(
    rf"^\W*(?:(?:please|pls|plz|kindly|can\s(?:you|u)|could\s(?:you|u)|would\s(?:you|u)|will\s(?:you|u)"
    rf"|and|then|also|now|so|ok|okay|just|i\s(?:want|need)\s(?:you\s)?to|let'?s)\W+)*(?:{_VERBS})\b",
    re.IGNORECASE,
)


_UNKNOWN_IMPERATIVE = re.compile(
    r"^\W*(?!(?:nobody|no|everyone|everybody|someone|somebody|nothing|all|it|this|that|there|we"
    r"|first|next|finally|lastly|last"
    r"|they|i|you|he|she|one|sad|good|great|bad|so|well|oh|ah|for|to|in|on|at|with|by|from|about|of"
    r"|as|per|via|after|before|during|since|until|because|like|and|but|or|not|just|only|also"
    r"|here|now|then|yes|ok|okay|thanks|thank)\b)(?![a-z]+ing\b)[a-z]+\s(?:the|a|an|my|our|all|it"
    r"|them|this|that|these|those|some|every)\b",
    re.IGNORECASE,
)


_TARGETED_VERB = re.compile(
    r"^(?P<lead>\W*(?:(?:please|pls|kindly|could\syou|can\syou|also|and|then|now|instead|ok|okay)"
    r"[\s,]+)*)(?P<verb>rename|raise|lower|increase|decrease|reduce|bump|change|move|relocate|set)"
    r"\s+(?P<rest>.+)$",
    re.IGNORECASE,
)


def _elided_targets(piece: str) -> list[str] | None:
    """ "Rename A to X, B to Y and C to Z" as one step per target, or None."""
    said = _TARGETED_VERB.match(piece)
    if said is None:
        return None
    parts = [p.strip() for p in re.split(r",(?!\d{3})\s*(?:and\s+)?|\s+and\s+", said.group("rest"))]
    if len(parts) < 2 or not all(re.search(r"\S\s+to\s+\S", p) for p in parts):
        return None
    if any(re.match(rf"(?:{_VERBS})\b", p, re.IGNORECASE) for p in parts[1:]):
        return None  # "rename A to X, and connect X to Y": a request of its own
    verb = said.group("verb")
    return [f"{said.group('lead')}{verb} {parts[0]}", *(f"{verb} {p}" for p in parts[1:])]


_COMMA_LINK_TAIL = re.compile(
    r",\s+(?P<tail>(?:and\s)?(?:all|both|each|everything)(?:\sof\sthem)?\s(?:all\s)?(?:goes|go"
    r"|ship|ships|send|sends|supply|supplies|deliver|delivers|feed|feeds|sell|sells)\b.*)$",
    re.IGNORECASE,
)
_THEN_A_LINK = re.compile(
    r"\s(?:and|,)\s+(?P<rest>.*\b(?:suppl|feed|ship|send|deliver)\w*\b.*)$", re.IGNORECASE
)
_RESTATED_UPDATE = re.compile(
    r"^\W*(?:(?:ok|okay|so|and|then|pls|please|kindly)\W+)*(?:change|update|set|make|correct)"
    r"(?:\s+(?:it|that|this|them|am))?(?:\s+(?:to|at)\s+(?P<n>\d[\d,.]*\s?k?))?"
    r"(?:\s+(?:please|pls|thanks|accordingly))?\W*$",
    re.IGNORECASE,
)
_FORMAL_REQUEST = re.compile(
    r"^\W*(?:(?:and|also|so|therefore|hence)[\s,]+)*(?:(?:i|we)\s(?:would\s)?(?:kindly\s)?(?:request"
    r"|ask|beg)\s(?:you\s|of\syou\s)?to|(?:would|could)\syou\sbe\sso\skind\sas\sto|(?:please\s)?be"
    r"\sso\skind\sas\sto|i'?d\sappreciate\sit\sif\syou\scould|(?:i|we)\swould\sbe\sgrateful\sif"
    r"\syou\scould)\s+",
    re.IGNORECASE,
)
_IS_IT_POSSIBLE = re.compile(
    r"^\W*(?:(?:and|also|so|ok|okay|please)[\s,]+)*(?:is\s(?:it\s)?possible\s(?:to|for\syou\sto)"
    r"|would\sit\sbe\spossible\s(?:to|for\syou\sto)|is\sthere\sa\sway\sto"
    # "Might you also be able to order ...": the request
    r"|(?:might|could|would|will)\syou(?:\salso)?\sbe\sable\sto|are\syou\sable\sto)\s+(?:please\s+)?",
    re.IGNORECASE,
)
_INDIRECT_QUESTION = re.compile(
    r"^\W*(?:(?:and|also|so|but|now|ok|okay)[\s,]+)?(?:(?:might|may|can|could)\s+i\s+ask\s+"
    r"(?:you\s+)?|(?:(?:could|can|would|will)\s+you\s+"
    r"(?:please\s+|kindly\s+)?|please\s+|kindly\s+|pls\s+)?(?:tell|let)\s+me\s+(?:know\s+)?"
    r"|(?:i'?d\s+like|i\s+would\s+like|i\s+want|i'?m\s+trying|we'?d\s+like)\s+to\s+(?:know"
    r"|understand|find\sout)\s+|(?:i\s+wonder|i'?m\s+wondering|do\s+you\s+know)\s+)"
    r"(?=(?:what|which|how|where|who|why|when)\b)",
    re.IGNORECASE,
)


# A report of how things are ("the cartons place in launceston shut down last month", "dryer
# 2 in Cork is down", "our warehouse in Innsbruck has 3,000 pairs"): a state, said as a fact.
_REPORTED_STATE = re.compile(
    r"\b(?:is|are|was|were|has|have|had|got|gets|shut|shuts|closed|closes|went|broke|lost|moved"
    r"|stopped|flooded|burned|burnt|collapsed|ran|runs|remains|stays|sits|holds|can\s(?:only\s)?"
    r"(?:give|do|make|take|supply|handle)|only\s(?:has|have|does|makes))\b",
    re.IGNORECASE,
)


def _reports_a_state(text: str) -> bool:
    """Whether a step says how things are rather than asking for anything (a flow between
    nodes is no such report: "Both are supplied from Toamasina" links them)."""
    return (
        _REPORTED_STATE.search(text) is not None
        and _SAYS_A_FLOW.search(text) is None
        and "?" not in text
        and _REQUEST_START.match(text) is None
        and _ASKS_OR_TELLS.search(text) is None
        and re.search(r"\b(?:set|mark|make|change|update|flag|put)\b", text, re.I) is None
    )


_ASKS_TO_SIMULATE = re.compile(
    r"\b(?:simulat\w*|run|model|test|what\sif|what\shappens?|suppose|scenario|stress)\b", re.I
)
_SAYS_A_FLOW = re.compile(
    r"\b(?:suppl(?:y|ies|ied)(?!\s+chains?)|fed|feeds?|ships?|shipped|sends?|sent|delivers?|delivered|stocked"
    r"|serves?|served)\b|->|→",
    re.IGNORECASE,
)


def _guessed_scene(step: Step) -> bool:
    """Whether a step is a simulation guessed from a scene ("port labour problem in LA"),
    no simulation having been asked for in words."""
    return (
        isinstance(step, Command)
        and step.intent in SIMULATION_INTENTS
        and step.confidence <= 0.6
        and not _ASKS_TO_SIMULATE.search(step.text)
    )


_ONE_POINTED_AT = frozenset({"it", "that one", "this one", "that", "this"})


def _without_reported_states(steps: list[Step], names: _Names) -> list[Step]:
    """Beside a request, a report of how things are is why it is asked, not a request of its
    own: "the cartons place in launceston shut down last month, get rid of it" removes it, it
    does not also mark it offline; "Miki farmers can give only 100 tonnes in first year. Please
    change to 100." is one change, not a question about the report."""
    asked = any(
        isinstance(s, Command) and s.intent in CHANGING_INTENTS and not _reports_a_state(s.text)
        for s in steps
    )
    simulated = any(
        isinstance(s, Command) and s.intent in SIMULATION_INTENTS and s.confidence > 0.6
        for s in steps
    )
    if simulated:
        # "what happens if the port closes one week? with the strikes you never know": a
        # scene guessed from the remark beside a simulation asked for is its reason
        steps = [s for s in steps if not _guessed_scene(s)]
    if not asked:
        return steps
    kept: list[Step] = []
    reported: NodeRef | None = None  # the node the last report named: what "it" means next
    # a report with a size of its own, kept unless a later step is about its node ("1. Ballarat
    # is capped at 7,500 t from next month / 2. add a store in Cairns ...": a change in a list)
    sized_report: Command | None = None
    for step in steps:
        is_update = isinstance(step, Command) and step.intent == "update-node"
        # ("Monapo have flood, the road is cut. Put it disrupted please": the scene, guessed
        # as a simulation, is the reason for the change)
        if (
            isinstance(step, Clarification) or is_update or _guessed_scene(step)
        ) and _reports_a_state(step.text):
            node = step.params.get("node") if isinstance(step, Command) else None
            if not isinstance(node, NodeRef) or node.kind == "pronoun":
                node = _antecedent(step.text, names)
            if isinstance(node, NodeRef) and node.kind != "pronoun":
                reported = node  # (a report naming no node keeps the one named before it)
            if (
                is_update
                and isinstance(step, Command)
                and "capacity" in step.params
                and isinstance(step.params.get("node"), NodeRef)
                and step.params["node"].kind != "pronoun"
            ):
                sized_report = step
                kept.append(step)
            continue
        if sized_report is not None and isinstance(step, Command):
            about = [v for v in step.params.values() if isinstance(v, NodeRef)]
            if any(
                v.kind == "pronoun"
                or v.text.casefold() == sized_report.params["node"].text.casefold()
                for v in about
            ):
                kept.remove(sized_report)  # the request after it is that change
            sized_report = None
        if reported is not None and isinstance(step, Command):
            # "Perth store is closed for refit - mark it offline": "it" is Perth store
            pointed = {
                key: reported
                for key, value in step.params.items()
                if isinstance(value, NodeRef)
                and value.kind == "pronoun"
                and value.text.casefold() in _ONE_POINTED_AT
            }
            step = Command(step.intent, {**step.params, **pointed}, step.confidence, step.text)
            reported = None
        kept.append(step)
    return kept


# "Also, can we obtain the fumigation certificate through this system?", "Is it possible to
# print the invoices here?": whether the tool can do something, with a verb none of ours
_CAPABILITY_ASK = re.compile(
    r"^\W*(?:(?:and|also|so|but|ok|okay|one\smore\sthing|p\.?s\.?)[\s,:]+)*(?:(?:can|could|may)"
    r"\s(?:we|i|you|one)(?:\s(?:also\s)?be\sable\sto)?|might\syou(?:\salso)?\sbe\sable\sto"
    r"|would\syou\sbe\sable\sto|is\sit\spossible\sto|are\syou\sable\sto|do\syou|does\sthis\s(?:system"
    r"|tool|app))\s(?:also\s)?(?:please\s)?(?P<verb>[a-z]+)\b(?P<rest>[^?]{0,60})",
    re.IGNORECASE,
)


def _asks_a_capability(piece: str) -> bool:
    found = _CAPABILITY_ASK.match(piece)
    return (
        found is not None
        and re.fullmatch(rf"(?:{_VERBS})", found.group("verb"), re.IGNORECASE) is None
        and found.group("verb").casefold() not in ("have", "be", "see", "know", "think")
    )


def _cannot(piece: str) -> Act:
    found = _CAPABILITY_ASK.match(piece)
    assert found is not None
    topic = f"{found.group('verb')}{found.group('rest')}".strip(" .?!").casefold()
    topic = re.sub(r"\s+(?:through|with|in|on|using|via)\s+(?:this|the)\s+\w+$", "", topic)
    return Act("out-of-scope", piece, topic)


def _only_thanks(piece: str, names: _Names) -> bool:
    """Whether a step is thanks with words that ask for nothing ("gracias crack")."""
    found = _THANKS_FIRST.match(piece)
    if found is None:
        return False
    rest = found.group("rest").strip(" ,.!")
    read = _read_clause(rest, names) if rest else None
    return not (isinstance(read, list) and any(c.intent != "help" for c in read))


def _before_a_remark(piece: str, names: _Names) -> tuple[str, str] | None:
    """The longest part before a comma that reads as commands, and the rest, when the rest
    alone reads as none (the whole step did not read)."""
    for comma in reversed(list(re.finditer(r",\s*(?!\d)", piece))):
        head, rest = piece[: comma.start()].strip(), piece[comma.end() :].strip()
        if not head or not rest:
            continue
        read = _read_clause(head, names)
        after = _read_clause(rest, names)
        # ("port labour problem in LA": a scene said without a verb is no request beside one)
        guessed = isinstance(after, list) and all(c.confidence <= 0.6 for c in after)
        if isinstance(read, list) and read and (not isinstance(after, list) or guessed):
            return head, rest
    return None


def _looks_like_a_request(piece: str, names: _Names) -> bool:
    """Whether a step nobody understood still reads as a request or a question (worth asking
    about) rather than a remark beside the requests ("Nobody hurt.", "Regards, Imran",
    "kalimera"): a verb of ours first, a question, or a node type with a place or a number."""
    if "?" in piece or _REQUEST_START.match(piece) or _UNKNOWN_IMPERATIVE.match(piece):
        return True  # ("frobnicate the gizmo": a verb we do not know is still a request)
    if re.match(r"^\W*(?:and\s|but\s|so\s)?(?:what\s)?if\b", piece, re.IGNORECASE):
        return True  # "and if it's 3 wks?": a simulation again
    if re.search(r"\b(?:sends?|ships?|supplies|supply|feeds?|delivers?|trucks?)\b", piece, re.I):
        return True  # "Aalsmeer sends everything there": a link, even unread
    step = _analyse(piece, names)
    if mood(step.masked) is Mood.QUESTION or step.types():
        return True
    return any(r.ref.kind in ("name", "id") for r in step.node_refs())


def _is_statement(piece: str) -> bool:
    """Whether a step is the user saying who they are or what they do, not asking."""
    return (
        _FIRST_PERSON.match(piece) is not None
        and "?" not in piece
        and not _ASKS_OR_TELLS.search(piece)
        and not re.search(r"\b(?:add|connect|link|remove|delete|set|create)\b", piece, re.I)
    )


def _restates(question: Clarification, piece: str, commands: list[Command]) -> bool:
    """Whether a step only repeats the previous request ("the store is degraded, please
    update it"): a question about the same intent, pointing back with a pronoun."""
    return (
        bool(commands)
        and question.intent == commands[-1].intent
        and re.search(
            r"\b(?:it|that|this|them|accordingly|that\sway|likewise|as\swell|too)\b",
            piece,
            re.IGNORECASE,
        )
        is not None
    )


# After an add, "could you put them in the system?" repeats it and "they can do about 6,000
# units" gives its capacity.
_RESTATED_ADD = re.compile(
    r"^\W*(?:(?:could|can|would|will)\s(?:you|u)\s|please\s|pls\s)?(?:put|add|enter|register"
    r"|include|save|record|log|get)\s(?:it|them|that|this|those|him|her)(?:\s(?:in|into|to|on)\s(?:the\s)?"
    r"(?:system|twin|network|map|list|model|app|tool))?\W*(?:please|pls|thanks)?\W*$",
    re.IGNORECASE,
)
_TO_WHICH = re.compile(
    r"\bto\swhich\s(?P<source>(?:the\s|our\s)?[\w§¤-]+(?:\s[\w§¤-]+)?)\s(?:ships|sends|delivers"
    r"|supplies)\b",
    re.IGNORECASE,
)
_ADD_AS_TYPE = re.compile(
    r"^\W*(?:(?:please|pls)\s)?(?:add|put|enter|record|count)\s(?:it\s|that\s|this\s)?(?:in\s)?as\s"
    r"(?:an?\s)?(?P<type>" + _TYPES + r")\W*$",
    re.IGNORECASE,
)
_SIZE_AFTER = re.compile(
    r",\s*(?:with\s)?(?:a\s)?(?:capacity\s(?:of\s)?)?(?:about\s|around\s|some\s)?\d[\d,.]*\s?k?"
    r"(?:\s[a-z]+)?(?:\s(?:a|per)\s[a-z]+)?\W*$",
    re.IGNORECASE,
)
_AND_X_AS_TYPE = re.compile(
    r"\s+and\s+(?=[A-Z][\w'-]*(?:\s[A-Z][\w'-]*){0,3}\s+as\s+(?:an?\s)?(?:2nd\s|second\s|another\s|3rd\s"
    r"|third\s)?(?:" + _TYPES + r")\b)"
)
_GO_LABEL = re.compile(
    r"^\W*(?:ok\s|okay\s|right\s)?(?:ship\sit|let'?s\sgo|go\sgo\sgo|lfg|here\swe\sgo)\W*:\s*",
    re.IGNORECASE,
)
_ADD_IT_AS = re.compile(
    r"^\W*(?:(?:please|pls|can\syou|could\syou|so|and|then|just)\s+)*(?:add|put\sin|put|enter|record)\s(?:it|that"
    # ("Please add our factory like a plant": the site just described, in the user's word)
    r"|this|him|her|(?:our|my)\s[a-z]+)(?:\sin)?\s(?:as|like)\s(?:an?\s|the\s|our\s)?(?P<type>"
    + _TYPES
    + r")\b(?:\s(?:please|pls"
    r"|i\sguess|too|then))*\W*$",
    re.IGNORECASE,
)
_ITEM_LABEL = re.compile(
    r"\W*(?:item|point|agenda\sitem|section|part|topic)\s\d+\W*:?\s*(?:[\w-]+\s?){0,3}\W*",
    re.IGNORECASE,
)
_TO_BE_ENTERED = re.compile(
    r"^(?P<head>.+?),?\s(?:shall|should|will|is\sto|are\sto|must|is\sgoing\sto)\sbe\s(?:entered|added|recorded|created"
    r"|included|registered)(?:\sas\s(?:an?\s)?(?P<type>" + _TYPES + r"))?\W*$",
    re.IGNORECASE,
)
_RUNS_OUT_OF = re.compile(
    r"^\W*(?:[\w-]+\s){0,3}(?:runs|operates|works|ships)\s(?:out\s)?(?:of|from)\s(?=(?:an?|our|one)\s(?:[\w-]+\s){0,2}"
    r"(?:" + _TYPES + r")\s(?:in|at)\s)",
    re.IGNORECASE,
)
_ARROW_AFTER_ADD = re.compile(r",\s+(?=[^,]+?\s*(?:->|→)\s*[^,]+$)")
_SUBJECT_VERB = re.compile(
    r"^(?:ships|sends|supplies|feeds|delivers|trucks)\s(?:(?:its|their|all|the)\s\w+\s)?(?:to|into)?\b",
    re.IGNORECASE,
)
_AS_X_IS = re.compile(r"\s+as\s(?:the\s)?[\w§¤-]+(?:\s[\w§¤-]+)?\s(?:is|are|does|do|was)\W*$")
# "The mill grinds about 400 tonnes a year": what the node just added does, its size
_IT_OUTPUTS = re.compile(
    r"^\W*(?:the\s[\w-]+|it|they|that\sone|this\sone)\s(?:grinds|makes|produces|does|handles|manages"
    r"|holds|ships|outputs|turns\sout|roasts|bottles|processes|packs|can\s\w+)\s(?:about\s|around\s"
    r"|roughly\s|some\s|up\sto\s|maybe\s|nearly\s)?\d"
    # "Could you add it please? We can make about 4,000 bars a month.": the user's own output
    r"|^\W*we\s(?:can\s|could\s)?(?:make|produce|turn\sout|bottle|roast|pack|process)\s"
    r"(?:about\s|around\s|roughly\s|some\s|up\sto\s|maybe\s|nearly\s)?\d",
    re.IGNORECASE,
)
_ITS_CAPACITY = re.compile(
    # "Maybe around three thousand units.": a size alone, in words or digits
    r"^\W*(?:(?:maybe|perhaps|probably|roughly|about|around|approx\w*|~|some|up\sto|say|like)\s+)*"
    r"(?:[\w,.-]+\s){0,3}?[\w,.-]+\s?(?:units?|pieces|pcs|tonnes?|tons?|pallets?)\b"
    r"(?:\s(?:a|per|each|every)\s(?:month|week|year|day|quarter)|\s?/\s?(?:month|mo|week|wk|year|yr|day)|\s(?:monthly|weekly|daily|yearly|annually))?\W*$"
    r"|^\W*(?:roughly|about|around|approx\w*|~|some|up\sto)?\s*\d[\d,.]*\s?(?:k|thousand)\W*$"
    # "Maybe 20,000 stems a week?": a rate in whatever the goods are
    r"|^\W*(?:(?:maybe|perhaps|probably|roughly|about|around|approx\w*|~|some|up\sto|say|like"
    r"|i\sthink|i\sguess)\W+)*\d[\d,.]*\s?(?:k|thousand)?\s(?:[a-z]+\s){0,2}(?:a|per|each|every)"
    r"\s(?:month|week|year|day|quarter)\W*$"
    r"|^\W*(?:roughly|about|around|approx\w*|~|some|up\sto)?\s*\d[\d,.]*\s?(?:k|thousand)?\s"
    r"?(?:units?|pieces|pcs)\b(?:\s(?:a|per|each|every)\s(?:month|week|year|day|quarter)|\s?/\s?(?:month|mo|week|wk|year|yr|day)|\s(?:monthly|weekly|daily|yearly|annually))?\W*$"
    # "I'm not sure of its size, let's say 1,500 bags.": a size guessed, in whatever it counts
    r"|^\W*(?:(?:maybe|perhaps|probably|roughly|about|around|approx\w*|~|some|up\sto|say|like"
    r"|let'?s\ssay|let\sus\ssay|call\sit|i\sthink|i\sguess|i'?d\ssay)\W+)+\d[\d,.]*\s?(?:k|thousand)?"
    r"(?:\s[a-z]+s)?\W*$"
    # "Capacity 40 thousand piece.", "capacity is 40k pallets": the size, said on its own
    r"|^\W*(?:its\s|the\s)?(?:capacity|cap|size)(?:\s(?:is|of|=|will\sbe|would\sbe|about|around"
    r"|roughly|approx\w*))*\s*:?\s*~?\d[\d,.]*\s?(?:k|thousand)?(?:\s[a-z]+){0,4}\W*$"
    r"|^\W*(?:(?:i\sthink|i\sbelieve|i\sguess|probably|maybe|roughly|apparently)\W+)?"
    r"(?:they|it|which|that|this\sone)(?:'re|'s|\s(?:can|could|will|should|would"
    r"|has|have|holds?|handles?|does|do|is|are))?\b",
    re.IGNORECASE,
)


_UNSURE_LEAD = re.compile(
    r"^\W*(?:i'?m|i\sam)\snot\s(?:sure|certain)\s(?:of|about)\s(?:its|the|their)\s(?:size|capacity)\W+",
    re.IGNORECASE,
)


def _capacity_for(piece: str, add: Command) -> Command | None:
    """``add`` with the capacity a step nobody understood gives it ("they can do about 6,000
    units"), else None."""
    if not (_ITS_CAPACITY.match(piece) or _IT_OUTPUTS.match(piece)) or "capacity" in add.params:
        return None
    if re.search(r"\b(?:inventory|stock|utili[sz]\w*|load)\b", piece, re.IGNORECASE):
        return None  # "it has 300 units in stock" is another update
    capacity = _capacity(piece, None)
    if capacity is None:
        return None
    return Command(add.intent, {**add.params, "capacity": capacity}, add.confidence, add.text)


def _moved_node(steps: list[Step]) -> list[Step]:
    """ "Disconnect the first one from Fukuoka, then connect it to Nagoya": "it" is the node
    taken off the one link (the disconnect leaves it last in the conversation's context) and
    put on the other, which goes the way the kinds go ("connect it to" says no direction)."""
    out: list[Step] = []
    for step in steps:
        before = out[-1] if out else None
        if (
            isinstance(step, Command)
            and step.intent == "connect-nodes"
            and isinstance(before, Command)
            and before.intent == "disconnect-nodes"
            and isinstance(before.params.get("source"), NodeRef)
            and before.params["source"].kind != "pronoun"
        ):
            it = [
                key
                for key in ("source", "target")
                if isinstance(step.params.get(key), NodeRef)
                and step.params[key].kind == "pronoun"
                and step.params[key].text == "it"
            ]
            if len(it) == 1:
                params = {**step.params, "by_tier": True}
                step = Command(step.intent, params, step.confidence, step.text)
        out.append(step)
    return out


def _sizes_said_before(steps: list[Step], text: str) -> list[Step]:
    """An add with no size whose town a sentence before it described with one ("Cotton from
    Adana supplier we take, monthly 50.000 kg. Adana supplier also add ..."): that size."""
    adds = [
        s
        for s in steps
        if isinstance(s, Command)
        and s.intent in _DEFAULT_SUFFIX
        and "capacity" not in s.params
        and getattr(s.params.get("place"), "city", None)
    ]
    if not adds or len(adds) != len({s.params["place"].city for s in adds}):
        return steps
    sentences = re.split(r"(?<=[.!?])\s+", text)
    out: list[Step] = []
    for step in steps:
        if step in adds and isinstance(step, Command):
            city = gazetteer.fold(step.params["place"].city)
            at = next((i for i, s in enumerate(sentences) if step.text.split(",")[0] in s), None)
            said = [
                s for s in sentences[:at] if re.search(rf"\b{re.escape(city)}\b", gazetteer.fold(s))
            ]
            size = _capacity(said[-1], None) if said and at else None
            if size is not None:
                step = Command(
                    step.intent, {**step.params, "capacity": size}, step.confidence, step.text
                )
        out.append(step)
    return out


def _antecedent(piece: str, names: _Names) -> NodeRef | None:
    """The one node a step nobody understood talks about ("Berlin Plant's having issues"), for
    a pronoun in the next step ("..., mark it degraded") to point at."""
    step = _analyse(piece, names)
    refs = [r for r in step.node_refs() if r.ref.kind != "pronoun"]
    if len(refs) == 1:
        return refs[0].ref
    if not refs and len(step.places) == 1:
        # "we closed the Valencia site": the user's node there.
        start, end, place = step.places[0]
        return NodeRef(step.text[start:end], "place", place=place)
    kinds = [r for r in step.refs() if r.bare_type]
    if not refs and not step.places and len(kinds) == 1:
        # "Factory now is more big, we buy new machines. Please make his capacity 6500": the
        # user's one site of that kind, said as the subject ("the factory", "our factory", a
        # learner's bare "Factory"), never "a factory", which is a new one
        before = step.masked[: kinds[0].start]
        if re.fullmatch(r"\W*(?:(?:the|our|my|this)\s+)?", before):
            return kinds[0].ref
    return None


def _point_back(commands: list[Command], node: NodeRef) -> list[Command] | None:
    """``commands`` with their singular pronouns replaced by ``node``, or None if they have
    none."""
    out: list[Command] = []
    replaced = False
    for command in commands:
        params = dict(command.params)
        for key, value in command.params.items():
            if (
                isinstance(value, NodeRef)
                and value.kind == "pronoun"
                and value.text != "them"
                and value.node_type in (None, node.node_type)
            ):
                params[key] = node
                replaced = True
        out.append(Command(command.intent, params, command.confidence, command.text))
    return out if replaced else None


_POINTS_BACK = re.compile(
    r"\b(?:it|that|this|them|they|accordingly|that\sway|the\s(?:region|industry|currency"
    r"|profile|recall|scenario)|the\s(?:[\w-]+\s)?(?:fallout|impact|consequences|effects?))\b",
    re.IGNORECASE,
)


def _read_at_place(
    context: str | None, piece: str, question: Clarification, names: _Names
) -> list[Command] | None:
    """The request a step asked about reads with the one place the step before named, when
    that is what it lacked; else None."""
    if context is None or question.intent is None:
        return None
    places = {p.city or p.country: (s, e) for (s, e), p in gazetteer.find_places(context)}
    if len(places) != 1:
        return None
    start, end = next(iter(places.values()))
    placed = _parse_step(f"{piece} in {context[start:end]}", names)
    if isinstance(placed, list) and len(placed) == 1 and placed[0].intent == question.intent:
        add = placed[0]
        size = _capacity(context, None) if add.intent in _DEFAULT_SUFFIX else None
        if size is not None and "capacity" not in add.params:
            # "We make gloves in Hat Yai, about 50,000 boxes a month. Please put the factory
            # in.": the size said with the place
            return [Command(add.intent, {**add.params, "capacity": size}, add.confidence, add.text)]
        return placed
    return None


_TO_A_NODE = re.compile(r"\b(?:to|into|from)\b", re.IGNORECASE)


def _reads_alone(piece: str) -> bool:
    """Whether an unread step stands on its own, so the step after it is not read together
    with it: the add of a node described before, asked again ("Please add it", "Could you add
    them too, and": "..., and Braga Plant ships to it" read with it made a link from "it"), or
    sizes said by town."""
    if _ADD_THAT.match(re.sub(r"[,\s]*\band\W*$", "", piece)) is not None:
        return True
    # ("Zarqa give 25,000 kg in month and Irbid 10,000 kg. The both of them is send to the
    # factory.": sizes said by town, read elsewhere; with the link they made one from Zarqa)
    return _TOWN_SIZE.match(piece.strip()) is not None and not _TO_A_NODE.search(piece)


def _read_with(context: str, piece: str, names: _Names) -> list[Command] | None:
    """The one command a step that points back ("..., set the industry accordingly",
    "..., simulate 5 days of that") gives read together with the step before, else None."""
    if not _POINTS_BACK.search(piece):
        return None
    joined = _parse_step(f"{context}, {piece}", names)
    if not isinstance(joined, list) or len(joined) != 1:
        return _sized_accordingly(context, piece, names)
    # The pronoun points at what the context said, which is now in the same step; when the
    # context names no node ("press is fixed, set it back to operational"), "it" stays.
    command = joined[0]
    said = _analyse(context, names)
    if not (said.names or said.ids or said.places or said.types()):
        return [command]
    params = {
        key: value
        for key, value in command.params.items()
        if not (isinstance(value, NodeRef) and value.kind == "pronoun")
    }
    dropped = [key for key in command.params if key not in params]
    said_refs = said.refs()
    if "node" in dropped and len(said_refs) == 1 and said_refs[0].bare_type:
        # ("my manager says the plant actually does 6,500 kg a month, change it": "it" is the
        # kind the context names)
        params["node"] = said_refs[0].ref
    if command.intent in ("connect-nodes", "disconnect-nodes") and not (
        "source" in params and "target" in params
    ):
        # ("... a warehouse in Mombasa; would you kindly add that warehouse, around 20,000 kg,
        # fed by the Nakuru plant?": a link with an end left out is no reading of the two)
        return None
    return [Command(command.intent, params, command.confidence, command.text)]


def _sized_accordingly(context: str, piece: str, names: _Names) -> list[Command] | None:
    """ "Badajoz renegotiated and they're committing 26,000 a season. Update their capacity
    accordingly.": the one node the context names, at the size it says."""
    if not re.search(r"\b(?:capacity|size)\b[^.!?]*\baccordingly\b", piece, re.IGNORECASE):
        return None
    sizes = _A_SIZE.findall(context)
    said = _analyse(context, names)
    nodes = {r.ref.text for r in said.node_refs() if r.ref.kind in ("name", "id", "place")}
    nodes |= {context[start:end] for start, end, place in said.places if place.city}
    if len(sizes) != 1 or len(nodes) != 1:
        return None
    read = _parse_step(f"set the capacity of {nodes.pop()} to {sizes[0]}", names)
    if isinstance(read, list) and [c.intent for c in read] == ["update-node"]:
        return [Command(c.intent, c.params, min(c.confidence, 0.8), piece) for c in read]
    return None


# "Hypothetically, delete Chicago DC": a marker split off its clause goes back to it.
_MARKER_ONLY = re.compile(
    r"^\W*(?:just\s|purely\s)?(?:hypothetically|in\stheory|theoretically|for\sargument'?s\ssake"
    r"|as\sa\sthought\sexperiment|just\sa\sthought)\W*$",
    re.IGNORECASE,
)


# "Our assembly plant is in Zwickau, fed by the first supplier": a node the user has not got
# yet, said as a fact while building (one the user has is a statement about it).
_OURS_IS_IN = re.compile(
    r"(?:(?<=^)|(?<=[.!?;]\s))(?:and\s)?(?:(?:our|the)\s(?P<words>(?:[\w-]+\s)?)(?P<type>"
    + _TYPES
    # "Our main supplier of castings is in Monterrey": what it supplies may follow the type
    + r")(?:\s(?:of|for)\s[\w-]+(?:\s[\w-]+)?)?\s(?:is|sits|will\sbe)\s(?:located\s|based\s)?"
    # "We've got a reload warehouse in Edmonton, 50k."
    r"|(?:we'?ve\s(?:also\s)?got|we\s(?:also\s)?have|there'?s\salso)\s(?:an?|one)\s(?:[\w-]+\s)?(?P<type2>"
    + _TYPES
    + r")\s(?:(?:of|for)\s[\w-]+\s)?)(?:in|at)\s"
    r"(?P<place>[A-Z][\w'-]*(?:\s[A-Z][\w'-]*)?)",
    re.IGNORECASE,
)


def _ours_is_in(match: re.Match[str], names: _Names) -> str:
    place = gazetteer.lookup(match.group("place"))
    if place is None or place.city is None or gazetteer.fold(place.city) in names.tokens:
        return match.group()
    if re.match(r",?\s+(?:and\s)?not\s", match.string[match.end() :]):
        return match.group()  # "the warehouse is in Penang, not Kuala Lumpur": a correction
    kind = _TYPE_RE.fullmatch(match.group("type") or match.group("type2"))
    if kind is None or kind.lastgroup is None:
        return match.group()
    return f"add a {_TYPE_WORD[_ADD_INTENT[kind.lastgroup]]} in {match.group('place')}"


_TO_A_AND_B = re.compile(
    r"^(?P<head>.*\b(?:ships?|shipping|sends?|sending|delivers?|delivering|supplies|feeds|connect\s.+?)"
    r"\s+to\s+)(?P<a>[^,]+?)\s+and\s+to\s+(?P<b>[^,]+?)(?:,?\s*(?:please|pls|too|as\swell))?\W*$",
    re.IGNORECASE,
)
_NEXT_IS = re.compile(
    r"^\W*(?:and\s)?(?:next\s(?:is|comes|up)|then\s(?:comes|there'?s)|after\sthat(?:\sis)?"
    r"|last(?:ly)?\s(?:is|comes))\W+(?:an?\s|the\s|our\s)?(?:(?:cold|new|main|big|small|central)\s)?",
    re.IGNORECASE,
)
_SAME_AGAIN = re.compile(
    r"^\W*(?:(?:and|then|also|plus|next)\s+)*(?:one|another|other|the\sother|one\smore|a\ssecond"
    r"|a\sthird|the\ssame|same)(?:\sone)?\s+(?=(?:in|at|near|based\sin|out\sof)\s)",
    re.IGNORECASE,
)
_BARE_ADD = re.compile(
    r"^\W*(?:(?:and|then|also|plus|next|first|firstly|second|finally|lastly)[\s,]+)*"
    # "list warehouses in Asia" asks; "a warehouse in Asia" adds.
    r"(?!(?:list|show|display|count|find|which|what|where|how|any|are|is|do|does|all|every"
    r"|total|compare|trace|remove|delete|drop)\b)"
    r"(?:(?:an?|another|one\smore|one|new|a\snew|our|my)\s+)?"
    # ("2nd 3PL wh in Poznan": a second word before the type only when it is a code)
    # ("the mill in Altamura has a problem" is a node of the user's, not a new one)
    # ("If supplier in Palu is stop two week, ...": a case to play out, nothing to add)
    r"(?:(?!(?:the|that|this|if|when|whenever|unless|once|while|suppose|supposing|imagine|assuming"
    r"|what)\b)[\w-]+\s+)?(?:[\w-]*\d[\w-]*\s+)?(?:" + _TYPES + r")\s+(?:in|at"
    r"|near|based\sin|out\sof|@)\s+\w",
    re.IGNORECASE,
)
# "Warehouse in Surabaya now have problem with the roof": a node of the user's in trouble, not
# a new one
_TROUBLE_THERE = re.compile(
    r"^\W*(?:[\w-]+\s+)?(?:" + _TYPES + r")\s+(?:in|at)\s+[\w' -]+?\s+(?:now\s+|also\s+|still\s+"
    r"|already\s+)?(?:have|has|had|is|are|was|were|got|gets|having)\s+(?:a\s+|an\s+|some\s+|big\s+)*"
    r"(?:problems?|issues?|trouble|damage|fire|flood\w*|leak\w*|strike|broken|down|offline|degraded"
    r"|closed|shut)\b",
    re.IGNORECASE,
)
# "supplier taipei 10k", "dc chicago": terse, the place right after the type.
_TERSE_ADD = re.compile(
    r"^\W*(?:(?:and|then|also|plus|next|add|new|a\snew)\s+)*(?:(?!in\b|at\b)[a-z-]{3,}\s+)?(?P<type>"
    + _TYPES
    # ("guadalajara wh to 18k": a new size for the node there, no place after the type)
    + r")\s+(?!(?:to|by|for|from|with|at)\b)(?P<rest>[^\d\W][\w\s.'-]*?)"
    r"(?:[\s,]+\d[\d,.]*\s?k?(?:\s?[a-z]+(?:/[a-z]+)?)?)?\W*$",
    re.IGNORECASE,
)
# "the second supplier is actually in Coimbatore", "sorry, the plant should be in Mysore": a
# node of the user's said to be elsewhere (with "not X", the correction of an add instead)
_ACTUALLY_IN = re.compile(
    r"^(?P<lead>\W*(?:(?:sorry|oops|correction|actually|no\swait|wait|hmm|ok|okay)\W+)*)"
    r"(?P<ref>(?:the|our|my)\s+(?:[\w-]+\s+){0,2}?(?:" + _TYPES + r"))\s+"
    r"(?:is\s+actually|should\s+(?:actually\s+)?be|is\s+supposed\s+to\s+be|was\s+supposed\s+to\s+be"
    r"|needs\s+to\s+be|is\s+really)\s+(?:in|at|located\s+in|based\s+in)\s+"
    # ("..., not Singapore" names the town of an add just made: its correction, not a move)
    r"(?P<place>(?:(?!\bnot\b)[^,.;!?])+?)(?P<end>\W*)$",
    re.IGNORECASE,
)
# "the second one should be 25k", "the last two go offline": a value said of a node pointed at
_REF_WORDS = (
    r"(?:the|our|my)\s+(?:[\w-]+\s+){0,2}?(?:" + _TYPES + r"|one|ones|two|three|four)|it|that\sone"
    r"|this\sone|both(?:\sof\sthem)?"
)
_SHOULD_BE = re.compile(
    r"^(?P<lead>\W*(?:(?:ok|okay|so|and|also|oh|actually|wait)\W+)*)(?P<ref>" + _REF_WORDS + r")\s+"
    r"(?:should|needs\sto|must|has\sto|ought\sto)\s+(?:really\s+|actually\s+)?be\s+(?:at\s+|around\s+)?"
    r"(?P<size>\d[\d,.]*\s?k?)(?:\s*(?:units?|capacity))?(?:\s+(?:actually|instead|then|please))?"
    r"(?P<end>\W*)$",
    re.IGNORECASE,
)
_GOES = re.compile(
    r"^(?P<lead>\W*(?:(?:ok|okay|so|and|also|oh|actually|now)\W+)*)(?P<ref>" + _REF_WORDS + r")\s+"
    r"(?:go|goes|should\sgo|should\sbe|need\sto\sgo|needs\sto\sgo|can\sgo)\s+"
    r"(?P<status>offline|online|down|degraded|back\sonline|operational)(?P<end>\W*)$",
    re.IGNORECASE,
)
_IS_NEEDED = re.compile(r"(^|[.!?]\s+)(?:also\s)?(?:is|are)\s(?:also\s)?needed\s(?:an?\s)?", re.I)
_TWO_SOURCES = re.compile(
    r"^\W*(?:and\s)?(?:both\s)?(?:the\s)?(?P<a>[\w'-]+(?:\s[\w'-]+)?)\s(?:and|&)\s(?:the\s)?(?P<b>[\w'-]+"
    r"(?:\s(?!(?:both|all|each)\b)[\w'-]+)?)(?:\s(?:stations|sites|ones|nodes|farms|mills|plants|suppliers|warehouses|growers"
    r"|orchards))?\s(?:both\s|all\s)?(?:deliver|ship|send|supply|feed)s?\s(?:(?:to|into)\s)?(?P<c>[^,.;]+?)"
    r"\W*$",
    re.IGNORECASE,
)
_BOTH_SUBJECT = re.compile(
    r"^\W*(?:and\s|so\s)?(?:they\s|these\s|those\s)?(?:both|the\stwo|each)(?:\sof\sthem)?\s(?:are\s|will\s)?"
    r"(?:(?:deliver|delivering|ship|shipping|send|sending|go|going|supply|supplying|feed|feeding|giving"
    r"|give)(?:\s\w+){0,2}?\s(?:to|into)\s(?:me\sin\s|us\sin\s)?(?P<out>.+?)"
    r"|(?:supply|supplies|feed|feeds|serve|serves|stock|stocks)\s(?P<object>(?:the\s|our\s|di\s)?[^,.;]+?)"
    r"|(?:get|getting|receive|receiving|take|taking)(?:\s\w+){0,2}?(?:\sstraight|\sdirectly)?\sfrom"
    r"\s(?P<into>.+?))\W*$",
    re.IGNORECASE,
)
_NEW_SUBJECT_LINKS = re.compile(
    r"(?:^|,\s*)(?:an?\s)?(?P<add>(?:"
    + _TYPES
    + r")\s(?:in|at)\s(?P<place>[^,]+?),\s*\d[^,]*?),\s*"
    r"(?P<verb>supplies|feeds|ships\sto|sends\sto|delivers\sto)\s(?P<target>.+)$",
    re.IGNORECASE,
)


def _terse_known(place: str, names: _Names) -> bool:
    """Whether a place is where one of the user's nodes is (its name says it)."""
    return any(gazetteer.fold(w) in names.tokens for w in place.split())


_AND_SUBJECT_LINKS = re.compile(
    r",?\s+and\s+(?=(?:the\s)?[A-Z][\w'-]+(?:\s[A-Z][\w'-]+){0,3}\s(?:supplies|ships|feeds|sends"
    r"|delivers|serves|stocks)\b)"
)
# "How loaded is the Hyderabad plant, and what would you recommend for it?": two questions
_AND_ADVICE = re.compile(
    r"(?:,\s*(?:and\s+)?|\s+and\s+)(?=what\s(?:would|do|should|can|could)\s(?:you|we|i)\s(?:recommend|suggest|advise"
    r"|propose)\b)",
    re.IGNORECASE,
)
_AND_BY_GROUP = re.compile(
    r",?\s+and\s+(?=(?:the\s|our\s|total\s|a\s)?(?:capacity|capacities|totals?|breakdown|split)\s"
    r"(?:by|per)\s(?:region|country|type|kind|status|city)\b)",
    re.IGNORECASE,
)
# "Brandon feeds Winnipeg, Regina feeds Saskatoon": two links, each with its verb
_COMMA_SUBJECT_LINKS = re.compile(
    r"\b(?:supplies|ships|feeds|sends|delivers|serves|stocks)\b[^,;]*?,\s+(?=(?:the\s)?[A-Z][\w'-]+"
    r"(?:\s[A-Z][\w'-]+){0,3}\s(?:supplies|ships|feeds|sends|delivers|serves|stocks)\b)"
)
_THEN_SHIPS_THERE = re.compile(
    # ("..., factory is sending to there": a learner's present progressive)
    r",\s+(?:and\s)?(?P<link>(?:[\w-]+\s){1,3}?(?:ships|sends|supplies|feeds|delivers|trucks"
    r"|shipping|sending|supplying|feeding|delivering|trucking)"
    r"(?:\s\w+)?(?:\sto)?\sthere\b.*)$",
    re.IGNORECASE,
)
_TOWN_AT_THE_END = re.compile(r",\s+(?:and\s)?(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+){0,2})$")
_LISTED_LATE = re.compile(
    r"[,.;:]\s*(?:(?:count|treat|add|model|put|list)\s(?:them|those|these|both)\s(?:as|in\sas)\s)"
    r"(?P<list>(?:" + _TYPES + r")\s*:\s*[^:;]+?)\W*$",
    re.IGNORECASE,
)
_BUT_KEEP_IT = re.compile(
    r",?\s+but\s+(?:keep|leave)\s(?:it|them|the\snode|the\sstore|the\ssite)\s(?:in|on|as)\b.*$",
    re.IGNORECASE,
)
_TRAILING_REASON = re.compile(
    r",\s+(?:now\sthat|since|because|as|given\sthat|seeing\sthat|so\sthat|considering)\s.*$"
    # "bump Tartu to 3.5k, they added a moulding machine": what happened, the why
    r"|,\s+(?:they|we|he|she)\s(?:just\s|have\s|'ve\s|finally\s)?(?:added|got|bought|hired|opened"
    r"|installed|signed|lost|closed|put|took|finished|fixed|built|rented|leased)\b.*$",
    re.IGNORECASE,
)
_MAKES = re.compile(
    r"\bwe\s(?:make|produce|manufacture|sell|build|do|ship)\b|\bour\s(?:products?|goods)\b",
    re.IGNORECASE,
)
_NAMES_THE_INDUSTRY = re.compile(
    r"\bindustr\w*|\bsectors?\b|\bverticals?\b|\bwe'?re\sin\b|\bwe\sare\sin\b", re.IGNORECASE
)
# "Now the suppliers: a co-op in Addis Ababa, 4,000 bags, and an exporter in Medellín, ...":
# a type, a colon, and items that each say where.
_TYPED_SECTION = re.compile(
    # ("Resolved that the following be entered as suppliers: the collection centre at ...")
    r"^\W*(?:[^:]*?\b(?:entered|added|recorded|registered)\sas\s)?"
    r"(?:(?:now|next|then|and|also|ok|okay|so)\W+)*(?:the\s|our\s)?(?P<type>(?:"
    + _TYPES
    + r"))\s*:\s*(?P<items>.+?)\W*$",
    re.IGNORECASE,
)
_NEXT_ITEM = re.compile(r",?\s+and\s+(?=(?:an?|one|another|the|our)\s)|;\s*", re.IGNORECASE)
_PLACE_CUE = re.compile(r"\b(?:in|at|near|based\sin|out\sof|from)\s+(?=[A-Z])")
# "Shops: York, Harrogate and Wakefield": a plural type, a colon, and only places.
_TYPE_LIST = re.compile(
    r"^\W*(?P<type>(?:" + _TYPES + r"))\s*:\s*(?P<places>[^:;]+?)\W*$",
    re.IGNORECASE,
)


def _all_places(text: str) -> bool:
    items = [i.strip() for i in re.split(r",|\band\b|&", text) if i.strip()]
    return len(items) >= 1 and all(gazetteer.lookup(i) is not None for i in items)


_ANY_LABEL = re.compile(r"^\W*[\w'-]+(?:\s[\w'-]+){0,3}:\s+(?=\w)")
_LABEL_PREFIX = re.compile(
    r"^\W*(?:(?:for|re|about|regarding|note|fyi|btw|questions?|quick\squestions?|context|update"
    r"|(?:a\s)?(?:couple|few)\s(?:of\s)?(?:quick\s)?questions|(?:two|three|some)\s(?:quick\s)?questions"
    r"|audit|request|todo|task|next|verify|check|then|finally|also|action|goal|ask)\b[^:]{0,25}"
    r"|(?:correction|fix|change)\s(?:to|for|on|of)\s[^:]{1,20}"
    r"|(?:(?:ok|okay|alright|right|so|well|fine|sure|yes)[\s,]+)*(?:let'?s\sgo|here\swe\sgo|here\sgoes|go\sahead"
    r"|for\sreal(?:\sthis\stime)?|to\sstart|first\sthings\sfirst|step\sone|as\spromised))"
    r":\s+(?=\w)",
    re.IGNORECASE,
)
# "and a plant": a node said alone (the add asks where).
_A_TYPE = re.compile(
    r"^\W*(?:(?:and|also|plus|then)\s+)*(?:an?|another|one\smore|a\snew|a\ssecond)\s+(?:new\s+)?"
    r"(?:[\w-]+\s+)?(?:" + _TYPES + r")(?:\s+(?:too|as\swell|please))?\W*$",
    re.IGNORECASE,
)


_COURTESY = re.compile(
    r"\b(?:thanks?|thank\syou|thx|cheers|grazie|merci|danke|gracias|obrigad[oa]|ciao|bye|goodbye"
    r"|hello|hi|hey|good\s(?:morning|afternoon|evening|night)|appreciate\w*|grateful|patience"
    r"|have\sa\s(?:nice|good|great)\s(?:day|one|weekend))\b",
    re.IGNORECASE,
)


_PARTICIPLE = re.compile(
    rf"^\W*(?:(?:and\s+)?(?:also|then)\s+|and\s+)?(?:(?:{_LINK_OUT})|(?P<into>{_LINK_IN}))\s+",
    re.IGNORECASE,
)
_PLACE_AND_SIZE = re.compile(
    # ("Granada - 9,000 L/month": any one word for what is counted, or a short unit)
    r"^\W*(?P<place>[^\d.,;]+?)"
    # ("Manaus - botanical extracts, 6,000 kg/month": what it supplies, between the two)
    r"(?:\s+[-–—]\s+[a-z][a-z' -]{0,30}?(?=,))?"
    r"(?:[\s.,;:–—-]+(?P<size>\d[\d,.]*\s?(?:k\b|thousand)?)"
    r"(?:\s?(?:units?|[a-z]{1,12}))?"
    r"(?:\s?(?:/|a|per)\s?(?:month|week|year|day|mo))?"
    # ("Foggia - 25,000 t/month durum wheat": what it is, after the size)
    r"(?:\s+(?:of\s)?[a-z][\w'-]*){0,3}?)?\W*$",
    re.IGNORECASE,
)
# "warehouse: location TBD" in a pasted plan: a node to add whose place is still open.
_PLACE_OPEN = re.compile(
    r"^\W*(?:(?:add|and|also|plus)\s+)?(?:(?:an?|another|one|one\smore|a\snew|new)\s+)?(?:[\w-]+\s+)?"
    r"(?P<type>" + _TYPES + r")\s*[:,(-]?\s*(?:(?:location|place|site|city"
    r"|where)\s*[:=-]?\s*)?(?:tbd|tbc|tba|to\sbe\s(?:decided|confirmed|determined|defined)|unknown"
    r"|undecided|not\s(?:decided|sure|known|chosen)(?:\syet)?|open|\?+)\W*$",
    re.IGNORECASE,
)
_CUE_ONLY = re.compile(
    r"^\W*(?:(?:actually|wait|sorry|oops|hmm+|ok|okay|right|so|well|no|one\smore\sthing|oh|ah"
    r"|also|and|then|next|now|alright|fine|remind\sme|tell\sme|quick\squestion|question"
    r"|on\ssecond\sthoughts?|(?:come\sto\sthink\sof\sit)|having\sthought\sabout\sit"
    r"|thinking\sabout\sit|scratch\sthat|change\sof\splans?|hold\son|one\ssec(?:ond)?"
    r"|let'?s\s(?:do\s(?:this|it)|go|get\s(?:started|going)|start|begin)|here\swe\sgo)\W*)+$",
    re.IGNORECASE,
)
_ASKS_WHAT_HAPPENS = re.compile(
    r"^\W*(?:(?:so|and|then)\s)?what\s(?:happens|would\shappen|will\shappen|breaks|is\saffected"
    r"|gets\shit|are\sthe\seffects|is\sthe\simpact)\b",
    re.IGNORECASE,
)
_BARE = re.compile(
    r"^\W*(?:(?:now|and|ok|okay|so|then|also|next|right)\W+)*(?:the\s|our\s|my\s|that\s)?[^?]*$",
    re.IGNORECASE,
)


def _is_bare_reference(piece: str, outcome: object) -> bool:
    """Whether a step is only a node named ("Now the Guadalajara supplier"), read as its
    details for want of a verb."""
    if not (isinstance(outcome, list) and len(outcome) == 1):
        return False
    command = outcome[0]
    if command.intent != "get-node-details" or not _BARE.match(piece):
        return False
    return not re.search(
        r"\b(?:show|tell|details?|info|about|how|what|status|describe|look)\b"
        r"|^\W*(?:is|are|was|does|do|has)\b",  # "Is Osaka still degraded?" asks
        piece,
        re.I,
    )


def _is_title(text: str, piece: str, names: _Names) -> bool:
    """Whether the first line of a pasted plan is its title (not a bullet, not a request)."""
    if re.match(r"\s*(?:[-*•]|\d+[.)])", text) or _BARE_ADD.match(piece) or _A_TYPE.match(piece):
        return False
    if _TERSE_ADD.match(piece):
        return False
    return len(piece.split()) <= 6 and _read_clause(piece, names) is None


_ADD_THAT = re.compile(
    r"^\W*(?:(?:please|pls|and|just|then|so|kindly|(?:can|could|would)\s+you|if\s+so,?"
    r"|in\s+that\s+case,?)\s+)*(?:add|create"
    r"|put\s+in|set\s+up|include"
    r"|model|enter|record|register|put)\s+(?:that|this|it|him|her|them|those|these|one|both|(?=the\s|our\s)"
    r"|(?:also|too|as\swell)(?=\W*$))\b(?:\s*(?:the\s"
    r"|our\s)?(?:one|"
    + _TYPES
    + r"))?(?:,?\s+(?:first|too|also|as\s+well|please|pls|now|then|for\s+me"
    r"|in(?:\sthe\s(?:system|twin|model|network))?))*"
    # "Please add it with 12 lakh units per month capacity": its size said with it
    r"(?:,?\s+(?:with|at|of|for)\s+[^.?!]*?(?:capacity|units?|a\s(?:month|week|year)|per\s\w+"
    # ("Could you add it with room for 10,000 jars")
    r"|/\s?\w+|\d[\d,.]*\s?k?(?:\s[a-z]+)?)"
    # ("would you kindly add that warehouse, around 20,000 kg")
    r"|,\s*(?:around|about|roughly|approximately|some|~)?\s*\d[\d,.]*\s?k?(?:\s[a-z]+)?)?\W*$",
    re.IGNORECASE,
)


def _is_heading(text: str, piece: str) -> bool:
    """Whether ``piece`` is a heading of a pasted list: a short line of its own, followed by
    an indented or bulleted line."""
    if "\n" not in text:
        return False  # (a heading is a line of its own; and each look below compiles a pattern)
    # ("Phase 2", "Wave 1b": a numbered label is still a heading)
    label = re.fullmatch(r"[A-Za-z][\w-]*(?:\s[A-Za-z][\w-]*)?\s\d{1,2}[a-z]?", piece.strip())
    # ("Checks before I send this to the team:" above bullets: a longer lead, said with a colon)
    led = len(piece.split()) <= 12 and re.search(
        rf"(?:^|\n)[ \t]*{re.escape(piece.strip())}[ \t]*:[ \t]*\n[ \t]*(?:[-*•]|\d+[.)])", text
    )
    if (len(piece.split()) > 4 and not led) or (re.search(r"\d", piece) and label is None):
        return False
    line = re.escape(piece.strip())
    # "1. Suppliers" above its sub-items ("   a. Antwerp"), not above "2. ..."
    above_sub_items = re.search(
        rf"(?:^|\n)[ \t]*\(?[1-9]\d?[.)][ \t]+{line}[ \t]*:?[ \t]*\n(?:[ \t]+|[ \t]*(?:[-*•]"
        rf"|\(?[a-j][.)])[ \t])",
        text,
    )
    if above_sub_items is not None:
        return True  # ("8. Stress test" above "a. what if ...", a verb or not)
    if len(piece.split()) > 1 and re.match(rf"^\W*(?:{_VERBS})\b", piece, re.IGNORECASE):
        return False  # "1. add warehouse in Hamburg" above "2. ...": an item, not a heading
    above_items = re.search(
        rf"(?:^|\n)[ \t]*{line}[ \t]*:?[ \t]*\n[ \t]*(?:[-*•]|\d+[.)]|\(?[a-j][.)]|[ \t]{{2,}})",
        text,
    )
    return above_items is not None


def _terse_place(text: str) -> bool:
    """Whether the words after a type are only a place ("taipei", "LA", "shenzen")."""
    words = text.strip()
    if not words or len(words.split()) > 3:
        return False
    found = gazetteer.find_places(words)
    if found and found[0][0] == (0, len(words)):
        return True
    if words.casefold() in _VOCAB:
        return False  # "mfg status?": a word of ours, not a typo of "States"
    return gazetteer.suggest(words) is not None


def _last_add(steps: list[Step]) -> Command | None:
    for step in reversed(steps):
        if isinstance(step, Command) and step.intent != "connect-nodes":
            # ("a DC in Toronto fed by Calgary and another one in Montreal": the link said
            # after the add is the add's.)
            return step if step.intent in _DEFAULT_SUFFIX else None
    return None


def _default_name(command: Command) -> str | None:
    """The name an add gives its node when none is said ("Wroclaw Plant"), else None."""
    place = command.params.get("place")
    if command.intent not in _DEFAULT_SUFFIX or place is None or not place.city:
        return None
    return f"{place.city} {_DEFAULT_SUFFIX[command.intent]}"


def _with_new_names(names: _Names, commands: list[Command]) -> _Names:
    """The user's names and those the message's earlier steps give ("add a plant in Wroclaw
    ...; Gdansk Supplier -> Silesia Works"), so later steps can name the new nodes."""
    new: list[str] = []
    for command in commands:
        if command.intent == "rename-node" or command.params.get("name"):
            new.append(str(command.params["name"]))
        elif (default := _default_name(command)) is not None:
            new.append(default)
    known = tuple(dict.fromkeys(names.by_words.values()))
    if not new or {n.casefold() for n in new} <= {k.casefold() for k in known}:
        return names
    return _name_index(tuple(dict.fromkeys((*known, *new))))


def _header(text: str, pieces: list[str]) -> str | None:
    """The heading of a pasted list ("Morning, EU setup:" before its bullets), if any."""
    if len(pieces) < 2:
        return None
    first = pieces[0]
    after = text.find(first)
    rest = text[after + len(first) :] if after >= 0 else ""
    if re.match(r"\s*:\s*\n", rest) and len(first.split()) <= 6:
        return first
    return None


def _carry_markers(pieces: list[str]) -> list[str]:
    out: list[str] = []
    carried = ""
    for piece in pieces:
        if _MARKER_ONLY.match(piece):
            carried = f"{carried}{piece}, "
            continue
        out.append(carried + piece)
        carried = ""
    if carried:
        out.append(carried.rstrip(", "))
    return out


_VERB_CLASS = {
    "add": ("add-",),
    "create": ("add-",),
    "open": ("add-",),
    "build": ("add-",),
    "put": ("add-",),
    "set": ("add-", "set-"),
    "connect": ("connect-nodes",),
    "link": ("connect-nodes",),
    "hook": ("connect-nodes",),
    "remove": ("remove-node",),
    "delete": ("remove-node",),
    "drop": ("remove-node",),
    "disconnect": ("disconnect-nodes",),
    "unlink": ("disconnect-nodes",),
    "change": ("update-node", "set-"),
    "update": ("update-node",),
    "move": ("update-node",),
    "rename": ("rename-node",),
    "simulate": ("run-simulation", "what-if-"),
    "run": ("run-simulation", "what-if-"),
    "do": ("",),
}
_NEGATED_BACK = re.compile(
    r"^\W*(?:(?:but|and|though|actually|wait|no|hmm+|oh)\W+)*(?:please\s+)?(?:don'?t|do\snot|no\sneed\sto|not)\s+(?:\w+\s+)?"
    r"(?P<verb>add|create|open|build|put|set|connect|link|hook|remove|delete|drop|disconnect|unlink"
    r"|change|update|move|rename|simulate|run|do)\w*\s+(?:it|that|this|them|those|one)"
    # "don't link it to Hong Kong yet" names another node: it cancels no earlier step.
    r"(?:\s+(?:yet|now|for\snow|either|too|please|just\syet|at\sall))*\W*$",
    re.IGNORECASE,
)


_APOLOGY_ALONE = re.compile(rf"^\W*(?:{APOLOGY})\W*$", re.IGNORECASE)
# "could you take that one away again... sorry...": an apology after a request keeps it
_APOLOGY_ONLY = re.compile(r"^\W*(?:sorry|so\ssorry|oops|my\sbad|sorry\sabout\sthat)\W*$", re.I)
_TAKE_BACK = re.compile(
    r"^\W*(?:(?:actually|no|nope|nah|wait|sorry|oops|hmm+|hang\son|hold\son|on\ssecond\sthought"
    r"|scratch\sthat|never\smind|forget\s(?:that|it)|don'?t|do\snot|cancel\sthat|skip\s(?:that|it))\W*)+"
    r"(?:(?:just\s)?(?:keep|leave)\s(?:it|them|that)(?:\s(?:as\sit\sis|as\sis|alone|unchanged"
    r"|at\s[\w,.$€£]+))?(?:\sfor\snow)?|not\s[^,.;]{1,40}?)?"
    # "Actually skip that, we ship straight out of Casablanca": why, after it
    r"(?:[,;-]\s*(?:we|we'?re|we'?ll|i|i'?m|they|because|since|as)\b[^.!?]*)?\W*$",
    re.IGNORECASE,
)


_ELIDED_LINK = re.compile(
    r"^\W*(?:and\s+|also\s+)?(?:from\s+)?(?!(?:do|don'?t|not|but|never)\b)[\w'. -]{2,40}?\s(?:to"
    r"|into|with)\s[\w'. -]{2,40}?\W*$",
    re.IGNORECASE,
)
_KEEP_AS_IS = re.compile(
    r"^\W*(?:just\s)?(?:keep|leave)\s(?:it|them|that|things)(?:\s(?:as\s(?:it\sis|is|they\sare)"
    r"|at\s[\w,.$€£]+|alone|unchanged|where\s(?:it|they)\s(?:is|are)))?(?:\s(?:for\snow|then))?\W*$",
    re.IGNORECASE,
)
_TAKE_BACK_PREFIX = re.compile(
    r"^\W*(?:actually[\s,]+)?(?:no|nope|sorry,?\s(?:no|scratch\sthat)|scratch\sthat|wait,?\sno"
    r"|on\ssecond\sthought|actually)\W+(?=\w)",
    re.IGNORECASE,
)


def _new_towns_linked(steps: Sequence[Step], names: _Names) -> set[str]:
    """The towns links among ``steps`` name as ends where the user has no node yet."""
    towns: set[str] = set()
    for step in steps:
        if not isinstance(step, Command) or step.intent != "connect-nodes":
            continue
        for end in (step.params.get("source"), step.params.get("target")):
            if (
                isinstance(end, NodeRef)
                and end.kind == "place"
                and end.place is not None
                and end.place.city
                and not _terse_known(end.place.city, names)
            ):
                towns.add(gazetteer.fold(end.place.city))
    return towns


_SAYS_WHY_NOT = re.compile(r"[,;-]\s*(?:we|we'?re|we'?ll|i|i'?m|they|because|since|as)\b", re.I)
# "skip that", "scratch that": what the sentence before asked, not only its last step
_WHOLE_TAKE_BACK = re.compile(
    r"\b(?:scratch|skip|forget|cancel|ignore|drop)\s(?:that|it|all\sthat)\b|\bnever\smind\b", re.I
)


_STATUS_ALONE = re.compile(
    r"\W*(?P<status>operational|degraded|disrupted|offline)(?:\s+(?:then|instead|please))?\W*",
    re.IGNORECASE,
)
_I_MEANT = re.compile(
    r"^\W*(?:(?:no|nope|wait|sorry|oops|hmm+|actually)\W+)*i\s+meant\s+(?=(?:what|which|where|how|who|is|are"
    r"|does|do|show|list)\b)",
    re.IGNORECASE,
)


def _links_the_new_node(link: Command, add: Command) -> bool:
    """Whether ``link`` joins the node ``add`` creates ("..., fed by the plant": "it")."""
    if link.intent != "connect-nodes" or add.intent not in _DEFAULT_SUFFIX:
        return False
    new_name = _default_name(add)
    return any(
        isinstance(end, NodeRef)
        and (end.kind == "pronoun" or (new_name is not None and end.text == new_name))
        for end in (link.params.get("source"), link.params.get("target"))
    )


def _taken_back(steps: list[Step]) -> list[Step]:
    """One change not made, said twice ("..., on second thought. Don't."): one cancelled
    step. (A change taken back in the same message is dropped as the message is read.)"""
    out: list[Step] = []
    for step in steps:
        before = out[-1] if out else None
        if (
            isinstance(step, Act)
            and step.kind == "cancelled"
            and isinstance(before, Act)
            and before.kind == "cancelled"
        ):
            out[-1] = Act("cancelled", f"{before.text}, {step.text}", before.topic)
            continue
        out.append(step)
    return out


def _cancel_pointed(steps: list[Step]) -> list[Step]:
    """ "we'll need a supplier in Chennai, but don't add it yet": a negation that points back
    at the step before it (same kind of change) cancels that step."""
    out: list[Step] = []
    for step in steps:
        previous = out[-1] if out else None
        if isinstance(step, Act) and step.kind == "cancelled" and isinstance(previous, Command):
            match = _NEGATED_BACK.match(step.text)
            prefixes = _VERB_CLASS.get(match.group("verb").lower(), ()) if match else ()
            if any(previous.intent.startswith(prefix) for prefix in prefixes):
                out[-1] = Act("cancelled", f"{previous.text}, {step.text}", previous.text)
                continue
        out.append(step)
    return out


_TELLS = re.compile(
    r"^\W*(?:(?:please|pls|can\syou|could\syou|would\syou|ok|okay|so|and|now|maybe|perhaps|just"
    rf"|let'?s|should\swe|shall\swe|we\sshould|should\si|do\swe|i'?d)\W+)*(?:{_CHANGE_VERBS}|make)\b",
    re.IGNORECASE,
)


def _asked_of_a_node(piece: str, outcome: object, text: str) -> bool:
    """Whether a piece that reads as a change to one node was asked with a question mark and
    no verb that tells it to change ("Pune operational?", "Chennai at 8,000?")."""
    return (
        isinstance(outcome, list)
        and len(outcome) == 1
        and isinstance(outcome[0], Command)
        and outcome[0].intent == "update-node"
        and isinstance(outcome[0].params.get("node"), NodeRef)
        and not _TELLS.match(piece)
        and len(piece.split()) <= 6
        and re.search(rf"{re.escape(piece)}\s*\?", text) is not None
    )


# "Could you add one, 25,000 litres, fed by the dairy?": the add of the node said just before
_ADD_ONE = re.compile(
    r"^\W*(?:(?:ok|okay|so|then|please|pls|could\syou|can\syou|would\syou|will\syou|kindly)\W+)*"
    r"(?:add|create|put\s+in|set\s+up|make)\s+(?:one|it)\b(?P<rest>.*)$",
    re.IGNORECASE,
)
# "I think we need a warehouse too", "we'll want another DC": a node the user needs, no place
_NEED_A = re.compile(
    r"\b(?:need|want|require|could\suse|should\shave)\s+(?:an?|another|one\smore|a\snew|a\ssecond)\s+"
    r"(?:new\s+)?(?P<type>" + _TYPES + r")\b(?:\s+(?:too|as\swell|also))?\W*$",
    re.IGNORECASE,
)


def _one_said_again(pieces: list[str]) -> list[str]:
    """ "Okay, I think we need a warehouse too. Could you add one, 25,000 litres, fed by the
    dairy?": the need and the add of "one" are one add, with the size and flow said second."""
    out: list[str] = []
    for piece in pieces:
        needed = _NEED_A.search(out[-1]) if out else None
        again = _ADD_ONE.match(piece)
        if needed is not None and again is not None and not gazetteer.find_places(out[-1]):
            out[-1] = f"add a {needed.group('type')}{again.group('rest')}"
            continue
        counted = _ADD_COUNTED.search(out[-1]) if out else None
        if counted is not None and _ONE_IN.match(piece) and not gazetteer.find_places(out[-1]):
            # "Is possible to add two store also? One in Surabaya and one in Semarang, ...":
            # the count, then where each one is
            out[-1] = f"add {counted.group('count')} {counted.group('type')}: {piece}"
            continue
        out.append(piece)
    return out


_ADD_COUNTED = re.compile(
    r"\b(?:add|create|set\s?up|open|make)\s+(?P<count>two|three|four|2|3|4)\s+(?:new\s+)?(?P<type>"
    + _TYPES
    + r")(?:\s+(?:also|too|as\swell))?\W*$",
    re.IGNORECASE,
)
_ONE_IN = re.compile(r"^\W*(?:the\s+)?(?:first\s+)?one\s+(?:is\s+)?(?:in|at)\s+", re.IGNORECASE)


# "Actually, no need for the Verona one", "skip the Verona warehouse", "forget Verona": an add
# of this message, taken back by its town
_NO_NEED_FOR = re.compile(
    r"^\W*(?:(?:actually|but|and|oh|hmm+|wait|sorry|no|on\ssecond\sthought)\W+)*"
    r"(?:(?:there'?s\s|we\shave\s)?no\sneed\s(?:for|of)|(?:we\s)?(?:don'?t|do\snot)\sneed|skip|forget"
    r"|scratch|drop|leave\sout|not)\s+(?:the\s+)?(?P<rest>.+?)\W*$",
    re.IGNORECASE,
)


def _cancel_named_add(steps: list[Step]) -> list[Step]:
    """ "Add a warehouse in Bologna, 30k, and one in Verona, 18k. Actually, no need for the
    Verona one.": the add at the town named is not made (beside what runs, the take-back is
    no step of its own)."""
    dropped: set[int] = set()
    for index, act in enumerate(steps):
        said = (
            _NO_NEED_FOR.match(act.text)
            if isinstance(act, Act) and act.kind == "cancelled"
            else None
        )
        if said is None:
            continue
        towns = {p.city for _span, p in gazetteer.find_places(said.group("rest")) if p.city}
        added = [
            i
            for i, s in enumerate(steps[:index])
            if i not in dropped
            and isinstance(s, Command)
            and s.intent.startswith("add-")
            and isinstance(s.params.get("place"), Place)
            and s.params["place"].city in towns
        ]
        if len(towns) != 1 or len(added) != 1:
            continue
        dropped.add(added[0])
        if any(
            isinstance(s, Command) and i not in dropped for i, s in enumerate(steps) if i != index
        ):
            dropped.add(index)
    return [s for i, s in enumerate(steps) if i not in dropped]


def _it_of_the_taken_back(steps: list[Step], names: _Names) -> list[Step]:
    """ "Remove the Cairns warehouse. Hmm, no, keep it, just cut its capacity to 7,000": "it"
    right after a request taken back is the one node that request named."""
    out = list(steps)
    for i in range(1, len(out)):
        before, step = out[i - 1], out[i]
        if not (
            isinstance(before, Act) and before.kind == "cancelled" and isinstance(step, Command)
        ):
            continue
        pointed = [
            k for k, v in step.params.items() if isinstance(v, NodeRef) and v.kind == "pronoun"
        ]
        said = before.text[: len(before.text) - len(before.topic)] if before.topic else before.text
        if len(pointed) != 1 or step.params[pointed[0]].text.lower() not in ("it", "its"):
            continue
        refs = [r.ref for r in _analyse(said, names).node_refs() if r.ref.kind in ("name", "id")]
        if len(refs) == 1:
            out[i] = dataclasses.replace(step, params={**step.params, pointed[0]: refs[0]})
    return out


def _bind_update_to_town(command: Command, names: _Names) -> Command:
    """ "Yendi can do 140 this season, update it": an update that names no node is of the
    node at the one town of the user's the step names; so is one of "they" said after the
    town ("The Nyeri farmers have added more members, now they are bringing 11,000 kilo")."""
    if command.intent != "update-node" or not command.text:
        return command
    node = command.params.get("node")
    plural_after_town = (
        node == NodeRef("them", "pronoun")
        and re.match(r"\W*(?:[Tt]he|[Oo]ur)\s[A-Z][\w'-]*(?:\s[A-Z][\w'-]*)?\s[a-z]", command.text)
        and re.search(r"\bthey\b", command.text, re.IGNORECASE)
    )
    if node is not None and not plural_after_town:
        return command
    said = _analyse(command.text, names)
    ours = [p for p in said.free_places() if p[2].city and names.named_after(p[2].city)]
    if len(ours) != 1:
        return command
    start, end, place = ours[0]
    ref = NodeRef(said.text[start:end], "place", place=place)
    params = {**command.params, "node": ref}
    return Command(command.intent, params, command.confidence, command.text)


def _bind_type_to_place(command: Command, names: _Names) -> Command:
    """ "Yokohama buyer has shifted their DC to Nagoya": a bare type ("their DC") is the node
    of that type at the one place said before it, when the step names nothing else."""
    bare = [
        key
        for key, value in command.params.items()
        if isinstance(value, NodeRef)
        and value.kind == "name"
        and value.node_type is not None
        and value.place is None
        and value.text.casefold() == _DEFAULT_SUFFIX[_ADD_INTENT[value.node_type]].casefold()
    ]
    refs = [v for v in command.params.values() if isinstance(v, NodeRef)]
    if len(bare) != 1 or len(refs) != 1 or not command.text:
        return command  # ("connect Puebla to the planta": the place is the other end)
    step = _analyse(command.text, names)
    typed = _TYPE_RE.search(step.masked)
    if typed is None or step.names or step.ids:
        return command
    before = [p for p in step.places if p[1] <= typed.start() and p[2].city]
    if len(before) != 1:
        return command
    start, end, place = before[0]
    target = command.params.get("place")
    if isinstance(target, Place) and target.city == place.city:
        return command
    node = command.params[bare[0]]
    assert isinstance(node, NodeRef)
    ref = NodeRef(
        f"{step.text[start:end]} {node.text}", "place", node_type=node.node_type, place=place
    )
    return Command(
        command.intent, {**command.params, bare[0]: ref}, command.confidence, command.text
    )


def _bind_to_place(command: Command, names: _Names) -> Command:
    """ "we'll need more volume out of Dhaka, double its capacity": "its" is the node at the
    one place the step named, not the last node of the conversation."""
    pronouns = [
        key
        for key, value in command.params.items()
        if isinstance(value, NodeRef) and value.kind == "pronoun" and value.text == "it"
    ]
    if len(pronouns) != 1 or not command.text:
        return command
    if "place" in command.params:
        return command  # "move it to Antwerp": the place is where it goes
    if any(isinstance(v, NodeRef) and v.kind == "place" for v in command.params.values()):
        return command  # "Denver supplies it": the place is the other end
    if command.intent in ("connect-nodes", "disconnect-nodes") and any(
        isinstance(v, NodeRef) and v.kind in ("name", "id") for v in command.params.values()
    ):
        return command  # "La Chaux-de-Fonds supplies it": the place names the other end
    step = _analyse(command.text, names)
    pronoun = re.search(r"\b(?:it|its|it's)\b", step.masked)
    spans = [(r.start, r.end) for r in step.refs() if r.ref.kind != "pronoun"]
    places = [
        p
        for p in step.places
        if pronoun is not None
        and p[1] <= pronoun.start()
        and not any(a <= p[0] < b for a, b in spans)
    ]
    if len(places) != 1 or step.names or step.ids or len(step.places) != 1:
        return command
    start, end, place = places[0]
    ref = NodeRef(step.text[start:end], "place", place=place)
    return Command(
        command.intent, {**command.params, pronouns[0]: ref}, command.confidence, command.text
    )


def _drop_topic_pronouns(steps: list[Step]) -> list[Step]:
    """ "What is a distribution center? Is it different from a warehouse?": after a question
    about a term, "it" is that term, not a node."""
    out: list[Step] = []
    for step in steps:
        previous = out[-1] if out else None
        if (
            isinstance(step, Command)
            and isinstance(previous, Command)
            and (
                previous.intent == "help"
                or (previous.intent in _ANALYSES and _DO_IT.match(step.text) is not None)
            )
            and step.intent == "get-node-details"
            and isinstance(step.params.get("node"), NodeRef)
            and step.params["node"].kind == "pronoun"
        ):
            # ("... the utilization of each facility. Can you calculate it?": that analysis)
            continue
        out.append(step)
    return out


_ANALYSES = frozenset(
    {"calculate-utilization", "find-bottlenecks", "identify-risks", "scan-anomalies"}
)
_DO_IT = re.compile(
    r"^\W*(?:(?:can|could|would|will)\s(?:you|u)\s|please\s)?(?:calculate|compute|run|do|work\sout"
    r"|show|give\sme|figure\sout)\s(?:it|that|this|them)\b",
    re.IGNORECASE,
)


_ANY_OF_THOSE = re.compile(
    r"^\W*(?:and\s)?(?:(?:do|does|did|are|is)\s)?(?:i|we|you|there|they|it)\s(?:have\s|got\s)?"
    r"(?:any|some|one|those|them)\b"
    # "My network have one?", "does our network have any?": a learner's, or said of the network
    r"|^\W*(?:and\s)?(?:(?:do|does)\s)?(?:my|our|the)\s(?:network|supply\schain|twin|chain)\s"
    r"(?:have|has|got)\s(?:any|some|one)\b",
    re.IGNORECASE,
)
_ANALYSIS_OF_TOPIC = (
    ("single point", "identify-risks"),
    ("risk", "identify-risks"),
    ("bottleneck", "find-bottlenecks"),
    ("choke", "find-bottlenecks"),
    ("anomal", "scan-anomalies"),
    ("utili", "calculate-utilization"),
)


def _last_help_topic(steps: list[Step]) -> str | None:
    """The analysis that finds the term the last help step defined, if any."""
    for step in reversed(steps):
        if isinstance(step, Command):
            if step.intent != "help":
                return None
            topic = str(step.params.get("topic", "")).lower()
            return next((intent for word, intent in _ANALYSIS_OF_TOPIC if word in topic), None)
    return None


def analysis_asked_after(text: str, topic: str) -> str | None:
    """ "Is there one in our network?" after the term ``topic`` was explained (in the turn
    before): the analysis that finds it, if the message's last sentence asks for one."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    if not sentences or not _ANY_OF_THOSE.match(sentences[-1]):
        return None
    folded = topic.lower()
    return next((intent for word, intent in _ANALYSIS_OF_TOPIC if word in folded), None)


def _is_details(outcome: object) -> bool:
    return (
        isinstance(outcome, list) and len(outcome) == 1 and outcome[0].intent == "get-node-details"
    )


def _unclear(piece: str) -> Clarification:
    return Clarification(
        f'I didn\'t understand "{piece}"; what should I do with it? (say "help" to see what '
        "I can do)",
        None,
        0.4,
        piece,
    )


def _modelled(text: str, names: _Names) -> list[str] | None:
    """ "We run a printing plant in Leipzig, our paper we buy from a mill in Tampere, ... Could
    you model that?": a description closed by "model that" is the adds it describes (before the
    message is split, which would read its parts as requests of their own)."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n+", text.strip()) if s]
    if len(sentences) < 2 or not _MODEL_THAT.match(sentences[-1].rstrip(".!?")):
        return None
    body = " ".join(sentences[:-1])
    if any(_REQUEST_START.match(s) for s in sentences[:-1]):
        return None  # a request of its own in the description: read each part
    several = _described_nodes(body, names)
    if len(several) < 2:
        return None
    # "..., one in Manchester and one in Birmingham, and they both get their mugs from the
    # factory": a flow said of the described nodes is read after their adds
    flows = [c for c in _BODY_CLAUSE.split(body) if _THEY_SUBJECT.match(c)]
    return several + [f.strip(" .") for f in flows]


_BODY_CLAUSE = re.compile(r"[.;!?]\s+|,\s+(?=and\s)")
_THEY_SUBJECT = re.compile(
    r"^\W*(?:and\s+|so\s+)?(?:they|both(?:\sof\sthem)?|all\sof\sthem|each\sof\sthem)\s",
    re.IGNORECASE,
)


def parse(text: str, *, known_names: Sequence[str] | Iterable[str] = ()) -> ParseResult:
    """What the user's message asks for, step by step: commands to run, questions about the
    unclear parts, and dialogue acts (yes, no, a negated request, courtesy, something out of
    scope), in the order the user wrote them.

    ``known_names`` are the names of the user's nodes, so that "connect Shanghai Supplier to
    Berlin Plant" finds them even with small typos or odd case.
    """
    names = _name_index(tuple(known_names)) if known_names else _EMPTY_NAMES
    cleaned = _clean(text)
    if not cleaned:
        return ParseResult()
    whole = _analyse(cleaned, names).masked
    act = dialogue_act(whole)
    if act is not None:
        return ParseResult(steps=(Act(act, cleaned),))  # type: ignore[arg-type]
    corrected, fixes = _correct(cleaned, names)
    if " n " in corrected:
        # "stores in canberra n newcastle": shorthand "n" between two towns is "and"
        corrected = re.sub(r"\b([A-Z][\w'-]+)\s+n\s+(?=[A-Z][\w'-]+)", r"\1 and ", corrected)
    corrected = _self_corrected(_taglish(_singlish(_franglais(_spanglish(_hinglish(corrected))))))
    corrected = _OURS_IS_IN.sub(lambda m: _ours_is_in(m, names), corrected)
    corrected = _FOREIGN_GREETING.sub("Hi", corrected)  # "Hola, I plan materials for ..."
    # "Also is needed warehouse in Astana": a need said the way Russian says it
    corrected = _IS_NEEDED.sub(lambda m: f"{m.group(1)}add a ", corrected)
    corrected = _ACTUALLY_IN.sub(
        lambda m: f"move {m.group('ref')} to {m.group('place')}", corrected
    )
    corrected = _SHOULD_BE.sub(
        lambda m: f"{m.group('lead')}make {m.group('ref')} {m.group('size')}", corrected
    )
    corrected = _GOES.sub(
        lambda m: f"{m.group('lead')}mark {m.group('ref')} {m.group('status')}", corrected
    )
    penalty = min(0.2, 0.05 * fixes)
    pieces = _modelled(corrected, names) or _split(corrected)
    steps: list[Step] = []
    not_understood: list[str] = []
    previous_unknown: str | None = None  # the step before, when nobody understood it
    last_piece = ""  # the words of the last understood step

    def commands() -> list[Command]:
        return [s for s in steps if isinstance(s, Command)]

    def last_command() -> Command | None:
        return steps[-1] if steps and isinstance(steps[-1], Command) else None

    pieces = _one_said_again(_carry_markers(pieces))
    header = _header(corrected, pieces)
    asked_before: str | None = None  # the step before, when it was asked about
    section: str | None = None  # the node type a pasted list's heading names ("Suppliers")
    section_verb: str | None = None  # the verb a pasted list's heading says ("Remove:")
    reason: str | None = None  # the step before, when it gave the reason for the next one
    letter = _LETTER.match(corrected) is not None
    build_cue = False
    signed_off = False
    for index, piece in enumerate(pieces):
        taken = last_command()
        meant = _I_MEANT.match(piece)
        if taken is not None and taken.intent not in CHANGING_INTENTS and meant is not None:
            # "What does Granada supply? No wait, I meant what feeds the Albacete plant.": the
            # question asked instead
            steps.pop()
            piece = piece[meant.end() :]
        if taken is not None and taken.intent in CHANGING_INTENTS:
            prefix = _TAKE_BACK_PREFIX.match(piece)
            rest = piece[prefix.end() :] if prefix is not None else ""
            status = _STATUS_ALONE.fullmatch(rest) if "status" in taken.params else None
            if status is not None:
                # "Mark Badajoz degraded, the harvest is late. Wait, no, offline.": that status
                params = {**taken.params, "status": status.group("status").lower()}
                steps[-1] = Command(taken.intent, params, taken.confidence, taken.text)
                continue
            instead = _read_clause(rest, names) if rest else None
            if isinstance(instead, list) and [c.intent for c in instead] == [taken.intent]:
                # "connect A to B. sorry, no. connect C to B instead": the second replaces it
                steps[-1:] = instead
                continue
            if _TAKE_BACK.match(piece) and not _APOLOGY_ONLY.match(piece):
                following = pieces[index + 1] if index + 1 < len(pieces) else ""
                then = _read_clause(following, names) if following else None
                steps.pop()
                added = last_command()
                if (
                    added is not None
                    and _WHOLE_TAKE_BACK.search(piece)
                    and _links_the_new_node(taken, added)
                ):
                    # "Add a warehouse in Tangier, fed by the plant. Actually skip that": the
                    # node goes with its link
                    steps.pop()
                    taken = Command(taken.intent, taken.params, taken.confidence, added.text)
                replaced = isinstance(then, list) and [c.intent for c in then] == [taken.intent]
                if not replaced or _SAYS_WHY_NOT.search(piece):
                    # "remove Incheon... wait, don't, keep it": nothing is done ("Actually
                    # forget that, we don't need it. Add a store in Milan.": that one is not)
                    steps.append(Act("cancelled", f"{taken.text}, {piece}", piece))
                continue
        if (
            taken is not None
            and taken.intent == "connect-nodes"
            and _ELIDED_LINK.match(piece)
            and _read_clause(piece, names) is None
        ):
            piece = f"connect {piece}"  # "connect Lyon to Turin, then Turin to Barcelona"
        cancelled = steps[-1] if steps and isinstance(steps[-1], Act) else None
        if cancelled is not None and cancelled.kind == "cancelled" and _KEEP_AS_IS.match(piece):
            # "Maybe bump Shantou to 22k? Actually no, leave it at 20k for now."
            steps[-1] = Act("cancelled", f"{cancelled.text}, {piece}", cancelled.topic)
            continue
        here_goes = _HERE_GOES.match(piece)
        if here_goes is not None:
            build_cue = True  # "Here goes: our sugar shack counts as a plant, ...": what follows
            piece = piece[here_goes.end() :]
        both_linked = _BOTH_LINKED.match(piece)
        if both_linked is not None:
            # "one in Ottawa, both stocked out of Montreal": the adds, then a link to each
            pieces[index + 1 : index + 1] = [both_linked.group("link")]
            piece = f"{both_linked.group('head')}, {both_linked.group('both')}"
            pieces[index] = piece  # (the link reads "both" at the end of the step before)
        counted_one = _COUNTED_ONE_IN.match(piece)
        if counted_one is not None:
            # "Two shops as well, one in Toronto" (and "one in Ottawa" next): a store there
            piece = f"add a {counted_one.group('type')} {counted_one.group('rest')}"
        if _THE_FOLLOWING.match(piece):
            build_cue = True  # "Kindly set up the following:": the items below are the requests
            continue
        if _BUILD_CUE.match(piece):
            build_cue = True  # "need to set up our chain real quick": what follows describes it
            continue
        if _GO_ON.match(piece):
            continue  # "ok let's actually do something": a cue, not a request
        if _ITEM_LABEL.fullmatch(piece):
            continue  # "Item 4: Export storage": the minutes' heading
        explained = last_command()
        if (
            explained is not None
            and explained.intent == "explain"
            and _GUESSES_THE_ANSWER.match(piece)
        ):
            # "How do you compute utilization? Is it throughput over capacity, or stock over
            # capacity?": the user's guess at the answer, part of the same question.
            continue
        if len(pieces) > 1 and re.match(r"^\W*(?:rather\sthan|instead\sof)\b", piece, re.I):
            continue  # "Rather than fund a new plant, raise ...": what is not asked
        new_subject = _NEW_SUBJECT_LINKS.search(piece)
        if new_subject is not None and not _terse_known(new_subject.group("place"), names):
            # "yung mango farms, supplier in General Santos, 8k kg, supplies the Davao plant":
            # a node not in the twin yet, with its size, and what it supplies
            pieces[index + 1 : index + 1] = [
                f"it {new_subject.group('verb')} {new_subject.group('target')}"
            ]
            piece = f"add a {new_subject.group('add')}"
        called = re.match(
            r"^(?P<head>.+?),?\s+and\s+(?P<tail>(?:call|name)\s(?:it|them)\s.+)$", piece, re.I
        )
        if called is not None and not _ADD_VERB_RE.search(called.group("head").lower()):
            # "Set the Helsingborg warehouse to 32,000 and call it Southern Depot": a change, then
            # a new name for the same node (after an add, "call it" names the new node)
            pieces[index + 1 : index + 1] = [called.group("tail")]
            piece = called.group("head")
        tail = re.match(r"^(?P<head>.+?),\s+(?P<tail>(?:and\s)?(?:they\s)?both\s.+)$", piece)
        if tail is not None and _BOTH_SUBJECT.match(tail.group("tail")):
            # "Please add them as suppliers, both are giving wheat to factory"
            pieces[index + 1 : index + 1] = [tail.group("tail")]
            piece = tail.group("head")
        two_sources = _TWO_SOURCES.match(piece)
        if two_sources is not None and all(
            gazetteer.find_places(two_sources.group(k))
            or _analyse(two_sources.group(k), names).names
            for k in ("a", "b")
        ):
            # "Both the Kumasi and the Sunyani stations deliver to it": a link from each
            target = two_sources.group("c")
            pieces[index + 1 : index + 1] = [f"ship from {two_sources.group('b')} to {target}"]
            piece = f"ship from {two_sources.group('a')} to {target}"
        both_subject = _BOTH_SUBJECT.match(piece)
        if (
            both_subject is not None
            and len([c for c in commands() if c.intent in _DEFAULT_SUFFIX]) >= 2
        ):
            # "Both deliver to the packhouse", "they both get them straight from Asheville",
            # "both are giving wheat to factory": the two nodes just added, linked
            other = (
                both_subject.group("out")
                or both_subject.group("object")
                or both_subject.group("into")
            )
            if both_subject.group("out") or both_subject.group("object"):
                piece = f"ship from the last two to {other}"
            else:
                piece = f"ship from {other} to the last two"
        elided = _elided_targets(piece)
        if elided is not None:
            # "Rename A to X, B to Y and C to Z": the verb said once, for each
            pieces[index + 1 : index + 1] = elided[1:]
            piece = elided[0]
        link_tail = _COMMA_LINK_TAIL.search(piece)
        if link_tail is not None and link_tail.start() > 0:
            # "Put them also please, all goes to the factory": the request, then its link
            pieces[index + 1 : index + 1] = [link_tail.group("tail")]
            piece = piece[: link_tail.start()]
        subject_link = _AND_SUBJECT_LINKS.search(piece)
        if subject_link is not None and subject_link.start() > 0:
            # "The flow is A -> B -> C, and C supplies all three shops": two links said
            pieces[index + 1 : index + 1] = [piece[subject_link.end() :]]
            piece = piece[: subject_link.start()]
        advice = _AND_ADVICE.search(piece)
        if advice is not None and advice.start() > 0:
            pieces[index + 1 : index + 1] = [piece[advice.end() :]]
            piece = piece[: advice.start()]
        by_group = _AND_BY_GROUP.search(piece)
        if by_group is not None and by_group.start() > 0:
            # "Total warehouse capacity, please, and capacity by region.": a second total, of
            # everything, grouped
            pieces[index + 1 : index + 1] = [piece[by_group.end() :]]
            piece = piece[: by_group.start()]
        comma_link = _COMMA_SUBJECT_LINKS.search(piece)
        if comma_link is not None:
            pieces[index + 1 : index + 1] = [piece[comma_link.end() :]]
            piece = piece[: comma_link.end()].rstrip(", ")
        there = _THEN_SHIPS_THERE.search(piece)
        if there is not None and _TYPE_RE.search(piece[: there.start()]):
            # "wh in berlin 15k units, poznan ships there": the add, then the link to it
            pieces[index + 1 : index + 1] = [there.group("link")]
            piece = piece[: there.start()]
        following = pieces[index + 1] if index + 1 < len(pieces) else ""
        subject = _TOWN_AT_THE_END.search(piece) if _SUBJECT_VERB.match(following) else None
        subject_town = gazetteer.lookup(subject["town"]) if subject is not None else None
        if (
            subject is not None
            and subject_town is not None
            and subject_town.city
            and _TYPE_RE.search(piece[: subject.start()])
        ):
            # "add a supplier in Guntur and a plant in Kochi, Guntur ships to Kochi": the adds,
            # then a link from a town they named ("Kochi, Guntur" is no one place)
            pieces[index + 1] = f"{subject['town']} {following}"
            piece = piece[: subject.start()]
        listed_late = _LISTED_LATE.search(piece)
        if listed_late is not None and listed_late.start() > 0:
            # "theres 2 showrooms, count them as stores: hamburg and munich": the list
            piece = listed_late.group("list")
        following_piece = pieces[index + 1] if index + 1 < len(pieces) else ""
        if (
            _SUBJECT_VERB.match(following_piece)
            and (_terse_place(piece) or _analyse(piece, names).names)
            and len(piece.split()) <= 3
        ):
            # "Esbjerg ships to the new one too": the subject, split from its verb
            pieces[index + 1] = f"{piece} {following_piece}"
            continue
        go_label = _GO_LABEL.match(piece)
        if go_label is not None and go_label.end() < len(piece):
            piece = piece[go_label.end() :]  # "ok ship it: 2nd 3PL wh in Poznan, 15k"
        to_be_entered = _TO_BE_ENTERED.match(piece)
        if to_be_entered is not None:
            # "The processing factory at Tema, 5,000 bags per month, shall be entered as a
            # plant": the minutes' way to ask for an add
            head = to_be_entered.group("head")
            cue = _PLACE_CUE.search(head)
            kind = to_be_entered.group("type")
            if cue is not None:
                piece = f"add a {kind} {head[cue.start() :]}" if kind else f"add {head}"
                resplit_entered = _split(piece)
                if len(resplit_entered) > 1:
                    # "... at Accra, 8,000 bags, receiving from Tema, is to be added": its link
                    pieces[index + 1 : index + 1] = resplit_entered[1:]
                    piece = resplit_entered[0]
        runs_out_of = _RUNS_OUT_OF.match(piece)
        if runs_out_of is not None:
            piece = f"add {piece[runs_out_of.end() :]}"  # "fulfilment runs out of a 3PL wh in X"
        arrow_after = _ARROW_AFTER_ADD.search(piece)
        if arrow_after is not None and _TYPE_RE.search(piece[: arrow_after.start()]):
            # "2nd 3PL wh in Poznan, 15k, Guangzhou -> Poznan": the add, then its lane
            pieces[index + 1 : index + 1] = [piece[arrow_after.end() :]]
            piece = piece[: arrow_after.start()]
        compared = _AS_X_IS.search(piece)
        if compared is not None and compared.start() > 0:
            piece = piece[: compared.start()]  # "supplied from the distillery as Glasgow is"
        kept_as_is = _BUT_KEEP_IT.search(piece)
        if kept_as_is is not None and kept_as_is.start() > 0:
            piece = piece[
                : kept_as_is.start()
            ]  # "cut it off from birmingham but keep it in the system"
        why = _TRAILING_REASON.search(piece)
        if why is not None and why.start() > 0:
            head = piece[: why.start()]
            if isinstance(_read_clause(head, names), list) and not isinstance(
                _read_clause(piece, names), list
            ):
                piece = head  # "Rerun the Pohang failure, now that Incheon is in": why
        formal = _FORMAL_REQUEST.match(piece)
        if formal is not None and formal.end() < len(piece):
            piece = piece[formal.end() :]  # "I request you to register it": the request
        possible = _IS_IT_POSSIBLE.match(piece)
        if possible is not None and re.match(rf"(?:{_VERBS})\b", piece[possible.end() :], re.I):
            piece = piece[possible.end() :]  # "Is possible to create our factory?": a request
        indirect = _INDIRECT_QUESTION.match(piece)
        if indirect is not None:
            # "Could you tell me what currency is set now?": the question it carries
            piece = piece[indirect.end() :].rstrip(" .!") + "?"
        as_said = _read_clause(piece, names) if "," in piece else None
        cut_at_comma = "," in piece and not isinstance(as_said, list)
        cut = _before_a_remark(piece, names) if cut_at_comma else None
        if cut is not None:
            # "Irvine set degraded, port labour problem in LA", "Increase factory capacity to
            # 1,800 MT, new decorticator line commissioned last week": what the request is,
            # then a remark about it; a remark that reads as a request of its own is next
            piece, remark = cut
            if _looks_like_a_request(remark, names):
                pieces[index + 1 : index + 1] = [remark]
        questions_label = _QUESTIONS_LABEL.match(piece)
        if questions_label is not None and questions_label.end() < len(piece):
            piece = piece[questions_label.end() :]
        as_another = _AND_X_AS_TYPE.search(piece)
        if as_another is not None and re.match(r"^\W*(?:\w+\W+){0,4}?add\b", piece, re.I):
            # "add Guangzhou as a supplier ... and Ho Chi Minh City as a 2nd supplier, 12k"
            pieces[index + 1 : index + 1] = [f"add {piece[as_another.end() :]}"]
            piece = piece[: as_another.start()]
        terse_parts = _AND_ANOTHER_TYPE.split(piece)
        if len(terse_parts) > 1 and all(
            (
                _TERSE_ADD.match(p)
                or _BARE_ADD.match(p)
                or re.match(r"^\W*(?:also\s)?add\b", p, re.I)
            )
            and gazetteer.find_places(p)
            for p in terse_parts
        ):
            # "dc rotterdam 15000 and dc philadelphia 9000": two adds said tersely
            pieces[index + 1 : index + 1] = terse_parts[1:]
            piece = terse_parts[0]
        thanks = _TRAILING_THANKS.search(piece)
        if thanks is not None and thanks.start() > 0:
            # "give me the overview please, gracias": the request, then the thanks
            pieces[index + 1 : index + 1] = [thanks.group("thanks")]
            piece = piece[: thanks.start()]
        two_targets = _TO_A_AND_B.match(piece)
        if two_targets is not None:
            # "ship to Birmingham and to Derby": a link to each
            head = two_targets.group("head")
            pieces[index + 1 : index + 1] = [f"{head}{two_targets.group('b')}"]
            piece = f"{head}{two_targets.group('a')}"
        if _CUE_ONLY.match(piece):
            continue  # "actually, remove the older store": the cue alone asks nothing
        if index == 0 and corrected.count("\n") >= 2 and _is_title(corrected, piece, names):
            continue  # "APAC build, phase 1" above a pasted plan: its title
        if _is_heading(corrected, piece):
            # "Suppliers\n  - Busan, 9k\n  - Kaohsiung, 6,500": a heading, and the type of
            # the places listed under it.
            kinds = [t[2] for t in _analyse(piece, names).types()]
            section = kinds[0] if len(kinds) == 1 else None
            heading = _read_clause(piece, names)
            # "Links" / "Remove:" above bullets: what the bullets are, not a request of its
            # own; a verb heading ("Remove:") is the verb of bullets that lack one.
            section_verb = piece if isinstance(heading, Clarification) and heading.intent else None
            if heading is None or isinstance(heading, Clarification) or section is not None:
                continue
            if not re.match(rf"^\W*(?:{_VERBS})\b", piece, re.IGNORECASE):
                continue  # "5. Settings" above "a. currency EUR": what the items are about
        elif section_verb is not None:
            alone = _read_clause(piece, names)
            if alone is None or _is_bare_reference(piece, alone):
                piece = f"{section_verb} {piece}"
        elif section is not None:
            listed = _PLACE_AND_SIZE.match(piece)
            if listed is not None and _terse_place(listed.group("place")):
                size = f", {listed.group('size').strip()} units" if listed.group("size") else ""
                word = _TYPE_WORD[_ADD_INTENT[section]]
                piece = f"add a {word} in {listed.group('place')}{size}"
        if _SIGN_OFF.match(piece) or (signed_off and len(piece.split()) <= 6):
            signed_off = True  # "Kind regards,\nAnna Schmidt": the signature too
            continue
        unknown_before, previous_unknown = previous_unknown, None
        courtesy = dialogue_act(_analyse(piece, names).masked) == "smalltalk" or _only_thanks(
            piece, names
        )
        if courtesy and letter and commands():
            continue  # "Dear Team, ... Many thanks for your kind cooperation."
        if courtesy and len(pieces) > 1 and _APOLOGY_ALONE.match(piece):
            continue  # "..., not Negombo. Regret the error.": courtesy, not a step of its own
        if courtesy or piece == header:
            # "Hi!", "Thanks.", "Morning, EU setup:" beside requests: courtesy and headings.
            steps.append(Act("smalltalk", piece))
            continue
        next_is = _NEXT_IS.match(piece)
        if next_is is not None and _TYPE_RE.match(piece, next_is.end()):
            piece = f"add a {piece[next_is.end() :]}"  # "Next is cold warehouse in Warszawa"
        last_add = _last_add(steps)
        if last_add is not None and _SAME_AGAIN.match(piece):
            # "Add a warehouse in Rotterdam, then one in Antwerp": the same type again.
            piece = _SAME_AGAIN.sub(f"add a {_TYPE_WORD[last_add.intent]} ", piece, count=1)
        last_listed = last_command()
        listed_kind = last_listed.params.get("node_type") if last_listed is not None else None
        if (
            last_listed is not None
            and last_listed.intent == "list-nodes"
            and isinstance(listed_kind, str)
            and _WHICH_IS_MOST.match(piece)
        ):
            # "How many DCs do we have, and which is the biggest?": the biggest of those
            piece = _WHICH_IS_MOST.sub(f"which {DEFAULT_NAME_WORD[listed_kind]} ", piece, count=1)
        participle = _PARTICIPLE.match(piece)
        step_before = steps[-1] if steps else None
        asked_where = (
            isinstance(step_before, Clarification) and step_before.intent in _DEFAULT_SUFFIX
        )  # ("add another wh 10k, fed by the mfg": the link waits with the add for its place)
        if participle is not None and (_last_add(steps) is not None or asked_where):
            # "..., feeding the Hamburg warehouse": the node just added is one end.
            rest = piece[participle.end() :]
            asked_next = _AND_ANOTHER_ASK.search(rest)
            if asked_next is not None:
                # "fed from Adelaide, and block out my calendar on Friday": a request of its own
                pieces.insert(index + 1, rest[asked_next.end() :])
                rest = rest[: asked_next.start()]
            if re.fullmatch(r"\s*(?:that|this)\sone\W*", rest, re.IGNORECASE):
                # "..., and a DC fed by that one": the node before the new one, or the one
                # "that one" meant as the turn began (the other end of a link made with "it")
                rest = "the other one"
            elif re.fullmatch(r"\s*(?:it|that|this)\W*", rest, re.IGNORECASE):
                # "..., and a DC in Memphis fed by it": "it" is the node before the new one.
                rest = "the other"
            elif re.fullmatch(r"\s*(?:both|them|all\sof\sthem|those|all\sthree)\W*", rest, re.I):
                rest = "them"  # "plant in Penang fed by both": the nodes before it
            elif re.fullmatch(r"\s*(?:us|me|our\splace)\W*", rest, re.I):
                rest = "the plant"  # "..., and show that they supply us": the user's own plant
            # "Add both as suppliers feeding the roastery" (not "add them as a DC", one
            # company: "them" is the node's owner)
            them_as = _ADD_THEM_AS.match(pieces[index - 1]) if index > 0 else None
            if them_as is not None and re.search(r"\sas\san?\s", them_as.group(), re.I):
                them_as = None
            # "..., one in Miami and one in Tokyo, both supplied from San Antonio": them all.
            both = index > 0 and (
                re.search(
                    r"\b(?:both|all(?:\s(?:two|three|four|five))?|each)\W*$",
                    pieces[index - 1],
                    re.I,
                )
                or them_as
            )
            it = "them" if both else "it"
            if (
                re.match(r"^\W*(?:and\s+)?they\s", piece, re.IGNORECASE)
                and len(
                    [s for s in steps if isinstance(s, Command) and s.intent in _DEFAULT_SUFFIX]
                )
                >= 2
            ):
                # "Add stores in Stavanger and Drammen and have them get their stock from ...":
                # the nodes just added, all of them
                it = "them"
            if both and both.group().lower().startswith(("both", "all two")):
                it = "the last two"  # "stores in Geneva and Lausanne, both stocked from Zurich"
            elif both and re.match(r"all\s(?:three|four|five)", both.group(), re.I):
                it = f"the last {both.group().split()[1].lower()}"
            piece = (
                f"ship from {rest} to {it}"
                if participle.group("into")
                else f"ship from {it} to {rest}"
            )
        if _LABEL_PREFIX.match(piece) and not _BARE_ADD.match(piece) and piece != header:
            # "For the audit: list all our suppliers", "ok let's go: supplier in Mumbai": the
            # label says why, the rest what.
            piece = _LABEL_PREFIX.sub("", piece, count=1)
        elif (label := _ANY_LABEL.match(piece)) is not None and piece != header:
            # "Coking coal next: supplier in Newcastle, ...": any short label, when the words
            # after it are a request and the whole step is not.
            rest = piece[label.end() :]
            if _read_clause(piece, names) is None and (
                _read_clause(rest, names) is not None or _BARE_ADD.match(rest)
            ):
                piece = rest
                resplit = _split(rest)
                if len(resplit) > 1:
                    # "One last thing: a DC in Frankfurt, 5,000 copies, fed by Leipzig": the
                    # rest splits as a message of its own would
                    pieces[index + 1 : index + 1] = resplit[1:]
                    piece = resplit[0]
        typed = _TYPED_SECTION.match(piece)
        if typed is not None and not _all_places(typed.group("items")):
            # "Now the suppliers: a washing station co-op in Addis Ababa, 4,000 bags, and an
            # exporter in Medellín, 6,000 bags": each item that says where is one of them.
            kinds = [t[2] for t in _analyse(typed.group("type"), names).types()]
            items = [_PLACE_CUE.search(item) for item in _NEXT_ITEM.split(typed.group("items"))]
            if len(kinds) == 1 and items and all(i is not None for i in items):
                word = _TYPE_WORD[_ADD_INTENT[kinds[0]]]
                adds = [f"add a {word} {i.string[i.start() :]}" for i in items if i is not None]
                pieces[index + 1 : index + 1] = adds[1:]
                piece = adds[0]
        listed_type = _TYPE_LIST.match(piece)
        if listed_type is not None and _all_places(listed_type.group("places")):
            piece = f"add {listed_type.group('type')} in {listed_type.group('places')}"
        open_place = _PLACE_OPEN.match(piece)
        if open_place is not None:
            kinds = [t[2] for t in _analyse(open_place.group("type"), names).types()]
            if len(kinds) == 1:
                piece = f"add a {_TYPE_WORD[_ADD_INTENT[kinds[0]]]}"
        terse = _TERSE_ADD.match(piece)
        if terse is not None and _terse_place(terse.group("rest")):
            piece = re.sub(r"^\W*(?:(?:and|then|also|plus|next|add)\s+)?", "", piece)
            piece = piece.replace(terse.group("rest"), f"in {terse.group('rest')}", 1)
            piece = f"add {piece}"
        elif (
            (_BARE_ADD.match(piece) or _A_TYPE.match(piece))
            and not _TROUBLE_THERE.match(piece)
            and not re.match(r"^\W*(?:both|all)\b", piece, re.IGNORECASE)  # "both sups feed it"
        ):
            # "dc in chicgo 15k", "plant in Wroclaw, name it Silesia Works": a node said
            # with its place and no verb is an add.
            piece = f"add {piece}"
        if len(commands()) > MAX_STEPS:
            break  # enough to know there are too many steps
        last = last_command()
        after_add = last is not None and last.intent in _ADD_INTENT.values()
        if after_add and _RESTATED_ADD.match(piece):
            continue
        if last is not None and last.intent == "update-node" and _RESTATED_ADD.match(piece):
            continue  # "the press in Leipzig manages 40,000 a month. Please put that in."
        asked_again = _RESTATED_UPDATE.match(piece)
        if last is not None and last.intent == "update-node" and asked_again is not None:
            value = parse_number(asked_again.group("n")) if asked_again.group("n") else None
            if value is None or value == last.params.get("capacity"):
                continue  # "Miki farmers can give only 100 tonnes. Please change to 100."
        added_as = _ADD_AS_TYPE.match(piece)
        if after_add and last is not None and added_as is not None:
            kinds = [t[2] for t in _analyse(added_as.group("type"), names).types()]
            if kinds and _ADD_INTENT[kinds[0]] == last.intent:
                continue  # "COLD STORE IN CALLAO 12000, ADD AS WAREHOUSE": said again
        sized = _SIZE_AFTER.search(piece)
        if after_add and last is not None and sized and _RESTATED_ADD.match(piece[: sized.start()]):
            # "Please enter it, capacity 7,500 casks": the node just added, with its size
            restated = _capacity(piece, None)
            if restated is not None and "capacity" not in last.params:
                steps[-1] = Command(
                    last.intent, {**last.params, "capacity": restated}, last.confidence, last.text
                )
            continue

        if (
            _THERE.search(piece)
            and not gazetteer.find_places(piece)
            and _TYPE_RE.search(piece)
            and not re.search(r"\b(?:send|ship|deliver|feed|suppl|move|truck)\w*\b", piece, re.I)
        ):
            # "We roast coffee in Melbourne. Add our roastery there": the place said before.
            said_before = [
                earlier[span[0] : span[1]]
                for earlier in pieces[:index]
                for span, _place in gazetteer.find_places(earlier)
            ]
            if said_before:
                piece = _THERE.sub(f"in {said_before[-1]}", piece, count=1)
        if (after_add or not gazetteer.find_places(piece)) and _SENDS_THERE.search(piece):
            # "X sends everything there"
            piece = _SENDS_THERE.sub(r"\g<verb>\g<what> to it\g<end>", piece)
        names = _with_new_names(names, commands())
        outcome = _read_clause(piece, names)
        if _asked_of_a_node(piece, outcome, corrected):
            # "Pune operational?", "lyon still degraded?": how the node is, asked, not a change
            assert isinstance(outcome, list)
            outcome = [
                dataclasses.replace(c, intent="get-node-details", params={"node": c.params["node"]})
                for c in outcome
            ]
        following = pieces[index + 1] if index + 1 < len(pieces) else ""
        if (
            _is_bare_reference(piece, outcome)
            and _POINTS_BACK.search(following)
            and not _ADD_THEM_AS.match(piece)  # ("Could you add both as suppliers and ...")
        ):
            # "Now the Guadalajara supplier, get rid of it.": the node the next step means.
            not_understood.append(piece)
            steps.append(Act("unknown", piece))
            previous_unknown = piece
            continue
        if piece.startswith("because ") and not isinstance(outcome, list):
            reason = piece
            continue  # the reason given for the next step, not a request
        if (
            isinstance(outcome, list)
            and following
            and _only_says_why(piece, outcome, following, names)
        ):
            # "Most of it moves by rail, so add rail as a shipping method": the reason reads
            # like the request it leads to; the request is said once, after it.
            reason = piece
            continue
        if (
            isinstance(outcome, list)
            and _FACT.match(piece)
            # ("How loaded is the Hyderabad plant, and what would you recommend for it?": a
            # question of its own)
            and not re.match(r"^\W*(?:how|what|which|where|who|why|when)\b", piece, re.IGNORECASE)
            and _POINTS_BACK.search(following)
            and all(c.intent not in CHANGING_INTENTS for c in outcome)
            and _antecedent(piece, names) is not None
        ):
            # "Miami is the one I worry about most. What feeds that one?": a statement that
            # names the node the next step points back at, not an analysis of its own.
            not_understood.append(piece)
            steps.append(Act("unknown", piece))
            previous_unknown = piece
            continue
        if reason is not None and re.search(r"\bthere\W*$", piece, re.IGNORECASE):
            # "I think it should supply Rotterdam Warehouse, so please connect it there"
            said = _analyse(reason, names)
            named = {said.text[r.start : r.end] for r in said.node_refs() if r.ref.kind == "name"}
            if len(named) == 1:
                piece = re.sub(r"\s+(?:to\s+)?there(\W*)$", rf" to {named.pop()}\1", piece)
                outcome = _read_clause(piece, names)
        elif reason is not None and (
            any(re.search(pointer, piece, re.IGNORECASE) for pointer, _ in _REASON_POINTERS)
            # "Chihuahua fixed their press line last week, so set them back to operational":
            # the one site the reason names, spoken of as a company ("they")
            or (
                re.search(r"\bthem\b", piece, re.IGNORECASE)
                and re.search(r"\b(?:they|their|them)\b", reason, re.IGNORECASE)
            )
        ):
            # "the bottles end up at our winery, Bodega Alta, so please link that supplier to
            # it": "it" is the node the reason names.
            said = _analyse(reason, names)
            named = {
                said.text[r.start : r.end] for r in said.node_refs() if r.ref.kind != "pronoun"
            }
            reason_town = said.lone_place(city=True)
            if not named and reason_town is not None and names.named_after(reason_town.ref.text):
                # "We've decided against Adelaide for now, so please take that one off"
                named = {reason_town.ref.text}
            if len(named) == 1:
                # ("The Wakefield shop is closing, so remove it": the shop, even if there is
                # no such node: then it fails, rather than "it" being the node talked about.)
                pointer, template = next(
                    ((p, t) for p, t in _REASON_POINTERS if re.search(p, piece, re.I)),
                    (r"\bthem\b", "{}"),
                )
                node_said = template.format(named.pop()).replace("\\", "\\\\")
                piece = re.sub(pointer, node_said, piece, count=1, flags=re.IGNORECASE)
                outcome = _read_clause(piece, names)
        if (
            reason is not None
            and isinstance(outcome, Clarification)
            and outcome.intent == "connect-nodes"
            and _THAT_LINK_BOTH_WAYS.search(piece)
        ):
            # "the Leicester warehouse ships refurbished stock back to London, so make that
            # link two-way": the link the reason describes, both ways.
            link_said = _read_clause(reason[len("because ") :], names)
            if isinstance(link_said, list) and [c.intent for c in link_said] == ["connect-nodes"]:
                link = link_said[0]
                outcome = [
                    Command(
                        link.intent, {**link.params, "bidirectional": True}, link.confidence, piece
                    )
                ]
        described_in = reason[len("because ") :] if reason is not None else unknown_before
        stated = last_command()
        if (
            described_in is None
            and stated is not None
            and stated.text == last_piece
            and _CONTEXT.match(last_piece)
        ):
            # "We also buy from a supplier in Kulim, about 2,500 a month. Add that one too.":
            # the statement before described the node; it was not a request of its own.
            described_in = last_piece
        else:
            stated = None
        them_as = _ADD_THEM_AS.match(piece)
        if them_as is not None and index > 0:
            # "Our customers are three bakeries, in Birmingham, Derby and Sheffield. Could you
            # add them as stores?": one of that type at each place the words before named
            as_type = _TYPE_RE.search(them_as.group("type"))
            described_text = ". ".join(pieces[:index])
            cities = _cities_in(described_text)
            # the sizes said after the request, or with the places before it ("3 pickers
            # groups: Savelugu 150 tonnes, Yendi 120, Bolgatanga 200. add them as suppliers")
            sizes = {
                gazetteer.fold(city): size
                # ("Could you add them as suppliers? Rotorua gives us about 4,000 jars a week and
                # Palmerston North about 2,500.": the sizes in the sentence after)
                for said in (described_text, piece[them_as.end() :], *pieces[index + 1 : index + 2])
                for city, size in re.findall(
                    r"([A-Z][\w'.-]*(?:\s(?:[A-Z][\w'.-]*|de|do|da|del|la|el))*)"
                    r"(?:,?\s+(?:gives|give|does|makes|supplies|sends|ships|has|us|at|about|around"
                    r"|roughly|approximately|some|maybe)){0,3},?\s+(\d[\d,.]*\s?k?)\b"
                    r"(?!\s*(?:%|per\s?cent))",
                    said,
                )
            }
            if len(cities) == 1 and gazetteer.fold(cities[0]) not in sizes:
                # "a farmers' co-operative in Wrexham, roughly 5,000 kg a month": its size
                # ("Could you add them as one supplier there, roughly 20,000 kg a month?")
                its_size = _capacity(described_text, None) or _capacity(
                    piece[them_as.end() :], None
                )
                if its_size is not None:
                    sizes[gazetteer.fold(cities[0])] = f"{its_size:.0f}"
            for sentence in re.split(r"(?<=[.!?])\s+", described_text) if len(cities) > 1 else ():
                # "Our cotton yarn from Denizli comes, there is a supplier, 12,000 kg monthly.":
                # one town and one size in a sentence go together
                said_towns, said_sizes = _cities_in(sentence), _A_SIZE.findall(sentence)
                if len(said_towns) == 1 and len(said_sizes) == 1:
                    sizes.setdefault(gazetteer.fold(said_towns[0]), said_sizes[0])
            if len(cities) > 1 and _EACH_OF_THEM.search(described_text):
                # "growers in Nyeri and Kisii, roughly 3,000 kg a day each": every one's size
                each = _capacity(described_text, None)
                for city in cities if each is not None else ():
                    sizes.setdefault(gazetteer.fold(city), f"{each:.0f}")
            link_after = _THEN_A_LINK.search(piece[them_as.end() :])
            if link_after is not None:
                # "..., add them as suppliers abeg and all of them supply the plant": the link
                pieces[index + 1 : index + 1] = [link_after.group("rest")]
            if as_type is not None and as_type.lastgroup is not None and cities:
                word = _TYPE_WORD[_ADD_INTENT[as_type.lastgroup]]
                new_nodes: list[Command] = []
                for city in cities:
                    given = sizes.get(gazetteer.fold(city))
                    amount = f", capacity {given}" if given else ""
                    got = _read_clause(f"add a {word} in {city}{amount}", names)
                    new_nodes += got if isinstance(got, list) else []
                if new_nodes:
                    for unread in list(not_understood):
                        _forget(steps, not_understood, unread)
                    steps = [
                        s
                        for s in steps
                        if not isinstance(s, Command) or s.intent in _DEFAULT_SUFFIX
                    ]
                    steps.extend(new_nodes)
                    unknown_before = reason = None
                    continue
        statements = all(
            _CONTEXT.match(c.text) or c.intent == "connect-nodes" for c in commands()
        )  # "We buy cocoa from suppliers in Accra, ...": read as links, said as a description
        read_whole = False
        if index > 0 and statements and _MODEL_THAT.match(piece):
            several = _described_nodes(". ".join(pieces[:index]), names)
            if several:
                read_whole = True
                read = [_read_clause(add, names) for add in several]
                outcome = [c for r in read if isinstance(r, list) for c in r]
                said_links = [
                    s for s in steps if isinstance(s, Command) and s.intent == "connect-nodes"
                ]
                if _AND_THAT_LINK.search(piece) or len(several) == 1:
                    # "enter both the supplier and that arrangement", "a DC in Rotterdam,
                    # supplied from Callao. Add that.": the link said too
                    outcome += said_links
                for unread in list(not_understood):
                    _forget(steps, not_understood, unread)
                steps = [s for s in steps if not isinstance(s, Command)]
                unknown_before = described_in = reason = None
        as_type = _ADD_IT_AS.match(piece)
        if (
            described_in is None
            and as_type is None
            and index > 0
            and _ADD_THAT.match(piece)
            and commands()
            and not any(c.intent in _DEFAULT_SUFFIX for c in commands())
            and any(_described_node(p, names) is not None for p in pieces[:index])
        ):
            # "Then there is a warehouse in Utrecht, 20000 bags, Venlo is sending to there.
            # Please add also.": the description before is the node, its link was read
            described_in = next(
                p for p in reversed(pieces[:index]) if _described_node(p, names) is not None
            )
            if described_in in not_understood:
                unknown_before = described_in
        if as_type is not None or (
            described_in is None
            and index > 0
            and _ADD_THAT.match(piece)
            and not commands()
            and not read_whole  # (a description already read whole above: "Add that.")
        ):
            # "I am logistic manager in pasta factory in Kostanay. Factory capacity is 7
            # thousand tonnes per month. Please add it.", "The mill grinds about 400 tonnes a
            # year, add it as a plant please": all that was said before describes it
            described_in = described_in or ". ".join(pieces[:index])
        if described_in is not None and (_ADD_THAT.match(piece) or as_type is not None):
            # "our glass comes from a supplier in Rosario, ..., so please add that supplier",
            # "we buy our glass from a supplier in Rotterdam, add that too": the node to add
            # is the one the words before describe.
            described = _described_node(described_in, names)
            if described is None and _TYPE_RE.search(piece):
                # "we are making sofas in Bydgoszcz, around 8000 pieces per month. Please add
                # this factory.": the kind said in the request, the place and size before it
                described = _described_node(f"{described_in}. {piece}", names)
            if described is None and index > 1 and not commands():
                # the place was said a sentence earlier than the size
                described = _described_node(". ".join(pieces[:index]), names)
            if described is not None and as_type is not None:
                kinds = [t[2] for t in _analyse(as_type.group("type"), names).types()]
                if kinds:
                    described = re.sub(
                        r"^add a [\w ]+? in ",
                        f"add a {_TYPE_WORD[_ADD_INTENT[kinds[0]]]} in ",
                        described,
                    )
            said_size = _capacity(piece, None)
            if described is not None and said_size is not None and ", capacity" not in described:
                described += f", capacity {said_size:.0f}"
            if described is None and as_type is None:
                # "The potatoes we are getting from a farmer in Zwolle, he has 80000 kg a month.
                # Add him also": the site the words before describe, by what they name
                framed = _read_frames(described_in, names, commands(), building=True)
                if framed and all(c.intent in _LINKS_AND_ADDS for c in framed):
                    outcome = framed
                    if unknown_before is not None and reason is None:
                        _forget(steps, not_understood, unknown_before)
                        unknown_before = None
            if described is not None:
                outcome = _read_clause(described, names)
                flow = _TO_WHICH.search(described_in)
                if isinstance(outcome, list) and flow is not None:
                    # "..., to which the distillery ships its output. Please record it."
                    flow_link = _read_clause(f"ship from {flow.group('source')} to it", names)
                    outcome = outcome + (flow_link if isinstance(flow_link, list) else [])
                if stated is not None and outcome and stated in steps:
                    steps.remove(stated)
                if outcome:
                    # "The foam we buy from supplier in Lublin, 20000 units per month. Add him
                    # also": the description was asked about as a link; the add reads it
                    steps = [
                        s
                        for s in steps
                        if not (isinstance(s, Clarification) and s.text in described_in)
                    ]
                if unknown_before is not None and reason is None:
                    _forget(steps, not_understood, unknown_before)
                    unknown_before = None
        reason = None
        asks_what_happens = _ASKS_WHAT_HAPPENS.match(piece) is not None
        if (outcome is None or isinstance(outcome, Clarification)) and asks_what_happens:
            last = last_command()
            if last is not None and last.intent in SIMULATION_INTENTS:
                continue  # "..., what happens downstream?": the simulation's answer says
        question = steps[-1] if steps else None
        if (
            isinstance(question, Clarification)
            and question.intent in _DEFAULT_SUFFIX
            and not isinstance(outcome, list)
        ):
            # "Is possible to create our factory? We process cashew in Nampula, 8000 tonnes":
            # the one town the next step names is where, its size the size
            towns = [p for p in _analyse(piece, names).free_places() if p[2].city]
            if len(towns) == 1 and len(piece.split()) > 3:  # ("Hsinchu. 10k.": read below)
                said_size = _capacity(piece, None)
                amount = f", capacity {said_size:.0f}" if said_size is not None else ""
                town = piece[towns[0][0] : towns[0][1]]
                filled = _read_clause(f"{question.text} in {town}{amount}", names)
                if isinstance(filled, list) and filled and filled[0].intent == question.intent:
                    steps[-1:] = filled
                    continue
        answer = _PLACE_AND_SIZE.match(piece)
        if (
            outcome is None
            and isinstance(question, Clarification)
            and question.intent in _DEFAULT_SUFFIX
            and answer is not None
            and _terse_place(answer.group("place"))
        ):
            # "Add a second plant. Hsinchu. 10k.": the place the question asked for.
            size = f", {answer.group('size').strip()} units" if answer.group("size") else ""
            filled = _read_clause(f"{question.text} in {answer.group('place')}{size}", names)
            if isinstance(filled, list) and filled and filled[0].intent == question.intent:
                steps[-1:] = filled
                continue
        if isinstance(outcome, Act):
            steps.append(outcome)
            continue
        # "... add a factory in Monterrey? I think it makes about five thousand units.": the
        # capacity of the node just added, even where "it makes" reads like a question.
        # ("a shop in Abuja that buys from the Lagos warehouse. I'm not sure of its size,
        # let's say 1,500 bags.": the add before the link it was said with)
        add_at = len(steps) - 1
        while add_at > 0 and _command_intent(steps[add_at]) == "connect-nodes":
            add_at -= 1
        add_said = steps[add_at] if steps else None
        to_size = (
            add_said
            if isinstance(add_said, Command) and add_said.intent in _ADD_INTENT.values()
            else None
        )
        completed = _capacity_for(_UNSURE_LEAD.sub("", piece), to_size) if to_size else None
        if completed is not None and outcome and not _is_details(outcome):
            completed = None
        if completed is not None:
            steps[add_at] = completed
            continue
        if outcome is None:
            # "Add a supplier in Jakarta! Then a warehouse in Singapore.": the verb carries on;
            # "a supplier in Hamburg, about 8,000 units a month": a node said alone is an add.
            bare = _FILLER.sub("", piece).strip()
            starts = re.match(r"(?:an?|another|one\smore|one|new)\s", bare, re.IGNORECASE)
            if starts and _TYPE_RE.search(bare) and (after_add or gazetteer.find_places(bare)):
                outcome = _parse_step(f"add {bare}", names)
        if outcome is None and _ANY_OF_THOSE.match(piece):
            # "what is a single point of failure, and do I have any?": the analysis that
            # finds what was just defined.
            topic = _last_help_topic(steps)
            if topic is not None:
                outcome = [Command(topic, {}, 0.8, piece)]
        if outcome is None:
            stripped = _FILLER.sub("", piece).strip()
            if stripped:
                again = _read_clause(stripped, names) if stripped != piece else None
                if _is_bare_reference(stripped, again) and _POINTS_BACK.search(following):
                    again = None  # "Now the Guadalajara supplier, get rid of it."
                if isinstance(again, Act):
                    steps.append(again)
                    continue
                if isinstance(again, Clarification):
                    steps.append(again)
                    continue
                if again:
                    steps.extend(again)
                    continue
            simulated = _what_if_in_own_words(piece, names)
            if simulated is not None:
                # "if Chumphon farm stop 2 week, how much problem?": a node, what stops it
                steps.extend(simulated)
                last_piece = piece
                continue
            framed = (
                _read_frames(piece, names, commands(), building=build_cue or bool(known_names))
                if not any(
                    _adds_what_was_said(later)
                    # ("a warehouse in Utrecht, ..., Venlo is sending to there. Please add
                    # also": a description that names two places is read here, by its frame)
                    and not (_ADD_THAT.match(later) and _described_node(piece, names) is None)
                    for later in pieces[index + 1 :]
                )
                else None
            )
            if framed:
                # "Beans come from an importer in Oslo, 5,000 kg": no rule knows the shape,
                # but what it names (a site, a place, a size, a flow) says what it asks
                steps.extend(framed)
                last_piece = piece
                continue
            if not _is_filler(piece):
                not_understood.append(piece)
                steps.append(Act("unknown", piece))
                previous_unknown = piece
            continue
        if isinstance(outcome, Clarification):
            context = unknown_before or (last_piece if commands() else None)
            if context is not None and _reads_alone(context):
                context = None  # (see _reads_alone)
            joined = _read_with(context, piece, names) if context is not None else None
            if joined is not None and unknown_before is not None:
                # "We're moving into pharma, set the industry accordingly": one request.
                _forget(steps, not_understood, unknown_before)
                steps.extend(joined)
                last_piece = f"{unknown_before}, {piece}"
                continue
            placed = _read_at_place(unknown_before, piece, outcome, names)
            if (
                placed is None
                and index > 0
                and steps
                and isinstance(steps[-1], Act)  # (the step before asked nothing of the twin)
                and re.search(r"\bthere\b", piece, re.IGNORECASE)
            ):
                # "What's the weather forecast for Bergen? If a storm closes the port there
                # for 4 days, ...": "there" is the place the step before named
                at_the_place = _read_at_place(pieces[index - 1], piece, outcome, names)
                if at_the_place is not None:
                    steps.extend(at_the_place)
                    last_piece = piece
                    continue
            if placed is not None and unknown_before is not None:
                # "Dockworkers at Long Beach just walked out. What if the port stays shut for
                # two weeks?": the place the question lacks is the one just named.
                _forget(steps, not_understood, unknown_before)
                steps.extend(placed)
                last_piece = piece
                continue
            last = last_command()
            if joined is not None and last is not None and joined[0].intent == last.intent:
                # "dock workers walked out in Felixstowe, simulate 5 days of that": the
                # step refines the one before.
                steps[-1:] = joined
                last_piece = f"{last_piece}, {piece}"
                continue
            if _restates(outcome, piece, commands()):
                continue
            currency = _CURRENCY_RE.search(piece) if outcome.intent == "update-node" else None
            if currency is not None and not _analyse(piece, names).node_refs()[1:]:
                # "Please change it to Japanese yen": the currency, whatever "it" was
                setting = _read_clause(f"set the currency to {currency.group()}", names)
                if isinstance(setting, list) and setting:
                    steps.extend(setting)
                    last_piece = piece
                    continue
            if outcome.intent in _LINKS_AND_ADDS:
                # "all send to packing house": a link the rules could not finish
                framed = _read_frames(
                    piece, names, commands(), building=build_cue or bool(known_names)
                )
                if framed and outcome.intent in {c.intent for c in framed}:
                    steps.extend(framed)
                    last_piece = piece
                    continue
            steps.append(outcome)
            asked_before = piece
            continue
        asked, asked_before = asked_before, None
        if (
            asked is not None
            and unknown_before is None
            and steps
            and isinstance(steps[-1], Clarification)
        ):
            # "we closed the Valencia site last quarter, take it off the map": the step that
            # was asked about names the node "it" means, and this step says what to do.
            node = _antecedent(asked, names)
            pointed = _point_back(outcome, node) if node is not None else None
            if pointed is not None:
                steps.pop()
                outcome = pointed
        if unknown_before is not None:
            # "Berlin Plant's having issues, mark it degraded": "it" is the node just named.
            node = _antecedent(unknown_before, names)
            pointed = _point_back(outcome, node) if node is not None else None
            if pointed is None and len(outcome) == 1 and not _reads_alone(unknown_before):
                # "Acme Components shipped faulty parts, simulate the recall": one request.
                # ("Please add it, and Braga Plant ships to it": the add asked again, and its
                # node is "it"; read together they made a link from "it" to Braga Plant)
                joined = _read_with(unknown_before, piece, names)
                if joined is not None and joined[0].intent == outcome[0].intent:
                    pointed = joined
            if pointed is not None:
                outcome = pointed
                _forget(steps, not_understood, unknown_before)
        if all(c.intent in SIMULATION_INTENTS and c.confidence <= 0.6 for c in outcome):
            # "What happen to the factory if Monapo don't send nothing for one month?": the
            # node and what stops it, not a guessed scene at a place
            outcome = _what_if_in_own_words(piece, names) or outcome
        # (what a description was read as whole, "two little shops, one in Halifax and one in
        # Saint John. Could you add those too", is not read again by the frames of the request)
        framed = (
            None
            if read_whole
            else _framed_better(piece, outcome, names, commands(), build_cue or bool(known_names))
        )
        steps.extend(framed or outcome)
        last_piece = piece
    if build_cue:
        # "need to set up our chain. sofas come out of a factory in poznan, 6k": after the
        # user said they are building, what they describe is what to add.
        for unread in list(not_understood):
            described_now = _adds_described(unread, names)
            at = next(
                (i for i, x in enumerate(steps) if isinstance(x, Act) and x.text == unread), None
            )
            if described_now and at is not None:
                steps[at : at + 1] = described_now
                not_understood.remove(unread)
    for unread in list(not_understood):
        # "Cotton from Adana we buy, supplier is there, 25,000 kg one month. Adana to Denizli
        # please connect.": the node described is an end of the link asked for, added first
        at = next((i for i, x in enumerate(steps) if isinstance(x, Act) and x.text == unread), None)
        if at is None:
            continue
        ends = _new_towns_linked(steps[at + 1 :], names)
        described_now = [
            c
            for c in _adds_described(unread, names)
            if isinstance(c.params.get("place"), Place)
            and gazetteer.fold(c.params["place"].city or "") in ends
        ]
        if described_now:
            steps[at : at + 1] = described_now
            not_understood.remove(unread)
    if any(c.intent not in _SETTINGS for c in commands()):
        # "We make EV battery cells in Ulsan. What if ...": what the business makes, said
        # beside a request, is context; said alone ("we make cars") it names the industry.
        steps = [
            s
            for s in steps
            if not (
                isinstance(s, Command)
                and s.intent == "set-industry"
                and _MAKES.search(s.text)
                and not _NAMES_THE_INDUSTRY.search(s.text)
            )
        ]
    steps = _drop_topic_pronouns(steps)
    steps = _taken_back(steps)
    steps = _cancel_pointed(steps)
    steps = _cancel_named_add(steps)
    steps = _it_of_the_taken_back(steps, names)
    found = commands()
    if any(not _is_hedge(c) for c in found):
        steps = [s for s in steps if not (isinstance(s, Command) and _is_hedge(s))]
    if not steps:
        if _COURTESY.search(cleaned):
            return ParseResult(steps=(Act("smalltalk", cleaned),))  # "great, thanks, ciao"
        return ParseResult()
    steps = [
        _bind_type_to_place(_bind_update_to_town(_bind_to_place(s, names), names), names)
        if isinstance(s, Command)
        else s
        for s in steps
    ]
    acted = commands() or any(
        (isinstance(s, Act) and s.kind not in ("unknown", "smalltalk"))
        or (isinstance(s, Clarification) and s.intent is not None)
        for s in steps
    )
    if commands():
        # "Hi, I coordinate supplies for St Mary's hospital in Leeds. Could you add our
        # supplier in Manchester?": a statement about the user that only half reads as a
        # request (and would be asked about) is context beside the real requests.
        steps = [s for s in steps if not (isinstance(s, Clarification) and _is_statement(s.text))]
    steps = _without_reported_states(steps, names)
    if not_understood and acted:
        asides = {
            p
            for p in not_understood
            if _is_aside(p, names)
            or _sets_the_scene(p, commands())
            or not _looks_like_a_request(p, names)
        }
        asides -= {p for p in asides if _asks_a_capability(p)}
        if asides:
            # "where could things break? show me the risks", "Nobody hurt.": an aside that asks
            # for nothing the twin could do is skipped beside the understood parts; confidence
            # drops.
            penalty += 0.15
            steps = [
                s
                for s in steps
                if not (isinstance(s, Act) and s.kind == "unknown" and s.text in asides)
            ]
        # The understood parts run; an unclear request is asked about where it stood, and a
        # question whether the tool can do something it cannot is answered that it cannot.
        steps = [
            (_cannot(s.text) if _asks_a_capability(s.text) else _unclear(s.text))
            if isinstance(s, Act) and s.kind == "unknown"
            else s
            for s in steps
        ]
        steps = _without_reported_states(steps, names)
    elif not commands() and all(
        isinstance(s, Act) and s.kind in ("unknown", "smalltalk") for s in steps
    ):
        cannot = [
            _cannot(s.text)
            for s in steps
            if isinstance(s, Act) and s.kind == "unknown" and _asks_a_capability(s.text)
        ]
        if cannot:
            return ParseResult(steps=tuple(cannot))  # "can you obtain the certificate here?"
        if _COURTESY.search(cleaned) or all(
            isinstance(s, Act) and s.kind == "smalltalk" for s in steps
        ):
            # "No problem at all, thank you so much for your patience!", "Grazie mille, ciao!",
            # "Tamam, teşekkür ederim, very helpful."
            return ParseResult(steps=(Act("smalltalk", cleaned),))
        return ParseResult()
    if penalty:
        steps = [
            Command(s.intent, s.params, round(max(0.3, s.confidence - penalty), 2), s.text)
            if isinstance(s, Command)
            else s
            for s in steps
        ]
    steps = _after_reading(steps, cleaned, names)
    # "that's it, köszönöm": consecutive courtesy is one small-talk step
    steps = [
        s
        for i, s in enumerate(steps)
        if not (
            i > 0
            and isinstance(s, Act)
            and s.kind == "smalltalk"
            and isinstance(steps[i - 1], Act)
            and steps[i - 1].kind == "smalltalk"  # type: ignore[union-attr]
        )
    ]
    # A chain ("A -> B -> C") is one step of several links; a fan-out is a step per link.
    kept: list[Step] = []
    count = 0
    previous: Command | None = None
    for s in steps:
        if isinstance(s, Command):
            chained = (
                previous is not None
                and s.intent in ("connect-nodes", "disconnect-nodes")
                and previous.intent == s.intent
                and previous.text == s.text
                and previous.params.get("target") == s.params.get("source")
            )
            count += 0 if chained else 1
            previous = s
            if count > MAX_STEPS:
                continue
        kept.append(s)
    too_many = count > MAX_STEPS
    steps = kept
    clarification = next((s for s in steps if isinstance(s, Clarification)), None)
    return ParseResult(
        commands=tuple(commands_of(steps)),
        clarification=clarification,
        too_many_steps=too_many,
        steps=tuple(steps),
    )


# "How loaded are our sites? The plant especially.": which part of the answer matters most
_FOCUS = re.compile(
    r"^\W*(?:and\s+)?(?:(?:especially|particularly|mainly|mostly|above\sall)\s+(?:for\s+|on\s+)?"
    r"(?:the\s+|our\s+)?[\w\s-]{2,40}?|(?:the\s+|our\s+)?[\w\s-]{2,40}?\s+(?:especially|in\s+"
    r"particular|particularly|mostly|above\sall))\W*$",
    re.IGNORECASE,
)


def _command_intent(step: Step) -> str:
    """The intent of a command step ("" for any other step)."""
    return step.intent if isinstance(step, Command) else ""


_WHICH_IS_MOST = re.compile(
    r"^\W*(?:and\s+)?which\s+(?:one\s+)?(?=(?:is|'s)\s+(?:the\s+)?(?:biggest|largest|smallest"
    r"|busiest|fullest|emptiest|least\s+\w+|most\s+\w+)\b)",
    re.IGNORECASE,
)
_ALREADY_IS = re.compile(r"\b(?:is|are|'s|'re)\s+already\s+(?:been\s+)?\w+", re.IGNORECASE)
_WILL_BE_TOLD = re.compile(r"\b(?:it|they|that)(?:'ll|\swill)\sbe\b", re.IGNORECASE)
_ASKING_INTENTS = frozenset((*INTENTS["query"], *INTENTS["analyze"]))


# "Plan for the battery pack network, please set up:" above the items: what follows is asked
_BARE_REQUEST = re.compile(
    r"^\W*(?:(?:please|pls|kindly|so|ok|okay|now)\W+)*(?:(?:can|could|would)\s+you\s+)?(?:set\s?up"
    r"|add|create|build|enter|put\s+in|model|do)(?:\s+(?:the\s+)?(?:following|this|these|all\s+of\s+this"
    r"|everything(?:\s+below)?|below|for\s+me))?\W*$",
    re.IGNORECASE,
)


def _without_background_settings(steps: list[Step]) -> list[Step]:
    """Settings read from who the user is, in a message that asks for something else: "I am
    work in textile company ... create our factory in Denizli" adds the factory (the industry
    is background, as the writers of rounds 28, 29 and 48 read it: "we're in automotive" said
    alone still sets it); "We sell mostly to Germany, so please put the money in euro" (or "make
    the currency euro, we sell mostly to Germany") sets the currency, the market only says why."""
    commands = commands_of(steps)
    adds = any(c.intent in _DEFAULT_SUFFIX for c in commands)
    adds = adds and not any(re.search(r"\bindustry\b", getattr(s, "text", ""), re.I) for s in steps)
    currency = any(c.intent == "set-currency" for c in commands)
    return [
        s
        for s in steps
        if not (
            isinstance(s, Command)
            and (
                (
                    s.intent == "set-industry"
                    and adds
                    and _ABOUT_US.search(s.text)
                    # ("we're in pharma. add ..." says the industry; "We're a pharma
                    # distributor. Add ..." says who is asking; so does "we make the tablets
                    # and the syrup" beside an add)
                    and (_COMPANY_NOUN.search(s.text) or _WE_MAKE.search(s.text))
                )
                or (s.intent == "set-region" and currency and _SELLS_TO.search(s.text))
            )
        )
    ]


_ABOUT_US = re.compile(
    r"\b(?:i\s+am|i'm|we\s+are|we're|i\s+work|we\s+work|we\s+make|we\s+produce|we\s+run"
    # ("Our company textile produce": a learner's word order)
    r"|our\s+(?:company|firm|business)\b)",
    re.I,
)
_WE_MAKE = re.compile(r"\bwe\s+(?:make|produce|manufacture)\b", re.I)
_COMPANY_NOUN = re.compile(
    r"\b(?:company|firm|business|distributor|maker|manufacturer|producer|brand|importer|exporter"
    r"|group|factory|plant|mill|production|imports?)\b",
    re.I,
)
_SELLS_TO = re.compile(
    # ("We are selling to Europe, so money please put in euro": a learner's progressive too)
    r"\b(?:we|i)\s(?:\w+\s)?(?:sell|selling|export|exporting|invoice|ship|shipping)\s(?:\w+\s){0,2}?"
    r"(?:to|in)\s"
    # ("it should really be euros, since we are in Portugal": where we are says why)
    r"|\b(?:since|because|as)\s(?:we|i)\s(?:are|'re|am|'m)\s(?:based\s|located\s)?in\s",
    re.I,
)


# "Actually skip that", "forget it", "never mind that one": the step just said is taken back
_TAKE_IT_BACK = re.compile(
    r"^\W*(?:(?:actually|no|nah|wait|sorry|oh|hmm+|on\ssecond\sthought)\W+)*"
    r"(?:skip|forget|scratch|drop|cancel|ignore|disregard|never\s?mind|don'?t\sdo)\s?"
    r"(?:that|this|it|that\sone|this\sone|the\slast\sone)?\b"
    # "Connect Bursa to Istanbul too. Actually don't, everything goes through Ankara."
    r"|^\W*(?:actually|no|wait|hmm+|on\ssecond\sthought)\W+(?:don'?t|do\snot)\b(?!\s+[a-z]{3,})",
    re.IGNORECASE,
)


# "Risk where we have? Please show me.": asking again for what was just asked
_SHOW_ME = re.compile(
    r"^\W*(?:(?:please|pls|kindly|so|ok|okay|and)\W+)*(?:(?:can|could|would)\s+you\s+)?"
    r"(?:show|tell|give)\s+(?:it\s+(?:to\s+)?)?(?:me|us)(?:\s+(?:please|pls|that|this|it))*\W*$",
    re.IGNORECASE,
)


# "Gaziantep supplier to Kayseri factory is giving. Connect please.": the verb said again
_BARE_VERB = re.compile(
    r"^\W*(?:(?:please|pls|kindly|so|ok|okay|and)\W+)*(?P<verb>connect|link|add|do\sit|make\sit"
    r"|(?:change|set|update|switch)\s(?:it|that)"
    # "Nakuru Supplier is disrupted, ..., please update its status."
    r"|(?:change|set|update|record)\s(?:its|their|the)\s(?:status|capacity|size))"
    r"(?:\W+(?:please|pls|them|it|this|that|too|also|now|accordingly))*\W*$",
    re.IGNORECASE,
)


# "connect it as well", "link it up too": a link asked with one end
_CONNECT_IT = re.compile(
    r"^\W*(?:(?:please|pls|and|also|then|could\syou|can\syou)\W+)*(?:connect|link|hook)\s+it"
    r"(?:\s+up)?(?:\s+(?:as\s+well|too|also|please|pls|for\s+me))*\W*$",
    re.IGNORECASE,
)


def _other_end_said(steps: list[Step], cleaned: str, names: _Names) -> list[Step]:
    """ "Our shop in Charleroi sells what the factory makes. Could you add it as a store and
    connect it as well?": a link asked with one end, right after an add, joins the new node
    to the one other node the message names (goods flow by tier)."""
    out = list(steps)
    for i, step in enumerate(steps):
        before = steps[i - 1] if i else None
        if not (
            isinstance(step, Clarification)
            and step.intent == "connect-nodes"
            and _CONNECT_IT.match(step.text)
            and isinstance(before, Command)
            and before.intent in ADDED_TYPE
        ):
            continue
        said = _analyse(cleaned, names)
        others = {
            (r.ref.text, r.ref.node_type): r.ref
            for r in said.refs()
            if r.ref.kind == "name"
            and (r.bare_type or r.ref.text in names.by_words.values())
            and r.ref.node_type != ADDED_TYPE[before.intent]
        }
        if len(others) == 1:
            (other,) = others.values()
            params = {"source": other, "target": NodeRef("it", "pronoun"), "by_tier": True}
            out[i] = Command("connect-nodes", params, 0.75, step.text)
    return out


def _without_asked_again(steps: list[Step]) -> list[Step]:
    """A bare "please show me" after a question, "connect please" after a link or "change it
    please" after a change, in the same message, asks for that step again; it is not a step
    of its own."""
    kept: list[Step] = []
    for step in steps:
        before = kept[-1] if kept else None
        if isinstance(before, Command) and _asks_again(step, before):
            continue
        kept.append(step)
    return kept


def _asks_again(step: Step, before: Command) -> bool:
    if _unread(step) and _SHOW_ME.match(step.text):
        return True
    if not isinstance(step, Clarification):
        return False
    bare = _BARE_VERB.match(step.text)
    if bare is None:
        return False
    verb = bare.group("verb").casefold()
    if verb.startswith(("change", "set", "update", "switch")):
        return before.intent in CHANGING_INTENTS
    if step.intent not in (before.intent, None):
        return False
    if verb.startswith(("do", "make")):
        return True
    if verb in ("connect", "link"):
        return before.intent == "connect-nodes"
    return before.intent.startswith("add-")


def _without_taken_back(steps: list[Step]) -> list[Step]:
    """ "And a warehouse in Modena, 8,000. Actually skip that, we don't need it.": a change
    taken back right after it in the same message is not made; the take-back stays, as the
    step that says so."""
    kept: list[Step] = []
    for step in steps:
        taken_back = (
            isinstance(step, Act)
            and step.kind in ("cancelled", "correction")
            and _TAKE_IT_BACK.match(step.text) is not None
        )
        last = kept[-1] if kept else None
        if taken_back and isinstance(last, Command) and last.intent in CHANGING_INTENTS:
            kept[-1] = Act("cancelled", step.text, last.text)
            continue
        kept.append(step)
    return kept


def _without_bare_leads(steps: list[Step]) -> list[Step]:
    """A request with no object ("please set up:") before the requests it introduces is
    not a step nobody understood."""
    return [
        s
        for i, s in enumerate(steps)
        if not (
            _unread(s)
            and _BARE_REQUEST.match(s.text)
            and any(isinstance(later, Command) for later in steps[i + 1 :])
        )
        # "Would it be possible to add a second one? Another co-op, in Kisii, ...": the node
        # asked for is the one described next
        and not (
            _unread(s)
            and _ADD_ANOTHER_ONE.match(s.text)
            and any(
                isinstance(later, Command) and later.intent.startswith("add-")
                for later in steps[i + 1 : i + 2]
            )
        )
        # "Let's stress-test this. What happens if the Hsinchu supplier goes dark ...?": the
        # simulation asked for without its scene is the one the next step describes
        and not (
            isinstance(s, Clarification)
            and s.intent == "run-simulation"
            and any(
                isinstance(later, Command) and later.intent in SIMULATION_INTENTS
                for later in steps[i + 1 : i + 2]
            )
        )
    ]


# what points back at the node a reason named ("..., so remove it", "..., take that one off",
# "..., so raise its capacity"), in that order, and what the node's name becomes there
_REASON_POINTERS = (
    (r"\bit\b", "{}"),
    (r"\bits\b", "{}'s"),
    (r"\b(?:that|this)\sone\b", "{}"),
    # ("Braga has signed a larger contract with us, so take their capacity up": a site spoken
    # of as the company that runs it)
    (r"\btheir\b", "{}'s"),
)
_ADD_ANOTHER_ONE = re.compile(
    r"^\W*(?:(?:please|pls|kindly|so|ok|okay|now|and)\W+)*(?:(?:can|could|would)\s+you\s+)?"
    r"(?:add|create|set\s?up|put\s+in|make)\s+(?:another|a\s+second|a\s+third|one\s+more|a\s+new"
    r"|an\s+extra)(?:\s+one)?\W*$",
    re.IGNORECASE,
)


_THE_NODE_AT = re.compile(
    r"^\W*(?:(?:now|next|then|also|and|plus|ok|okay)\W+)*(?:the|our)\s(?:[\w-]+\s)?(?:"
    + _TYPES
    + r")\s"
    r"(?:in|at|near)\s",
    re.IGNORECASE,
)


def _new_nodes_said(steps: list[Step], names: _Names) -> list[Step]:
    """ "Now the assembly plant in Monterrey, 20k units, ...": a node of a kind at a town where
    the user has none of that name, said with its size and no verb, is one to add (it read as
    a change to a node there)."""
    out = list(steps)
    for i, step in enumerate(out):
        if not (isinstance(step, Command) and step.intent == "update-node"):
            continue
        ref = step.params.get("node")
        place = ref.place if isinstance(ref, NodeRef) else None
        kind = ref.node_type if isinstance(ref, NodeRef) else None
        if (
            place is None
            or not place.city
            or kind not in ADD_INTENTS
            or set(step.params) != {"node", "capacity"}
            or not _THE_NODE_AT.match(step.text)
            or _UPDATE_VERB.search(step.text)
            or names.named_after(place.city)
        ):
            continue
        out[i] = Command(
            ADD_INTENTS[kind],
            {"place": place, "capacity": step.params["capacity"]},
            step.confidence,
            step.text,
        )
    return out


_TOWN_SIZE = re.compile(
    # ("from farmer in Makassar also, 10 ton": a word of addition and a comma between)
    r"\b(?P<town>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)(?:\s+(?:also|too),)?\s+(?:(?:can|could|will)\s(?:give|make|produce|supply"
    r"|deliver|send|do|handle|hold|ship)|gives|makes|produces|supplies|delivers|sends|does|has|handles"
    # ("Zarqa give 25,000 kg in month": a learner's verb without its -s)
    r"|give|make|produce|supply|send"
    r"|holds|ships|with|at|is|about|around)?\s*(?:about\s|around\s|roughly\s|~)?"
    # (a size that ends the sentence: "Trondheim 6,000.", the full stop no digit)
    r"(?P<size>\d(?:[\d,.]*\d)?(?:\s?k\b)?)(?=\s*(?:[a-z]|,|\.|$))"
    r"(?!\s*(?:%|per\s?cent|days?|weeks?|months?|hours?|km|miles?)\b)"
)


def _sizes_said_by_town(steps: list[Step], text: str) -> list[Step]:
    """ "..., one in Palu and one in Banjarmasin. Palu can give 80 ton per month and
    Banjarmasin 50 ton.": a size said after a town is the size of the node just added there
    (when its add has none)."""
    sizeless = {
        gazetteer.fold(place.city): i
        for i, s in enumerate(steps)
        if isinstance(s, Command)
        and s.intent in _DEFAULT_SUFFIX
        and "capacity" not in s.params
        and isinstance(place := s.params.get("place"), Place)
        and place.city
    }
    if not sizeless:
        return steps
    out = list(steps)
    for said in _TOWN_SIZE.finditer(text):
        at = sizeless.pop(gazetteer.fold(said.group("town")), None)
        size = parse_number(said.group("size"))
        if at is None or size is None or size <= 0:
            continue
        add = out[at]
        assert isinstance(add, Command)
        out[at] = Command(
            add.intent, {**add.params, "capacity": _whole(size)}, add.confidence, add.text
        )
    return out


_RESPECTIVELY = re.compile(
    r"(?P<sizes>(?:~?\d[\d,.]*\s?k?\b(?:\s[a-z]+)?\s*(?:,\s*(?:and\s+)?|and\s+|&\s*))+~?\d[\d,.]*\s?k?\b)"
    r"(?:\s[a-z]+){0,2}?,?\s+respectively\b",
    re.IGNORECASE,
)


_SIZES_AFTER_TOWNS = re.compile(
    r"[A-Za-z]\s*,\s*(?P<sizes>(?:~?\d[\d,.]*\s?k?\b\s*(?:,\s*(?:and\s+)?|and\s+|&\s*))+~?\d[\d,.]*\s?k?\b)"
    r"(?:\s[a-z]+){0,3}\W*$",
    re.IGNORECASE,
)


def _sizes_respectively(steps: list[Step], text: str) -> list[Step]:
    """ "Add warehouses in Brisbane, Townsville and Cairns - 12k, 6k and 4k pallets
    respectively": each size, in order, is the size of the add in that place of the list."""
    said = _RESPECTIVELY.search(text)
    adds_at = [s for s in steps if isinstance(s, Command) and s.intent in _DEFAULT_SUFFIX]
    if said is None and len({a.text for a in adds_at}) == 1 and len(adds_at) >= 2:
        # ("Add warehouses in Da Nang and Hanoi, 5,000 and 7,000 bags.": as many sizes as
        # towns, said after the list of one add, are theirs in order)
        said = _SIZES_AFTER_TOWNS.search(adds_at[0].text)
        if said is not None and len(re.findall(r"\d[\d,.]*", said.group("sizes"))) != len(adds_at):
            said = None
    if said is None:
        return steps
    sizes = [
        parse_number(n)
        for n in re.findall(r"~?\d[\d,.]*\s?k?\b", said.group("sizes"), re.IGNORECASE)
    ]
    adds = [
        i for i, s in enumerate(steps) if isinstance(s, Command) and s.intent in _DEFAULT_SUFFIX
    ]
    if len(adds) < len(sizes) or any(size is None or size <= 0 for size in sizes):
        return steps
    out = list(steps)
    for at, size in zip(adds[-len(sizes) :], sizes, strict=True):
        add = out[at]
        assert isinstance(add, Command) and size is not None
        out[at] = Command(
            add.intent, {**add.params, "capacity": _whole(size)}, add.confidence, add.text
        )
    return out


def _each_size_back(steps: list[Step]) -> list[Step]:
    """ "Add a store in Regina and one in Saskatoon, 4,000 units each": the size said "each"
    after the last of several adds of one kind is every one's size (the split made them
    steps of their own)."""
    out = list(steps)
    for i, step in enumerate(out):
        if not (
            isinstance(step, Command)
            and step.intent in _DEFAULT_SUFFIX
            and (shared := _SIZE_EACH.search(step.text)) is not None
        ):
            continue
        if "capacity" not in step.params:
            # ("one in Lisbon and one in Porto, 1,000 each": no unit, so the add read no size)
            size = parse_number(shared.group("n").replace(" ", ""))
            if not size or size < 1:
                continue
            # (_whole: a size of hundreds of digits is infinity, which round() would raise on)
            step = Command(
                step.intent, {**step.params, "capacity": _whole(size)}, step.confidence, step.text
            )
            out[i] = step
        j = i - 1
        while j >= 0:
            before = out[j]
            if not (isinstance(before, Command) and before.intent == step.intent):
                break
            if "capacity" not in before.params:
                out[j] = Command(
                    before.intent,
                    {**before.params, "capacity": step.params["capacity"]},
                    before.confidence,
                    before.text,
                )
            j -= 1
    return out


def _topic_then_change(steps: list[Step], names: _Names) -> list[Step]:
    """ "Daejeon supplier, they are doing expansion. Please change capacity to 10,000 kg.": the
    node said first, as the topic, is the one the change with no node is about."""
    out: list[Step] = []
    for step in steps:
        before = out[-1] if out else None
        node = before.params.get("node") if isinstance(before, Command) else None
        if (
            isinstance(step, Clarification)
            and step.intent == "update-node"
            and isinstance(before, Command)
            and before.intent == "get-node-details"
            and "?" not in before.text
            and isinstance(node, NodeRef)
            and node.kind in ("name", "place")
            and _TOPIC_FIRST.match(before.text) is not None
        ):
            said = _CHANGE_OF_WHAT.sub(
                rf"\g<verb> the \g<what> of {node.text} ", step.text, count=1
            )
            read = _read_clause(said, names) if said != step.text else None
            if isinstance(read, list) and [c.intent for c in read] == ["update-node"]:
                out[-1] = Command("update-node", read[0].params, 0.8, f"{before.text}. {step.text}")
                continue
        out.append(step)
    return out


# "Daejeon supplier, they are ...": a node named, then a comma and what is going on there
_TOPIC_FIRST = re.compile(r"^\W*(?:the\s|our\s)?[\w' -]{2,40}?,\s+(?:they|it|we|he|she)\s")
_CHANGE_OF_WHAT = re.compile(
    r"\b(?P<verb>change|set|update|make|raise|lower|increase|decrease)\s+(?:the\s+|its\s+|their\s+)?"
    r"(?P<what>capacity|status|inventory|stock)\s+",
    re.IGNORECASE,
)


def _state_then_set(steps: list[Step]) -> list[Step]:
    """ "The Puebla DC is down for a system migration, set it offline.", "The shop of Brussels
    is closed since one month, we must remove it.": the state said, then the change asked for
    it; one change, of the node the statement named."""
    out: list[Step] = []
    skip = False
    for i, step in enumerate(steps):
        if skip:
            skip = False
            continue
        after = steps[i + 1] if i + 1 < len(steps) else None
        node = step.params.get("node") if isinstance(step, Command) else None
        pointer = after.params.get("node") if isinstance(after, Command) else None
        if (
            isinstance(step, Command)
            and step.intent in ("what-if-supplier-failure", "update-node")
            and _IS_DOWN_SAID.match(step.text) is not None
            and isinstance(node, NodeRef)
            and isinstance(after, Command)
            and (
                (
                    after.intent == "update-node"
                    and after.params.get("status") in ("offline", "degraded")
                )
                # "The shop of Brussels is closed since one month, we must remove it."
                or after.intent == "remove-node"
            )
            and isinstance(pointer, NodeRef)
            and pointer.kind == "pronoun"
        ):
            out.append(
                Command(after.intent, {**after.params, "node": node}, after.confidence, after.text)
            )
            skip = True
            continue
        out.append(step)
    return out


def _without_remarks(steps: list[Step]) -> list[Step]:
    """Steps that only say why or what the user knows, not requests: a node's status said as
    known before a question ("Katowice is already degraded ... What should we do?"), what the
    user was told after a redo ("it'll be down for a week"), and remarks after a question that
    only say what matters to the user: "How loaded are our
    sites right now? The plant especially." (the answer covers it), and how the user feels
    about the node just asked about ("Is Gdynia warehouse okay? I am little bit worried about
    it."): why they ask, not a second request (said alone, "I'm worried about Gdynia
    Warehouse" still asks for its risks)."""
    return [
        s
        for i, s in enumerate(steps)
        if not (
            i > 0
            and _unread(s)
            and _FOCUS.match(s.text)
            and _command_intent(steps[i - 1]) in _ASKING_INTENTS
        )
        and not (
            # "Katowice is already degraded and it's costing us a fortune. What should we do
            # about it?": what the user knows the node is, said before asking, no change
            isinstance(s, Command)
            and s.intent == "update-node"
            and _ALREADY_IS.search(s.text)
            and any(
                isinstance(later, Command) and later.intent in _ASKING_INTENTS
                for later in steps[i + 1 :]
            )
        )
        and not (
            # "Redo it, the tech just called, it'll be down for a week.": why the change is
            # made again, not another change
            i > 0
            and isinstance(s, Command)
            and s.intent == "update-node"
            and _WILL_BE_TOLD.search(s.text)
            and _command_intent(steps[i - 1]) in ("redo", "undo", "update-node")
        )
        and not (
            i > 0
            and isinstance(s, Command)
            and _FEELING.match(s.text)
            and any(isinstance(v, NodeRef) and v.kind == "pronoun" for v in s.params.values())
            and _command_intent(steps[i - 1]) in _ASKING_INTENTS
        )
        and not (
            # "Is the second warehouse doing ok? It looked stretched last week.": what the user
            # saw before, said after asking, is why they ask
            i > 0
            and isinstance(s, Command)
            and _SAW_BEFORE.match(s.text)
            and _command_intent(steps[i - 1]) in _ASKING_INTENTS
        )
        and not (
            # "Where is our biggest exposure? The audit committee always asks about supplier
            # concentration.": who asks, said after the question
            i > 0
            and _OTHERS_ASK.match(s.text) is not None
            and _command_intent(steps[i - 1]) in _ASKING_INTENTS
        )
        and not (
            # "Mombasa Warehouse back to operational please, the congestion has cleared.": why
            # the change is made, said after it
            i > 0
            and _CLEARED.match(s.text) is not None
            and _command_intent(steps[i - 1]) in CHANGING_INTENTS
        )
        and not (
            # "Add a supplier in Regina, ... feeding Calgary Plant. That should cut the
            # Saskatoon exposure.": what the user expects of the change, not a risk scan
            i > 0
            and _EXPECTS.match(s.text) is not None
            and any(_command_intent(earlier) in CHANGING_INTENTS for earlier in steps[:i])
        )
        and not (
            # "What if Katowice Supplier fails for two weeks - how many units are at risk?":
            # the what-if's own answer says what is hit, not a risk scan of the network
            i > 0
            and isinstance(s, Command)
            and s.intent in ("identify-risks", "list-nodes")
            and _command_intent(steps[i - 1]) in SIMULATION_INTENTS
            and _IMPACT_ASKED.match(s.text) is not None
        )
        and not (
            # "What's the weather in Cairns next week? Cyclone season has me nervous.": why
            # they ask, not a scenario to run (no place, no node, no verb that runs it)
            len(steps) > 1
            and isinstance(s, Command)
            and s.intent in SIMULATION_INTENTS
            and s.confidence <= 0.6
            and not {"place", "node"} & set(s.params)
            and _FELT.search(s.text)
        )
    ]


_OTHERS_ASK = re.compile(
    r"^\W*(?:the|our|my)\s[\w' -]{2,30}?\s(?:always\s|usually\s|often\s|keeps?\s|will\s)?(?:asks?"
    r"|wants?|likes?|cares?|worries|focus(?:es)?|loves?|asking|wanting)\s(?:about|on|for|to\s(?:know|see))\b",
    re.IGNORECASE,
)
_CLEARED = re.compile(
    r"^\W*(?:(?:and|as|since|because|now)\W+)*(?:the|our|that|this)\s[\w' -]{2,30}?\s(?:has|have|is"
    r"|are|'s)\s(?:now\s|finally\s|all\s)?(?:cleared|over(?!\s+\d)|gone|resolved|fixed|done|finished"
    r"|lifted|eased|sorted|back\sto\snormal)\b[^?]*$",
    re.IGNORECASE,
)
_EXPECTS = re.compile(
    r"^\W*(?:(?:and|so|hopefully|ok)\W+)*(?:that|this|it|which)\s(?:should|will|would|ought\sto|might|may"
    r"|is\sgoing\sto)\s(?:\w+\s)?(?:cut|reduce|lower|fix|help|solve|improve|ease|remove|take\scare"
    r"|lessen|limit|spread|cover|give\sus)\b",
    re.IGNORECASE,
)
_IMPACT_ASKED = re.compile(
    r"^\W*(?:(?:and|so|then|also)\W+)*(?:how\s(?:many|much)|what|which|who)\b[^?]*\b(?:at\srisk|affected"
    r"|hit|lost|impacted|exposed|suffer\w*|hurt)\b",
    re.IGNORECASE,
)
_SAW_BEFORE = re.compile(
    r"^\W*(?:(?:it|they|that|this|he|she)\s(?:looked|seemed|was|were|felt|sounded|got)"
    # "The auditors flagged supplier concentration last year": what someone found before
    r"|(?:the\s|our\s|my\s)?[\w-]+(?:\s[\w-]+)?\s(?:flagged|raised|noted|noticed|found|mentioned"
    r"|reported|warned\sabout|pointed\sout|said))\s[^.?!]*?"
    r"\b(?:last\s(?:week|month|time|night|year|quarter|audit)|yesterday|earlier|before|recently"
    r"|lately|ago)\b",
    re.IGNORECASE,
)
_FELT = re.compile(
    r"\b(?:nervous|worried|worr(?:y|ies)\sme|scared|afraid|anxious|concerned|uneasy"
    r"|keeps?\sme\sup)\b",
    re.IGNORECASE,
)


def _town_said_beside(steps: list[Step], text: str) -> list[Step]:
    """ "The roof repair in Lisbon is done, set the warehouse back to operational": a bare
    "the warehouse" carries the one town the message names that no step uses, as a hint the
    resolver takes only when the user has several warehouses (it never overrides a name)."""
    bare = [
        (i, key)
        for i, s in enumerate(steps)
        if isinstance(s, Command)
        for key, ref in s.params.items()
        if isinstance(ref, NodeRef)
        and ref.kind == "name"
        and ref.node_type is not None
        and ref.place is None
        and _TYPE_ONLY.fullmatch(ref.text.strip())
    ]
    if not bare:
        return steps
    used = _named_in(commands_of(steps), _EMPTY_NAMES)
    towns = {
        gazetteer.fold(place.city): place
        for _, place in gazetteer.find_places(text)
        if place.city and not place.approximate
    }
    spare = [place for key, place in towns.items() if not any(key in u for u in used)]
    if len(towns) != 1 or len(spare) != 1:
        return steps
    out = list(steps)
    for i, key in bare:
        command = out[i]
        assert isinstance(command, Command)
        ref = command.params[key]
        hinted = NodeRef(ref.text, ref.kind, ref.node_type, spare[0])
        out[i] = Command(
            command.intent, {**command.params, key: hinted}, command.confidence, command.text
        )
    return out


_TYPE_ONLY = re.compile(rf"(?:the|our|my|that|this)?\s*{_TYPE_RE.pattern}", re.I)


# "..., add it as a plant", "Could you model that?": a later step asks for what this one
# describes, and the description is read whole there
def _adds_what_was_said(piece: str) -> bool:
    return any(p.match(piece) for p in (_ADD_THAT, _ADD_IT_AS, _MODEL_THAT, _ADD_THEM_AS))


def _what_if_in_own_words(piece: str, names: _Names) -> list[Command] | None:
    """A what-if read by the node it names and what stops it (see :func:`.frames.read_what_if`),
    as the rules read it, else None."""
    what_if = read_what_if(piece, names)
    simulated = _read_clause(what_if, names) if what_if is not None else None
    if not isinstance(simulated, list) or not simulated:
        return None
    return [Command(c.intent, c.params, min(c.confidence, 0.7), piece) for c in simulated]


def _read_frames(
    piece: str, names: _Names, commands: list[Command], *, building: bool
) -> list[Command] | None:
    """A step no rule read, read by what it names (see :mod:`.frames`): every clause it
    gives must read as commands, or nothing is taken from it."""
    recent = tuple(name for name in map(_default_name, commands) if name is not None)
    clauses = read_frames(piece, names, recent, building=building)
    if not clauses:
        return None
    read: list[Command] = []
    for clause in clauses:
        outcome = _read_clause(clause, _with_new_names(names, commands + read))
        if not isinstance(outcome, list) or not outcome:
            return None
        read += [Command(c.intent, c.params, min(c.confidence, 0.7), piece) for c in outcome]
    return read


def _framed_better(
    piece: str, outcome: list[Command], names: _Names, commands: list[Command], building: bool
) -> list[Command] | None:
    """The frame reading of a step the rules read as adds and links, when it accounts for
    more of what the step names: "a grower near Kecskemét, 500 tonnes, they deliver to the
    Bergen plant" is the grower and its link, not a link from "them"."""
    if not outcome or any(c.intent not in _FRAMED_MAY_REPLACE for c in outcome):
        return None
    framed = _read_frames(piece, names, commands, building=building)
    if framed is None:
        return None
    if (
        not any(c.intent in _DEFAULT_SUFFIX for c in outcome)
        and any(c.intent in _DEFAULT_SUFFIX for c in framed)
        and _A_SIZE.search(piece)
        and _links(framed) >= _links(outcome)
    ):
        # "sup monterrey 40k -> saltillo" when the user has a supplier: a size is said of a
        # new node, never of a link between two they have
        return framed
    have, could = _named_in(outcome, names), _named_in(framed, names)
    return framed if have < could else None


def _links(commands: Sequence[Command]) -> int:
    return sum(c.intent == "connect-nodes" for c in commands)


_A_SIZE = re.compile(r"\b\d[\d,.]*\s?k\b|\b\d{1,3}(?:[,.]\d{3})+\b|\b\d{4,}\b", re.IGNORECASE)
_LINKS_AND_ADDS = frozenset({"connect-nodes", *_DEFAULT_SUFFIX})
# what the frame reading may replace when it accounts for more ("Both from Colombo warehouse
# by sea": the two links, not a shipping method)
_FRAMED_MAY_REPLACE = _LINKS_AND_ADDS | {"add-shipping-method"}


def _has_a(node_type: str, names: _Names) -> bool:
    word = DEFAULT_NAME_WORD.get(node_type, "").casefold()
    return bool(word) and any(n.casefold().endswith(word) for n in names.by_words.values())


def _named_in(found: Sequence[Command], names: _Names) -> set[str]:
    """The places and nodes some commands use."""
    named: set[str] = set()
    for command in found:
        for value in command.params.values():
            if isinstance(value, Place) and value.city:
                named.add(gazetteer.fold(value.city))
            elif isinstance(value, NodeRef) and value.place is not None and value.place.city:
                named.add(gazetteer.fold(value.place.city))
            elif isinstance(value, NodeRef) and value.kind in ("name", "id"):
                kind = _TYPE_RE.fullmatch(value.text) if value.kind == "name" else None
                if kind is not None and not _has_a(kind.lastgroup or "", names):
                    continue  # "to distribution center" when the user has none: no node
                named.add(gazetteer.fold(value.text))
    return named


def commands_of(steps: Sequence[Step]) -> list[Command]:
    return [s for s in steps if isinstance(s, Command)]


def _forget(steps: list[Step], not_understood: list[str], piece: str) -> None:
    """A step nobody understood turned out to belong to the next one."""
    not_understood.remove(piece)
    for index in range(len(steps) - 1, -1, -1):
        step = steps[index]
        if isinstance(step, Act) and step.kind == "unknown" and step.text == piece:
            del steps[index]
            return


# The passes over a message's steps once every clause is read, in order (each sees what the one
# before left): one node said twice is one add, a size or place said elsewhere in the message
# is the node's, what only says why is no step, a change taken back is not made.
_Pass = Callable[[list[Step], str, _Names], list[Step]]


def _it_of_a_remark(steps: list[Step], cleaned: str, names: _Names) -> list[Step]:
    """ "The shop in Nijmegen is struggling, the rent is too high. Can you remove him?": the
    one node a remark before the message's first step names is what that step's "it" (or
    "him", "her") means, not the node talked about before the message."""
    # (or an out-of-scope ask before it: "Please pay the Akure supplier's overdue invoice, and
    # mark it degraded")
    index = next((i for i, s in enumerate(steps) if not isinstance(s, Act)), len(steps))
    first = steps[index] if index < len(steps) else None
    if not isinstance(first, Command) or not first.text or not names.by_words:
        return steps
    keys = [
        key
        for key, ref in first.params.items()
        if isinstance(ref, NodeRef) and ref.kind == "pronoun" and ref.text in ("it", "him", "her")
    ]
    at = cleaned.find(first.text)
    if len(keys) != 1 or at <= 0:
        return steps
    said = _analyse(cleaned[:at], names)
    named = {n for _s, _e, n, _f in said.names}
    kinds = {t[2] for t in said.types()}
    for _start, _end, place in said.free_places():
        city = (place.city or "").casefold()
        named |= {
            n
            for n in names.by_words.values()
            if city
            and n.casefold().startswith(city)
            and (not kinds or any(_DEFAULT_SUFFIX[_ADD_INTENT[k]] in n for k in kinds))
        }
    if len(named) != 1:
        return steps
    params = {**first.params, keys[0]: NodeRef(named.pop(), "name")}
    pointed = Command(first.intent, params, first.confidence, first.text)
    return [*steps[:index], pointed, *steps[index + 1 :]]


_SET_THAT = re.compile(
    r"^\W*(?:(?:could|can|would|will)\s+you\s+)?(?:please\s+|kindly\s+)?(?:set|change|switch|use|make)"
    r"\s+(?:that|it|this)(?:\s+(?:for\s+(?:us|me)|please|now))*\W*$",
    re.IGNORECASE,
)


def _currency_said_then_set(steps: list[Step], cleaned: str, names: _Names) -> list[Step]:
    """ "I believe we ought to be using Canadian dollars; could you please set that for us?":
    the currency said, then set by "that"."""
    out = list(steps)
    for index, step in enumerate(out):
        text = getattr(step, "text", "")
        if isinstance(step, Act) or not text or not _SET_THAT.match(text):
            continue
        at = cleaned.find(text)
        said = _CURRENCY_RE.search(cleaned[:at]) if at > 0 else None
        if said is not None and said.lastgroup:
            out[index] = Command("set-currency", {"currency": said.lastgroup}, 0.8, text)
    return out


_AFTER_READING: tuple[_Pass, ...] = (
    lambda steps, _text, names: _sized_then_added(steps, names),
    lambda steps, _text, _names: _where_after_a_list(steps),
    lambda steps, _text, _names: _topics_before_their_adds(steps),
    lambda steps, text, _names: _place_said_before(steps, text),
    lambda steps, _text, _names: _merge_repeats(steps),
    lambda steps, _text, _names: _described_again(steps),
    lambda steps, _text, _names: _described_then_asked(steps),
    lambda steps, _text, _names: _without_repeated_add_requests(steps),
    lambda steps, _text, _names: _adds_before_their_links(steps),
    # ("..., Izmir DC to goods go. This also add and connect.")
    lambda steps, _text, _names: _merge_repeats(steps),
    lambda steps, _text, names: _new_nodes_said(steps, names),
    lambda steps, text, _names: _sizes_said_by_town(steps, text),
    lambda steps, text, _names: _sizes_respectively(steps, text),
    lambda steps, _text, _names: _each_size_back(steps),
    lambda steps, _text, _names: _state_then_set(steps),
    lambda steps, _text, names: _topic_then_change(steps, names),
    lambda steps, _text, _names: _without_remarks(steps),
    lambda steps, text, _names: _town_said_beside(steps, text),
    lambda steps, _text, _names: _without_background_settings(steps),
    lambda steps, _text, _names: _without_bare_leads(steps),
    lambda steps, _text, _names: _without_taken_back(steps),
    lambda steps, _text, _names: _without_asked_again(steps),
    _other_end_said,
    lambda steps, text, _names: _sizes_said_before(steps, text),
    lambda steps, _text, _names: _moved_node(steps),
    _it_of_a_remark,
    _currency_said_then_set,
)


def _after_reading(steps: list[Step], cleaned: str, names: _Names) -> list[Step]:
    """The steps after every pass of :data:`_AFTER_READING`."""
    for apply in _AFTER_READING:
        steps = apply(steps, cleaned, names)
    return steps
