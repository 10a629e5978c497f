"""The intents as model tools: the generated schemas and tool calls read back into commands."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from omnitrack_realtime.engine import commands
from omnitrack_realtime.engine.commands import INTENTS, NODE_TYPES, NodeRef
from omnitrack_realtime.engine.simulation import SCENARIOS
from omnitrack_realtime.engine.tools import (
    TOOLS,
    ToolCallError,
    find_tool,
    to_command,
    tool_name,
    tool_schemas,
)
from omnitrack_realtime.engine.twin import (
    CURRENCIES,
    INDUSTRIES,
    NODE_STATUSES,
    REGIONS,
    RISK_PROFILES,
    SHIPPING_METHODS,
)

ALL_INTENTS = [intent for group in INTENTS.values() for intent in group]


def documented_required() -> dict[str, set[str]]:
    """The *required* parameters of every intent, read from commands.py's docstring.

    The docstring lists intents (``add-supplier`` ``add-manufacturer``: ...) followed by their
    parameters; a parenthesis with *required* applies to the parameters just before it
    (``source``, ``target`` (NodeRef, *required*)).
    """
    doc = commands.__doc__ or ""
    tokens = list(re.finditer(r"``([a-z_.-]+)``", doc))
    required: dict[str, set[str]] = {}
    group: list[str] = []
    pending: list[str] = []
    previous_was_param = True
    for number, token in enumerate(tokens):
        word = token.group(1)
        if word in ALL_INTENTS:
            if previous_was_param:
                group, pending = [], []
            group.append(word)
            required.setdefault(word, set())
            previous_was_param = False
            continue
        previous_was_param = True
        if not group:
            continue
        pending.append(word)
        end = tokens[number + 1].start() if number + 1 < len(tokens) else len(doc)
        gap = doc[token.end() : end]
        if "(" in gap:
            parenthesis = gap[gap.index("(") :]
            if "*required*" in parenthesis.split(")")[0]:
                for intent in group:
                    required[intent].update(pending)
            pending = []
        elif gap.strip() not in ("", ","):
            pending = []
    return required


def test_every_intent_has_a_tool_with_its_documented_required_params() -> None:
    schemas = {s["function"]["name"]: s["function"] for s in tool_schemas()}
    assert sorted(schemas) == sorted(tool_name(i) for i in ALL_INTENTS)
    documented = documented_required()
    assert set(documented) == set(ALL_INTENTS)
    # The reading of the docstring found what it says (not an empty, vacuous table).
    assert documented["add-supplier"] == {"place"}
    assert documented["connect-nodes"] == {"source", "target"}
    assert documented["rename-node"] == {"node", "name"}
    assert documented["trace-downstream"] == {"node"}
    assert documented["help"] == set()
    for intent, params in documented.items():
        parameters = schemas[tool_name(intent)]["parameters"]
        assert params <= set(parameters["properties"]), intent
        assert params <= set(parameters["required"]), intent


def test_schemas_are_well_formed_and_json() -> None:
    schemas = tool_schemas()
    assert json.loads(json.dumps(schemas)) == schemas
    for schema in schemas:
        assert schema["type"] == "function"
        function = schema["function"]
        assert re.fullmatch(r"[a-zA-Z0-9_]{1,64}", function["name"])
        assert function["description"]
        parameters = function["parameters"]
        assert parameters["type"] == "object"
        assert parameters["additionalProperties"] is False
        assert set(parameters["required"]) <= set(parameters["properties"])
        for prop in parameters["properties"].values():
            assert prop["type"] in ("string", "integer", "number", "boolean", "array")
            assert prop["description"]


def enum(intent: str, param: str) -> list[str]:
    tool = find_tool(intent)
    assert tool is not None
    properties = tool.schema()["function"]["parameters"]["properties"]
    values: list[str] = properties[param]["enum"]
    return values


def test_enums_come_from_the_twin() -> None:
    assert enum("set-region", "region") == list(REGIONS)
    assert enum("set-industry", "industry") == list(INDUSTRIES)
    assert enum("set-currency", "currency") == list(CURRENCIES)
    assert enum("set-risk-profile", "level") == list(RISK_PROFILES)
    assert enum("add-shipping-method", "method") == list(SHIPPING_METHODS)
    assert enum("connect-nodes", "shipping_method") == list(SHIPPING_METHODS)
    assert enum("update-node", "status") == list(NODE_STATUSES)
    assert enum("list-nodes", "node_type") == list(NODE_TYPES)
    assert enum("run-simulation", "scenario") == list(SCENARIOS)
    assert [t.intent for t in TOOLS] == ALL_INTENTS


def test_a_call_becomes_a_command() -> None:
    command = to_command(
        "add_warehouse",
        '{"place": "rotterdam", "capacity": "5,000", "name": "Depot"}',
        text="a depot in rotterdam",
        confidence=0.9,
    )
    assert command.intent == "add-warehouse"
    assert command.text == "a depot in rotterdam" and command.confidence == 0.9
    place = command.params["place"]
    assert (place.city, place.country) == ("Rotterdam", "Netherlands")
    assert command.params["capacity"] == 5000 and command.params["name"] == "Depot"
    # The hyphenated name works too; a country is a place.
    assert to_command("add-supplier", {"place": "Germany"}).params["place"].country == "Germany"


def test_node_references_and_values() -> None:
    connect = to_command(
        "connect_nodes",
        json.dumps(
            {"source": "it", "target": "SUP-3", "shipping_method": "Sea", "bidirectional": True}
        ),
    ).params
    assert connect == {
        "source": NodeRef("it", "pronoun"),
        "target": NodeRef("sup-3", "id"),
        "shipping_method": "sea",
        "bidirectional": True,
    }
    assert to_command("remove_node", '{"node": "them"}').params["node"] == NodeRef(
        "them", "pronoun"
    )
    assert to_command("get_node_details", '{"node": "Berlin Plant"}').params["node"] == NodeRef(
        "Berlin Plant"
    )
    update = to_command(
        "update_node", '{"node": "wh-2", "utilization": 0.75, "status": "DEGRADED"}'
    ).params
    assert update == {"node": NodeRef("wh-2", "id"), "utilization": 0.75, "status": "degraded"}
    compare = to_command("compare_nodes", '{"nodes": ["sup-1", "Berlin Plant"]}').params
    assert compare["nodes"] == (NodeRef("sup-1", "id"), NodeRef("Berlin Plant"))
    assert to_command("set_currency", '{"currency": "eur"}').params == {"currency": "EUR"}
    assert to_command("list_nodes", '{"node_type": "distribution center"}').params == {
        "node_type": "distribution_center"
    }
    assert to_command("undo", "").params == {}
    assert to_command("help", '{"topic": null}').params == {}


@pytest.mark.parametrize(
    ("name", "arguments", "problem"),
    [
        ("launch_rockets", "{}", "no such tool"),
        ("add_supplier", '{"place": "Rotterdam", ', "not valid JSON"),
        ("add_supplier", '["Rotterdam"]', "one JSON object"),
        ("add_supplier", "{}", "place is required"),
        ("add_supplier", '{"place": ""}', "place is required"),
        ("add_supplier", '{"place": "Narnia"}', "unknown place 'Narnia'"),
        ("add_supplier", '{"place": "Lyon", "colour": "red"}', "unknown parameter(s) colour"),
        ("add_supplier", '{"place": "Lyon", "capacity": 1.5}', "whole number"),
        ("add_supplier", '{"place": "Lyon", "capacity": "many"}', "expected a number"),
        ("add_supplier", '{"place": "Lyon", "capacity": 0}', "from 1 to 1,000,000,000"),
        ("add_supplier", '{"place": "Lyon", "capacity": true}', "expected a number"),
        ("update_node", '{"node": "wh-1", "utilization": 1.5}', "from 0 to 1"),
        ("update_node", '{"node": "wh-1", "capacity": NaN}', "finite"),
        ("update_node", '{"node": "wh-1"}', "at least one of capacity"),
        ("set_currency", '{"currency": "DOGE"}', "choose one of USD, EUR"),
        ("connect_nodes", '{"source": "a", "target": "b", "bidirectional": 2}', "true or false"),
        ("compare_nodes", '{"nodes": ["sup-1"]}', "two or more"),
        ("rename_node", '{"node": "wh-1", "name": {"x": 1}}', "expected text"),
    ],
)
def test_calls_that_do_not_fit_say_why(name: str, arguments: str, problem: str) -> None:
    with pytest.raises(ToolCallError) as caught:
        to_command(name, arguments)
    assert problem in str(caught.value)
    assert caught.value.tool in (name, "launch_rockets")


def test_every_tool_accepts_its_own_minimal_call() -> None:
    samples: dict[str, Any] = {"place": "Lyon", "node": "sup-1", "nodes": ["sup-1", "wh-1"]}
    for tool in TOOLS:
        arguments = {}
        for param in tool.params:
            if param.required or param.name in tool.needs_one_of[:1]:
                if param.enum:
                    arguments[param.name] = param.enum[0]
                elif param.type in samples:
                    arguments[param.name] = samples[param.type]
                elif param.type == "integer":
                    arguments[param.name] = int(param.minimum or 1)
                else:
                    arguments[param.name] = "x"
        command = to_command(tool.name, json.dumps(arguments))
        assert command.intent == tool.intent
        assert set(command.params) == set(arguments)
