"""What the copilot says when no command runs: a request it was told not to make, courtesy,
something it cannot do (with the closest things it can), and a message it did not understand
(with concrete suggestions). Pure text, like :mod:`.answers`.
"""

from __future__ import annotations

import re

from .answers import Answer
from .language.courtesy import BYE, THANKS

__all__ = ["cancelled", "out_of_scope", "smalltalk", "unknown"]

_STARTERS = ("Show the network summary", "Add a supplier in Shanghai", "help")


def _quoted(text: str, limit: int = 60) -> str:
    shown = " ".join(text.split())
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def cancelled(what: str) -> Answer:
    """ "Don't connect it yet", "no" to a confirmation, "never mind"."""
    what = what.strip()
    if what.endswith("?"):
        return Answer("OK, I won't. Nothing was changed.", _STARTERS)
    if what:
        return Answer(f'OK, I won\'t ("{_quoted(what)}"). Nothing was changed.', _STARTERS)
    return Answer("OK, nothing was changed.", _STARTERS)


_THANKS = re.compile(rf"(?<!\w)(?:{THANKS}|appreciate)(?!\w)", re.IGNORECASE)
_BYE = re.compile(rf"(?<!\w)(?:{BYE}|that'?s\sall|that'?s\sit)(?!\w)", re.IGNORECASE)


def smalltalk(text: str) -> Answer:
    if _THANKS.search(text):
        return Answer("You're welcome! What next?", _STARTERS)
    if _BYE.search(text):
        return Answer("Bye! Your network is saved; pick up any time.", ())
    return Answer(
        "Hi! I'm your supply-chain copilot: I build, question and stress-test your network. "
        'Try "add a supplier in Shanghai", "what feeds Berlin Plant?" or "help".',
        _STARTERS,
    )


#: The nearest things the copilot can do, for each thing it cannot.
_INSTEAD = {
    "book trucks or shipments": (
        "add a shipping method to a lane, or simulate a transportation delay",
        ("Add truck shipping", "Simulate a transportation delay"),
    ),
    "send email or messages": (
        "give you a summary or a list of nodes to paste into a message",
        ("Show the network summary", "List my nodes"),
    ),
    "call or message people": (
        "show a node's details and alerts so you know what to tell them",
        ("Show recent alerts", "Show the network summary"),
    ),
    "place orders or payments": (
        "change capacities or inventory in the twin, or simulate a demand spike",
        ("What if demand rises 30%?", "List my suppliers"),
    ),
    "check the weather": (
        "simulate a natural disaster (storm, flood, typhoon) at any city in your network",
        ("Simulate a typhoon in Shanghai", "Identify risks"),
    ),
    "look up prices, markets or news": (
        "change the network's currency or simulate a geopolitical event",
        ("Show my settings", "Simulate a geopolitical event in Asia"),
    ),
    "schedule meetings": (
        "prepare the facts for one: the network summary, risks and alerts",
        ("Show the network summary", "Identify risks"),
    ),
    "track lead times, transit times or costs": (
        "show which nodes a link joins and how goods flow, and simulate a transportation delay",
        ("What feeds my warehouses?", "Simulate a transportation delay"),
    ),
    "measure emissions": (
        "analyse utilization, bottlenecks and risks of your network",
        ("Calculate utilization", "Find bottlenecks"),
    ),
    "track shipments or trucks": (
        "show a node's details, links and alerts",
        ("Show recent alerts", "List my nodes"),
    ),
    "hire or manage staff": (
        "simulate a labor shortage to see its effect",
        ("Simulate a labor shortage", "Identify risks"),
    ),
    "tell jokes or chat about other topics": (
        "answer questions about your supply-chain network",
        ("help", "Show the network summary"),
    ),
    "run personal errands": (
        "keep working on your network in the meantime",
        ("Show the network summary", "help"),
    ),
    "print labels or documents": (
        "list a node's links and details, which you can copy onto your own labels",
        ("List my nodes", "Show the network summary"),
    ),
    "make slides or presentations": (
        "give you the network summary, the risks and the numbers behind them to put on a slide",
        ("Show the network summary", "What are our biggest risks?"),
    ),
    "export files": (
        "list your nodes or show the summary, which you can copy",
        ("List my nodes", "Show the network summary"),
    ),
    "translate": (
        "work with your network in English",
        ("help",),
    ),
}


def out_of_scope(topic: str) -> Answer:
    instead, suggestions = _INSTEAD.get(topic, ("build, analyse and simulate your network", ()))
    return Answer(
        f"I can't {topic or 'do that'}: I work on your supply-chain twin. I can {instead}.",
        (*suggestions, "help") if suggestions else _STARTERS,
    )


def unknown(text: str, suggestions: tuple[str, ...] = ()) -> Answer:
    """Nothing understood: say so, and offer concrete requests."""
    offered = suggestions or (
        "Show the network summary",
        "Add a supplier in Shanghai",
        "What feeds Berlin Plant?",
    )
    examples = "; ".join(f'"{s}"' for s in offered[:3])
    return Answer(
        f'I didn\'t understand "{_quoted(text)}". Did you mean one of these: {examples}? '
        "Type **help** to see everything I can do.",
        (*offered[:3], "help"),
    )
