"""Checking and converting a command's parameter values before the twin sees them: a choice
among allowed values (case and "-"/"_"/" " ignored), node types, whole and decimal numbers in
range, and places (a node's location; a country or region gets its representative city).

An invalid value raises :class:`~.context._Failed` with an answer saying what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .. import answers
from ..commands import NODE_TYPES, Place
from ..twin import Location
from .context import _Failed
from .resolution import _TYPE_WORDS

_MAX_CAPACITY = 1_000_000_000


def _choice(value: Any, allowed: Sequence[str], what: str) -> str:
    """The allowed value ``value`` names, ignoring case and " " / "_" / "-" differences."""

    def norm(text: str) -> str:
        return text.strip().lower().replace(" ", "-").replace("_", "-")

    wanted = norm(str(value))
    for option in allowed:
        if norm(option) == wanted:
            return option
    raise _Failed(f"{value!r} is not a valid {what}; choose one of {', '.join(allowed)}.")


def _node_type(value: Any) -> str:
    """A node type from its id or a common word for it, singular or plural ("plants")."""
    word = str(value).strip().lower()
    for candidate in (word, word.removesuffix("s"), word.removesuffix("es")):
        for node_type, words in _TYPE_WORDS.items():
            if candidate in words and candidate not in ("center", "centre", "distribution"):
                return node_type
    return _choice(value, NODE_TYPES, "node type")


def _int(value: Any, what: str, *, minimum: int, maximum: int = _MAX_CAPACITY) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _Failed(f"{value!r} is not a valid {what}; give a whole number.") from None
    if math.isinf(number):  # hundreds of digits: say so in words, not "inf"
        raise _Failed(
            f"That number is out of range for a {what}; it must be between {minimum:,} and "
            f"{maximum:,}."
        )
    if number != number or not minimum <= number <= maximum or number != int(number):
        raise _Failed(
            f"{value!r} is not a valid {what}; it must be between {minimum:,} and {maximum:,}."
        )
    return int(number)


def _float(value: Any, what: str, *, minimum: float, maximum: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _Failed(f"{value!r} is not a valid {what}.") from None
    if math.isinf(number):
        raise _Failed(
            f"That number is out of range for a {what}; it must be between {minimum:g} and "
            f"{maximum:g}."
        )
    if number != number or not minimum <= number <= maximum:
        raise _Failed(
            f"{value!r} is not a valid {what}; it must be between {minimum:g} and {maximum:g}."
        )
    return number


def _location(place: Place) -> tuple[Location, bool]:
    """A node location from a place; a country or region gets its representative city."""
    if place.city is None or place.approximate:
        from ..gazetteer import nearest_city  # the gazetteer is big: load it only when needed

        city = nearest_city(place.latitude, place.longitude, region=place.region)
        return Location(city.city, city.country, city.region, city.latitude, city.longitude), True
    return Location(place.city, place.country, place.region, place.latitude, place.longitude), False


def _place_words(place: Place) -> str:
    if place.city and not place.approximate:
        return place.city
    return place.country or answers.region_label(place.region)


def _require_place(value: Any, what: str) -> Place:
    if not isinstance(value, Place):
        raise _Failed(
            f"Where should the {what} be? Name a city, country or region, "
            f"e.g. *add a {what} in Rotterdam*.",
            (f"Add a {what} in Rotterdam", f"Add a {what} in Asia"),
        )
    return value
