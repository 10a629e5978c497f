"""Finding nodes: which node(s) a :class:`~..commands.NodeRef` points at (by id, name, type,
place and type, pronoun, or position in creation order), and the nearest partner node to
suggest connecting a node to.

A reference that matches nothing, or several nodes where one is meant, raises
:class:`~.context._Failed` with an answer naming the candidates.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from .. import answers
from ..analysis import PARTNER_TYPE, haversine_km
from ..commands import NodeRef, Place
from ..twin import Node, Twin
from .context import _Failed, _Step

__all__ = ["resolve_nodes"]

#: Words that name a node type inside a reference ("the Berlin factory").
_TYPE_WORDS = {
    "supplier": ("supplier", "vendor"),
    "manufacturer": ("manufacturer", "plant", "factory", "fab", "mill"),
    "warehouse": ("warehouse", "depot", "storage"),
    "distribution_center": ("distribution", "center", "centre", "dc", "distributor", "hub"),
    "retailer": ("retailer", "store", "shop", "outlet"),
}
_EXTREME_ONE = re.compile(
    r"the\s(bigger|biggest|larger|largest|smaller|smallest|busier|busiest|fuller|fullest"
    r"|newer|newest|older|oldest|earliest|latest)\sone"
)
_PLURAL_PRONOUNS = ("them", "they", "those", "these", "both", "all of them")


def _words(text: str) -> list[str]:
    return [w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split() if w]


def _list_names(nodes: Sequence[Node], limit: int = 5) -> str:
    names = ", ".join(f"{n.name} (`{n.id}`)" for n in nodes[:limit])
    return names + (f" and {len(nodes) - limit} more" if len(nodes) > limit else "")


def _by_place(nodes: Sequence[Node], place: Place) -> list[Node]:
    if place.city is not None and not place.approximate:
        city = place.city.lower()
        found = [n for n in nodes if (n.location.city or "").lower() == city]
        if found:
            return found
        return [
            n
            for n in nodes
            if haversine_km(
                place.latitude, place.longitude, n.location.latitude, n.location.longitude
            )
            <= 50.0
        ]
    if place.country is not None:
        country = place.country.lower()
        return [n for n in nodes if (n.location.country or "").lower() == country]
    return [n for n in nodes if n.location.region == place.region]


_ARTICLES = frozenset({"the", "a", "an", "our", "my", "that", "this", "one"})
_TYPE_WORD_SET = frozenset(w for words in _TYPE_WORDS.values() for w in words)


def _only_type_words(label: str) -> bool:
    """Whether a reference names only a type ("the store", "our distribution center")."""
    words = [w for w in _words(label) if w not in _ARTICLES]
    return bool(words) and all(w in _TYPE_WORD_SET for w in words)


def _position_words(position: int) -> str:
    """ "second", "last", "second to last", "7th" (1-based; negative from the end)."""
    words = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}
    if position > 0:
        return words.get(position, f"{position}th")
    if position == -1:
        return "last"
    return f"{words.get(-position, f'{-position}th')} to last"


#: Ordinal texts that pick by a measure: (the node field, largest?).
_EXTREMES = {
    "max:capacity": ("capacity", True),
    "min:capacity": ("capacity", False),
    "max:utilization": ("utilization", True),
    "min:utilization": ("utilization", False),
}


def _by_ordinal(ref: NodeRef, everything: Sequence[Node]) -> list[Node]:
    """Nodes by their position in creation order among ``ref.node_type`` (all nodes when
    None): ``"2"`` the second, ``"-1"`` the last, ``"-2:"`` the last two, ``"1:3"`` the first
    three (1-based, inclusive; negative counts from the end)."""
    candidates = [n for n in everything if ref.node_type is None or n.type == ref.node_type]
    if ref.place is not None:
        candidates = _by_place(candidates, ref.place)  # "all the sites in India"
    kind = answers.type_label(ref.node_type) if ref.node_type else "node"
    # ("the one I just added": the newest node of all, never a position in a list talked of)
    text = "-1" if ref.text.strip() == "newest" else ref.text.strip()
    extreme = _EXTREMES.get(text)
    if extreme is not None:
        # "the bigger warehouse", "the busiest plant": by capacity or utilization.
        if not candidates:
            raise _Failed(f"You have no {kind} yet.", ("List my nodes", "help"))
        field, largest = extreme
        return [(max if largest else min)(candidates, key=lambda n: getattr(n, field))]
    if text == "middle":
        # "the middle one": of three (or five...) the one between; of an even count, ask
        if len(candidates) < 3 or len(candidates) % 2 == 0:
            raise _Failed(
                f"There is no middle one of {answers.plural(len(candidates), kind)} "
                f"({_list_names(candidates)}); which do you mean?"
            )
        return [candidates[len(candidates) // 2]]
    single = ":" not in text
    first, _, last = text.partition(":")
    try:
        start = int(first) if first.strip() else 1
        end = None if single or not last.strip() else int(last)
    except ValueError:
        raise _Failed(
            f'I can\'t read "{text}" as a position; say e.g. *the second {kind}*.'
        ) from None
    if start == 0 or end == 0:
        raise _Failed(f"Positions start at 1: which {kind} do you mean?")
    if not candidates:
        raise _Failed(
            f"You have no {kind} yet." if ref.node_type else "Your network has no nodes yet.",
            (f"Add a {kind if ref.node_type else 'supplier'} in Shanghai", "List my nodes"),
        )
    have = f"You have {answers.plural(len(candidates), kind)}: {_list_names(candidates)}"
    begin = start - 1 if start > 0 else start
    if single:
        if not -len(candidates) <= begin < len(candidates):
            raise _Failed(
                f"{have}; there is no {_position_words(start)} one.",
                tuple(f"Show details of {n.name}" for n in candidates[-2:]),
            )
        return [candidates[begin]]
    stop = None if end is None else (end if end > 0 else (end + 1 or None))
    found = candidates[begin:stop]
    # How many the words asked for, when they say: "the last two" is two.
    wanted = -start if start < 0 and end is None else None
    if start > 0 and end is not None and end > 0:
        wanted = end - start + 1
    if not found or (wanted is not None and len(found) < wanted):
        raise _Failed(
            f"{have}; that is fewer than you asked for.",
            ("List my nodes", "Show the network summary"),
        )
    return found


def _enumeration(
    twin: Twin, user_id: str, conversation_id: str, context: Sequence[str]
) -> tuple[str, ...]:
    """The nodes the conversation last enumerated (added together, or shown by a list or a
    comparison), while it still talks only about them (``context``); else ()."""
    listed = tuple(str(i) for i in twin.get_dialogue(user_id, conversation_id).get("listed") or ())
    if len(listed) < 2:
        return ()
    if set(context) <= set(listed):
        return listed
    # ("Add three warehouses ...", "add our plant, connect it to the second warehouse", "have the
    # plant ship to the first and the last": the plant is talked about too, but no other
    # node of the listed kind is)
    kinds = {node.type for node in (twin.get_node(user_id, i) for i in listed) if node is not None}
    others = [twin.get_node(user_id, i) for i in context if i not in listed]
    if (
        len(kinds) == 1
        and any(i in listed for i in context)
        and all(node is not None and node.type not in kinds for node in others)
    ):
        return listed
    return ()


def resolve_nodes(
    ref: NodeRef | str,
    twin: Twin,
    user_id: str,
    conversation_id: str,
    *,
    nodes: Sequence[Node] | None = None,
) -> list[Node]:
    """The node(s) a reference points at, or raise with an answer saying what is wrong.

    By id, by name (exact, then case-insensitive partial, then by words), by type only ("the
    store": the only node of that type), by place and type ("the Rotterdam warehouse"), by
    pronoun (the conversation's last mentioned nodes), by ordinal (position in creation
    order: "the second warehouse", "the last two"). Only a plural pronoun ("them") or an
    ordinal range ("-2:") may give more than one node; any other ambiguity fails with the
    candidates listed.
    """
    if isinstance(ref, str):
        ref = NodeRef(ref)
    label = ref.text.strip() or "that node"
    if ref.kind == "pronoun":
        ids = twin.get_context(user_id, conversation_id)
        if label.lower() == "the last one" and ref.node_type is None:
            enumerated = _enumeration(twin, user_id, conversation_id, ids)
            # "warehouses in Leipzig, Dortmund and Bremen", "the second warehouse should hold
            # 14,000", then "And the last one?": the last of those, not the second
            last = twin.get_node(user_id, enumerated[-1]) if enumerated else None
            if last is not None:
                return [last]
        if label.lower() == "that one" and ref.node_type is None:
            that_one = twin.get_dialogue(user_id, conversation_id).get("that_one") or ()
            named_last = twin.get_node(user_id, that_one[0]) if that_one else None
            if named_last is not None and list(that_one[1:]) == list(ids):
                # "Add a plant. It ships to the second warehouse and the third one." then "how
                # big is that one?": the third warehouse (the plant is "it")
                return [named_last]
        found = [node for node in (twin.get_node(user_id, i) for i in ids) if node is not None]
        if ref.node_type is not None:
            found = _typed_pointer(ref, found, twin.list_nodes(user_id))
        if not found and _NEWEST.fullmatch(label.lower()):
            # "And what feeds the new one now?" after the node talked about was removed: the
            # node added last
            found = twin.list_nodes(user_id)[-1:]
        if not found:
            raise _Failed(
                f'I don\'t know which node "{label}" means here: nothing was mentioned yet. '
                "Name it, e.g. *Shanghai Supplier*.",
                ("Show the network summary", "help"),
            )
        if label.lower() in _PLURAL_PRONOUNS:
            return found
        extreme = _EXTREME_ONE.fullmatch(label.lower())
        if extreme is not None:
            # "the smaller one": of the nodes just talked about
            adj = extreme.group(1)
            if adj.startswith(("new", "old", "earl", "lat")):
                # "Mark the older one degraded": of those, the one created first (or last)
                order = {n.id: i for i, n in enumerate(twin.list_nodes(user_id))}
                first = adj.startswith(("old", "earl"))
                by_age = sorted(found, key=lambda n: order.get(n.id, 0))
                return by_age[:1] if first else by_age[-1:]
            busy = adj.startswith(("bus", "full"))
            key = (lambda n: n.utilization) if busy else (lambda n: n.capacity)
            least = adj.startswith(("small",))
            return [min(found, key=key) if least else max(found, key=key)]
        if label.lower() in ("the other", "the other one", "other"):
            # "now connect the other one to it": the node mentioned before the last one.
            if len(found) < 2:
                raise _Failed(
                    f'"{label}" needs two nodes talked about; only **{found[-1].name}** was.'
                )
            return found[-2:-1]
        return found[-1:]
    if ref.kind == "id" or ref.kind == "name":
        exact = twin.get_node(user_id, label) or twin.find_by_name(user_id, label)
        if exact is not None:
            return [exact]
    everything = list(nodes) if nodes is not None else twin.list_nodes(user_id)
    position = re.fullmatch(r"-?\d+(?::-?\d*)?|middle", label) is not None
    if ref.kind == "ordinal" and ref.node_type is None and position:
        # "add warehouses in Leeds, York and Hull" then "the second one", "the last": a
        # position among the kind of node just talked about
        context = twin.get_context(user_id, conversation_id)
        listed = _enumeration(twin, user_id, conversation_id, context)
        among_listed = bool(listed)
        if among_listed:
            # ("add warehouses in Leeds, York and Hull", "connect the first two", then "connect
            # the last two": of the three just added, whatever warehouse the user had before)
            context = listed
        talked = [node for node in (twin.get_node(user_id, i) for i in context) if node is not None]
        # ("two suppliers ... Both ship to the Cebu plant" then "the second one": of the kind
        # several were talked about, not the plant they ship to)
        by_kind = Counter(node.type for node in talked)
        several = [kind for kind, count in by_kind.items() if count >= 2]
        if len(talked) >= 2 and (len(by_kind) == 1 or len(several) == 1):
            kind = several[0] if several else talked[0].type
            ref = NodeRef(ref.text, "ordinal", node_type=kind)
            if among_listed:
                spoken = {n.id for n in talked if n.type == kind}
                everything = [n for n in everything if n.id in spoken]
    if ref.kind == "ordinal":
        return _by_ordinal(ref, everything)
    candidates = everything
    if ref.node_type is not None:
        candidates = [n for n in everything if n.type == ref.node_type]
    if ref.kind == "place" and ref.place is not None:
        found = _by_place(candidates, ref.place)
        if not found and ref.node_type is not None and ref.place.city:
            # "the mill in Altamura" when the user's one node there is a supplier: that node
            # (users name a site by what it does, not by our types)
            city = ref.place.city.casefold()
            there = [n for n in everything if (n.location.city or "").casefold() == city]
            found = there if len(there) == 1 else found
    elif ref.node_type is not None and _only_type_words(label):
        # "the store": the one node of that type; with several, the answer names them all
        # (a name that merely contains the word, like "Sydney Store", is no better a match).
        found = candidates
        if len(found) > 1 and ref.place is not None:
            # the one town the message named beside it ("the roof repair in Lisbon is done,
            # set the warehouse back to operational")
            there = _by_place(found, ref.place)
            found = there if len(there) == 1 else found
    else:
        wanted = label.lower()
        found = [n for n in candidates if wanted in n.name.lower()]
        if not found:
            type_words = {w for words in _TYPE_WORDS.values() for w in words}
            words = [w for w in _words(label) if w not in ("the", "a", "an", "our", "my")]
            core = [w for w in words if w not in type_words] or words
            found = [n for n in candidates if core and set(core) <= set(_words(n.name))]
            if not found and core:
                place_text = " ".join(core)
                found = [
                    n
                    for n in candidates
                    if place_text
                    in ((n.location.city or "").lower(), (n.location.country or "").lower())
                ]
    if len(found) == 1:
        return found
    kind = answers.type_label(ref.node_type) if ref.node_type else "node"
    type_only = ref.node_type is not None and ref.kind != "place" and _only_type_words(label)
    if not found:
        hint = f" Your nodes include {_list_names(everything)}." if everything else ""
        missing = (
            f"You have no {kind} yet."
            if type_only
            else f'I can\'t find a {kind} matching "{label}".'
        )
        raise _Failed(
            f"{missing}{hint}",
            ("Show the network summary", f"Add a {kind} in Shanghai"),
        )
    if type_only:
        raise _which_of(found, kind, found[:3])
    raise _Failed(
        f'"{label}" could mean {len(found)} nodes: {_list_names(found)}. Which one?',
        tuple(f"Show details of {n.name}" for n in found[:3]),
    )


def _typed_pointer(ref: NodeRef, talked: list[Node], everything: list[Node]) -> list[Node]:
    """ "the new plant", "that warehouse": the nodes of that type just talked about; when
    none was (a removal since, a question about something else), the newest node of that
    type for "new", or the user's only one."""
    typed = [n for n in talked if n.type == ref.node_type]
    if typed:
        return typed
    kind = [n for n in everything if n.type == ref.node_type]
    label = answers.type_label(ref.node_type) if ref.node_type else "node"
    if not kind:
        raise _Failed(f'You have no {label} for "{ref.text}" to mean.', ("List my nodes",))
    if re.search(r"\b(?:new(?:est)?|latest|last)\b", ref.text, re.I):
        # "What feeds the last store?": the newest store, whatever was talked about since
        return _by_ordinal(NodeRef("-1", "ordinal", node_type=ref.node_type), everything)
    if len(kind) == 1:
        return kind
    # never a node of another type: "that warehouse" after talk of a plant asks which
    raise _which_of(kind, label, kind[-2:])


def _which_of(nodes: Sequence[Node], kind: str, shown: Sequence[Node]) -> _Failed:
    """The question when several nodes of one kind fit, suggesting the details of ``shown``."""
    return _Failed(
        f"You have {len(nodes)} {kind}s: {_list_names(nodes)}. Which one do you mean?",
        tuple(f"Show details of {n.name}" for n in shown),
    )


def _one(step: _Step, key: str, *, required: bool = True) -> Node | None:
    ref = step.params.get(key)
    if ref is None:
        if required:
            raise _Failed(f"Which node? Please name the {key.replace('_', ' ')}.")
        return None
    return resolve_nodes(ref, step.twin, step.user_id, step.conversation_id)[-1]


def _many(step: _Step, key: str) -> list[Node]:
    ref = step.params.get(key)
    if ref is None:
        raise _Failed("Which node? Please name it, e.g. *Shanghai Supplier*.")
    return resolve_nodes(ref, step.twin, step.user_id, step.conversation_id)


def _partner(step: _Step, node: Node) -> Node | None:
    """The nearest node of the type ``node`` would usually connect to, for a suggestion."""
    wanted = PARTNER_TYPE[node.type]
    here = node.location
    candidates = [n for n in step.nodes() if n.type == wanted and n.id != node.id]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda n: haversine_km(
            here.latitude, here.longitude, n.location.latitude, n.location.longitude
        ),
    )


_NEWEST = re.compile(r"the\s(?:new|newest|latest|newer)(?:\s(?:one|node|site))?")
