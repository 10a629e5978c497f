"""The rule-based language layer: plain English in, typed :class:`~.commands.ParseResult` out.

Pure and fast: no I/O, no model. Every regular expression and lookup table is built once at
import; one call costs a few hundred microseconds.

How a message is read:

1. **Clean and correct.** Whitespace and quotes are normalised, then words of five letters or
   more that are one edit (Damerau) away from a keyword are corrected ("suplier", "warehose",
   "anomolies"), except words of the user's node names and of places.
2. **Split into steps** on numbered lists, ";", "then", "after that", and on "and" / "," when
   what follows starts a new request ("..., connect it to ..."); "add a supplier in Busan and a
   plant in Ulsan" becomes two adds. At most ten steps are kept (``too_many_steps``).
3. **Read each step.** Node names (``known_names``, case-insensitive, one typo per long word
   allowed), node ids (``sup-3``) and places (the gazetteer) are found first and masked, so that
   words inside them ("Berlin *Plant*", "*Port* Klang") do not trigger intents. Intents are then
   recognised by ordered rules, from the most specific ("disconnect", "what if ... port ...
   closes") to the most general ("show me ..."), and their parameters read from the step.
4. **Ask rather than guess.** A step whose intent is clear but whose required parameter is
   missing or unknown gives a :class:`~.commands.Clarification` with a specific question; the
   whole message is then answered with that question and nothing is executed. So do requests
   the twin cannot express exactly: relative changes ("increase capacity *by* 2,000"), demand
   *drops*, advice questions ("should I add a warehouse?"), and negations ("don't add ...").
   Questions ("is Berlin Plant operational?") read the twin instead of changing it. A place
   written with one typo ("Jakrta") is accepted with a lower confidence.
5. **Confidence** starts from how specific the rule was (0.95 for an add with a city, 0.6 for
   a bare scenario such as "earthquake in Tokyo") and drops for typo corrections, fuzzy name
   matches and parts of the message that were ignored.

Conventions the twin layer relies on (see :mod:`.commands` for the parameter keys):

* A node named in ``known_names`` comes back as ``NodeRef(<the known name>, "name")``.
* "the Rotterdam warehouse" with no such known name is ``NodeRef("Rotterdam warehouse",
  "place", node_type="warehouse", place=<Rotterdam>)``; a bare type ("the store") is
  ``NodeRef("store", "name", node_type="retailer")``, its text the word the twin ends default
  names with ("Sydney Store"); the twin resolves it to the only node of that type, or asks
  which one naming them. "that warehouse" / "the new plant" / "the warehouse I just added"
  are pronouns with a type. A place-tied reference that one known name fits ("the store of
  Sydney", "the Rotterdam one") is that name; otherwise "the Rotterdam one" is a place
  reference without a type.
* A pronoun in the step after one nobody understood points at the node that step named:
  "Berlin Plant's having some issues, mark it degraded" updates Berlin Plant.
* Pronouns keep their word: ``NodeRef("it", "pronoun")``, ``NodeRef("them", "pronoun")``.
  "connect them" gives ``source`` and ``target`` both ``NodeRef("them", "pronoun")``: the
  last two nodes mentioned, in order.
* Analysis intents narrow by ``node_type`` when only a type was named ("all warehouses").
* A step that points back ("..., set the industry accordingly", "..., simulate 5 days of
  that", "..., simulate the recall") is read together with the step before it, when alone it
  would ask or would leave that step not understood; its pronoun then names no node.
* "connect to Chicago DC" (no source said) connects ``NodeRef("it", "pronoun")``; "the last
  thing I added" is a pronoun too. "Should we close X?" asks for advice: a clarification
  with no intent, offering the analyses and simulations that help decide.

The modules, each importing only those above it:

* :mod:`.numbers`: numbers, durations and percentages in digits or words;
* :mod:`.vocabulary`: the word tables (node types, statuses, scenarios, settings, keywords);
* :mod:`.names`: the index of the user's node names and the search for them in a message;
* :mod:`.cleaning`: whitespace and quote normalisation, keyword typo correction (1);
* :mod:`.steps`: splitting a message into steps (2);
* :mod:`.references`: what one step names, found and masked (3);
* :mod:`.outcomes`: what a rule returns, and the helpers the rules share;
* :mod:`.connections`, :mod:`.edits`, :mod:`.scenarios`, :mod:`.settings`, :mod:`.queries`:
  the intent rules, one family each (3, 4);
* :mod:`.rules`: the rules in their order, reading one step;
* :mod:`.descriptions`: a description read as the nodes it describes ("we make furniture in
  Poznań and sell through stores in Berlin ... model that");
* :mod:`.frames`: a step no rule reads, read by what it names (sites, nodes, a verb of flow)
  and said again in the rules' words; a what-if in the user's own words;
* :mod:`.courtesy`: greetings, thanks, goodbyes, yes and no in other languages, polite
  particles and emoticons (used by cleaning, mood and the parser);
* :mod:`.parser`: the whole message, :func:`parse` (4, 5).
"""

from __future__ import annotations

from .descriptions import described_adds
from .fragments import (
    Correction,
    read_correction,
    read_reference,
    read_scenario_values,
    suggestions_for,
)
from .names import _build_names as _build_names  # the tests compare it with _name_index
from .names import _name_index as _name_index
from .numbers import parse_duration_hours, parse_number, parse_percent
from .parser import MAX_STEPS, parse

__all__ = [
    "MAX_STEPS",
    "Correction",
    "described_adds",
    "parse",
    "parse_duration_hours",
    "parse_number",
    "parse_percent",
    "read_correction",
    "read_reference",
    "read_scenario_values",
    "suggestions_for",
]
