"""Pasted tables read as the requests they list.

A planner pastes rows from a spreadsheet or a Markdown table ("| Pune | supplier | 8,000 |",
tab-separated cells): each row of nodes becomes "add a supplier in Pune, capacity 8000", and
each row of a table with "from" and "to" columns becomes "connect A to B". A header row (cells
that name columns, no place and no number) says what the columns are; without one, each
cell is recognised by what it holds (a node type, a place, a number, else a name). A line
that only introduces the table ("Can you add these sites please:") says nothing more than
the rows.
"""

from __future__ import annotations

import json
import re

from .. import gazetteer
from .numbers import parse_number
from .vocabulary import _TYPE_RE

_RULE_LINE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_INTRO = re.compile(
    r"^\W*(?:(?:hi|hello|hey|ok|okay|so|right)\W+)*(?:(?:can|could|would)\s(?:you|u)\s(?:please\s)?"
    r"|please\s|pls\s)?(?:add|create|put\sin|enter|load|set\sup|register|onboard)\s(?:these|the"
    r"\sfollowing|this\slist|them\sall|all\sof\sthese|all\sthese)\b[^.?!\n]*?\W*$"
    r"|^\W*(?:here\s(?:are|is)|below\s(?:are|is))\b[^.?!\n]*?\W*$",
    re.IGNORECASE,
)
_HEADER_WORDS = {
    "type": re.compile(r"^(?:node\s)?(?:type|kind|role|category|function|tier)$", re.I),
    "place": re.compile(r"^(?:city|town|location|site|place|where|country|region)$", re.I),
    "capacity": re.compile(
        r"^(?:capacity|cap|units|volume|size|throughput|output)(?:\s?\(.*\)|\s.*)?$", re.I
    ),
    "name": re.compile(r"^(?:name|site\sname|node|label|called)$", re.I),
    "from": re.compile(r"^(?:from|source|origin|supplied\sby|fed\sby|upstream)$", re.I),
    "to": re.compile(r"^(?:to|destination|target|feeds|ships\sto|supplies|downstream)$", re.I),
}


def _separator(line: str) -> str | None:
    if line.count("|") >= 2 or (line.strip().startswith("|") and line.count("|") >= 1):
        return "|"
    if "\t" in line.strip():
        return "\t"
    if _CSV_LINE.match(line):
        return ","  # "supplier,Cork,6000": exported, no space after a comma as prose has
    return None


_CSV_LINE = re.compile(r"^\s*[^\s,|():][^,|\t():]*(?:,[^\s,|():][^,|\t():]*)+\s*$")
# "lanes (from,to):", "sites (type, city, capacity)": the columns of the rows below
_COLUMNS_IN_INTRO = re.compile(r"^[^(]*\((?P<columns>[^()]+(?:,[^()]+)+)\)\W*$")
# "one more row I missed: dc,Manchester,9000 - ...": a row said inside a sentence
_INLINE_ROW = re.compile(r"(?<![\w,])[A-Za-z][\w-]*(?:,[^\s,][\w-]*){2,3}(?![\w,])")


def _cells(line: str, separator: str) -> list[str]:
    text = line.strip()
    if separator == "|":
        text = text.strip("|")
    return [cell.strip() for cell in text.split(separator)]


def _column_of(cell: str) -> str | None:
    for column, pattern in _HEADER_WORDS.items():
        if pattern.match(cell.strip(" :*_")):
            return column
    return None


def _is_header(cells: list[str]) -> bool:
    named = [_column_of(c) for c in cells]
    return any(named) and not any(
        gazetteer.lookup(c) or parse_number(c.replace(",", ""))
        for c, column in zip(cells, named, strict=True)
        if c and column is None  # ("To" is also a town in Burkina Faso)
    )


def _row_request(cells: list[str], columns: list[str | None] | None) -> str | None:
    """The request one row stands for, or None when the row is not a node or a link."""
    kind = place = name = capacity = source = target = None
    for index, cell in enumerate(cells):
        if not cell:
            continue
        column = columns[index] if columns is not None and index < len(columns) else None
        number = parse_number(cell.replace(",", "")) if re.search(r"\d|thousand", cell) else None
        if column == "from":
            source = cell
        elif column == "to":
            target = cell
        elif column == "type" or (column is None and _TYPE_RE.fullmatch(cell)):
            kind = cell
        elif column == "capacity" or (column is None and number is not None):
            capacity = number if number is not None else capacity
        elif column == "place" or (column is None and gazetteer.lookup(cell) and place is None):
            place = cell
        elif column == "name" or column is None:
            name = cell
    if source and target:
        return f"ship from {source} to {target}"  # the columns say the direction
    if kind is None or place is None:
        return None
    request = f"add a {kind} in {place}"
    if capacity:
        request += f", capacity {capacity:.0f}"
    if name:
        request += f", called {name}"
    return request


def _inline_row(match: re.Match[str]) -> str:
    request = _row_request(match.group().split(","), None)
    return request if request is not None and " in " in request else match.group()


# "type=plant, city=Oulu, cap=40000", "settings currency=EUR region=europe": a config line
_KEY_VALUE = re.compile(
    r"(?P<key>[a-z_]+)\s*=\s*(?P<value>[^,=\n]+?)(?=\s*,|\s+[a-z_]+\s*=|\s*$)", re.I
)
_KV_LINE = re.compile(
    r"^\s*(?:[a-z]+\s+)?(?:[a-z_]+\s*=\s*[^,=\n]+?(?:\s*,\s*|\s+|$)){2,}\s*$", re.I
)
_SETTING_KEYS = {
    "currency": "currency",
    "region": "region",
    "industry": "industry",
    "risk_profile": "risk profile",
    "risk": "risk profile",
}


def _key_value_requests(line: str) -> list[str] | None:
    """The requests one ``key=value`` line stands for, or None when it is not such a line."""
    if not _KV_LINE.match(line):
        return None
    pairs = {m.group("key").lower(): m.group("value").strip() for m in _KEY_VALUE.finditer(line)}
    settings = [
        f"set the {_SETTING_KEYS[k]} to {v}" for k, v in pairs.items() if k in _SETTING_KEYS
    ]
    kind = pairs.get("type") or pairs.get("kind")
    place = pairs.get("city") or pairs.get("place") or pairs.get("location")
    if kind and place:
        size = pairs.get("cap") or pairs.get("capacity")
        add = f"add a {kind} in {place}" + (f", capacity {size}" if size else "")
        source = pairs.get("fed_by") or pairs.get("from") or pairs.get("supplied_by")
        return [add, *([f"ship from {source} to it"] if source else []), *settings]
    if pairs.get("from") and pairs.get("to"):
        return [f"ship from {pairs['from']} to {pairs['to']}", *settings]  # a lane
    return settings or None


# '{"type":"supplier","city":"Oberá","capacity":12000}': a record pasted as JSON, one per line
_JSON_RECORD = re.compile(r"\{[^{}\n]*\}")


def _json_as_key_values(match: re.Match[str]) -> str:
    try:
        record = json.loads(match.group())
    except ValueError:
        return match.group()
    if not isinstance(record, dict) or not record:
        return match.group()
    pairs = [
        f"{key}={value}"
        for key, value in record.items()
        if isinstance(key, str) and isinstance(value, (str, int, float)) and str(value).strip()
    ]
    return ", ".join(pairs) if len(pairs) >= 2 else match.group()


# A YAML list of records, as pasted from a config file:
#   - type: plant
#     city: Twin Falls
_YAML_ITEM = re.compile(
    r"^(?P<indent>[ \t]*)-[ \t]+(?P<key>[a-z_]+):[ \t]*(?P<value>[^\n#]*?)[ \t]*$"
)
_YAML_FIELD = re.compile(r"^(?P<indent>[ \t]+)(?P<key>[a-z_]+):[ \t]*(?P<value>[^\n#]*?)[ \t]*$")
_YAML_KEYS = r"type|kind|city|place|capacity|cap|from|to|fed_by|supplied_by|name|node|site"
_FENCE = re.compile(r"^[ \t]*```[a-z]*[ \t]*$", re.MULTILINE)


def _yaml_records(text: str) -> str:
    """Each YAML list item of ``key: value`` fields as one ``key=value, ...`` line."""
    if not re.search(rf"^[ \t]*-[ \t]+(?:{_YAML_KEYS}):", text, re.MULTILINE):
        return text
    out: list[str] = []
    record: list[str] | None = None
    for line in _FENCE.sub("", text).split("\n"):
        item = _YAML_ITEM.match(line)
        field = _YAML_FIELD.match(line) if item is None else None
        if item is not None and item.group("value") and re.fullmatch(_YAML_KEYS, item.group("key")):
            if record:
                out.append(", ".join(record))
            record = [f"{item.group('key')}={item.group('value').strip(chr(34) + chr(39))}"]
        elif field is not None and record is not None and field.group("value"):
            record.append(f"{field.group('key')}={field.group('value').strip(chr(34) + chr(39))}")
        else:
            if record:
                out.append(", ".join(record))
            record = None
            if not re.fullmatch(r"[ \t]*[a-z_]+:[ \t]*", line):  # ("sites:", "lanes:")
                out.append(line)
    if record:
        out.append(", ".join(record))
    return "\n".join(out)


# Changes written as a diff: "+ supplier Kimbe 6000", "- Wewak Supplier", "- Lae -> Brisbane",
# "~ Lae cap 8000 -> 11000", "~ Madang status degraded"
_DIFF_LINE = re.compile(r"^[ \t]*(?P<sign>[-+~])[ \t]+(?P<rest>\S.*)$")


def _diff_requests(text: str) -> str:
    lines = text.split("\n")
    signs = [m.group("sign") for m in (_DIFF_LINE.match(line) for line in lines) if m]
    if not signs or not ({"+", "~"} & set(signs)):
        return text  # "- item" lines alone are a bullet list
    out: list[str] = []
    for line in lines:
        diff = _DIFF_LINE.match(line)
        if diff is None:
            out.append(line)
            continue
        sign, rest = diff.group("sign"), diff.group("rest").strip()
        arrow = re.match(r"^(?P<a>.+?)\s*(?:->|→)\s*(?P<b>.+)$", rest)
        if sign == "+":
            out.append(
                rest
                if arrow is not None or re.match(r"(?:add|connect)\b", rest, re.I)
                else f"add {rest}"
            )
        elif sign == "-":
            out.append(
                f"disconnect {arrow.group('a')} from {arrow.group('b')}"
                if arrow
                else f"remove {rest}"
            )
        else:
            changed = re.match(
                r"^(?P<node>.+?)\s+(?:cap|capacity)\s+(?:\S+\s*(?:->|→)\s*)?(?P<n>\S+)\s*$",
                rest,
                re.I,
            )
            status = re.match(r"^(?P<node>.+?)\s+status\s+(?P<s>\w+)", rest, re.I)
            if changed is not None:
                out.append(f"set {changed.group('node')} capacity to {changed.group('n')}")
            elif status is not None:
                out.append(f"mark {status.group('node')} {status.group('s')}")
            else:
                out.append(f"change {rest}")
    return "\n".join(out)


# SQL, as an engineer might type it: statements on the nodes and links tables
_SQL_START = re.compile(r"^\s*(?:select|insert|update|delete|commit|begin|rollback)\b", re.I | re.M)
_SQL_WORD = {
    "manufacturer": "plant",
    "retailer": "store",
    "distribution_center": "distribution center",
    "dc": "distribution center",
}
_SQL_VALUE = r"'(?:[^']|'')*'|\d[\d.]*|[a-z_]+"
_SQL_CONDITION = re.compile(rf"(?P<key>[a-z_]+)\s*=\s*(?P<value>{_SQL_VALUE})", re.I)
_SQL_TUPLE = re.compile(r"\(([^()]*)\)")


def _sql_value(raw: str) -> str:
    raw = raw.strip()
    return raw[1:-1].replace("''", "'") if raw.startswith("'") else raw


def _sql_where(statement: str) -> dict[str, str]:
    where = re.search(r"\bwhere\b(?P<rest>.*)$", statement, re.I | re.S)
    if where is None:
        return {}
    return {
        m.group("key").lower(): _sql_value(m.group("value"))
        for m in _SQL_CONDITION.finditer(where.group("rest"))
    }


def _sql_node(where: dict[str, str]) -> str | None:
    """The node a WHERE clause names, in words the rules resolve."""
    if "name" in where:
        return where["name"]
    if "city" in where:
        kind = where.get("type")
        word = _SQL_WORD.get(kind or "", kind or "")
        # ("the store in Akureyri": a description, so a removal asks first, as it would for
        # the words; "the Akureyri store" would read as the node's default name)
        return f"the {word} in {where['city']}" if word else where["city"]
    return where.get("id")


def _sql_statement(statement: str) -> list[str] | None:
    """The requests one SQL statement stands for (None: not a statement on nodes or links)."""
    said = statement.strip()
    if re.fullmatch(r"(?:commit|begin|rollback)(?:\s+transaction)?", said, re.I):
        return []
    table = re.search(r"\b(?:from|into|update)\s+(?P<t>[a-z_]+)", said, re.I)
    if table is None:
        return None
    links = table.group("t").lower() in ("links", "lanes", "connections", "edges", "routes")
    where = _sql_where(said)
    verb = said.split(None, 1)[0].lower()
    if verb == "select" and not links:
        kind = where.get("type")
        plural = (
            f"{_SQL_WORD.get(kind or '', kind or 'node')}s".replace("ys", "ies")
            if kind
            else "nodes"
        )
        scope = f" in {where['city']}" if "city" in where else ""
        state = f"{where['status']} " if "status" in where else ""
        if re.search(r"\bsum\s*\(\s*capacity\s*\)", said, re.I):
            return [f"show the total capacity of my {state}{plural}{scope}"]
        return [f"list my {state}{plural}{scope}"]
    if verb == "insert":
        columns = re.search(r"\(\s*(?P<c>[a-z_,\s]+)\)\s*values", said, re.I)
        values_at = re.search(r"\bvalues\b", said, re.I)
        if columns is None or values_at is None:
            return None
        names = [c.strip().lower() for c in columns.group("c").split(",")]
        requests = []
        for row in _SQL_TUPLE.findall(said[values_at.end() :]):
            cells = [_sql_value(v) for v in re.findall(_SQL_VALUE, row, re.I)]
            record = dict(zip(names, cells, strict=False))
            if links:
                source = record.get("src") or record.get("from") or record.get("source")
                target = record.get("dst") or record.get("to") or record.get("target")
                if source and target:
                    requests.append(f"connect {source} to {target}")
            elif record.get("type") and record.get("city"):
                word = _SQL_WORD.get(record["type"].lower(), record["type"])
                size = record.get("capacity") or record.get("cap")
                requests.append(
                    f"add a {word} in {record['city']}" + (f", capacity {size}" if size else "")
                )
        return requests or None
    if verb == "update" and not links:
        node = _sql_node(where)
        sets = re.search(r"\bset\b(?P<s>.*?)(?:\bwhere\b|$)", said, re.I | re.S)
        if node is None or sets is None:
            return None
        changes = {
            m.group("key").lower(): _sql_value(m.group("value"))
            for m in _SQL_CONDITION.finditer(sets.group("s"))
        }
        requests = []
        if "status" in changes:
            requests.append(f"mark {node} {changes['status']}")
        if "capacity" in changes:
            requests.append(f"set the capacity of {node} to {changes['capacity']}")
        if "name" in changes:
            requests.append(f"rename {node} to {changes['name']}")
        return requests or None
    if verb == "delete":
        if links:
            source = where.get("src") or where.get("from") or where.get("source")
            target = where.get("dst") or where.get("to") or where.get("target")
            return [f"disconnect {source} from {target}"] if source and target else None
        node = _sql_node(where)
        return [f"remove {node}"] if node else None
    return None


def _sql_requests(text: str) -> str:
    """``text`` with its SQL statements written as the requests they stand for."""
    out: list[str] = []
    for line in text.split("\n"):
        code = re.sub(r"--.*$", "", line)
        # "yes. COMMIT;": the transaction words say nothing to the twin
        code = re.sub(r"\b(?:commit|begin|rollback)(?:\s+transaction)?\s*;", "", code, flags=re.I)
        if not _SQL_START.match(code):
            out.append(code if code.strip() else line)
            continue
        kept: list[str] = []
        for statement in (p for p in code.split(";") if p.strip()):
            requests = _sql_statement(statement)
            kept += [statement.strip()] if requests is None else requests
        out.extend(kept)
    return "\n".join(out)


def read_sql(text: str) -> str:
    """``text`` with its SQL statements on nodes and links written as requests (before the
    cleaning that drops bracketed asides: "VALUES ('Rotterdam Supplier', 'Kópavogur Plant')")."""
    if _SQL_START.search(text) or re.search(r"\bcommit\s*;", text, re.I):
        return _sql_requests(text)
    return text


def read_tables(text: str) -> str:
    """``text`` with each pasted table's rows written as requests, one per line."""
    if "{" in text:
        text = _JSON_RECORD.sub(_json_as_key_values, text)
    if ":" in text:
        text = _yaml_records(text)
    if re.search(r"^[ \t]*[+~][ \t]", text, re.MULTILINE):
        text = _diff_requests(text)
    if "=" in text:
        config: list[str] = []
        for line in text.split("\n"):
            kv_requests = _key_value_requests(line)
            config += kv_requests if kv_requests is not None else [line]
        text = "\n".join(config)
    if "|" not in text and "\t" not in text and not re.search(r",\S", text):
        return text
    lines = [
        line if _separator(line) else _INLINE_ROW.sub(_inline_row, line)
        for line in text.split("\n")
    ]
    out: list[str] = []
    index = 0
    while index < len(lines):
        separator = _separator(lines[index])
        if separator is None:
            out.append(lines[index])
            index += 1
            continue
        block: list[list[str]] = []
        end = index
        while end < len(lines) and (
            _RULE_LINE.match(lines[end]) or _separator(lines[end]) == separator
        ):
            if not _RULE_LINE.match(lines[end]):
                block.append(_cells(lines[end], separator))
            end += 1
        columns: list[str | None] | None = None
        said = _COLUMNS_IN_INTRO.match(out[-1]) if out else None
        if said is not None:
            named = [_column_of(c) for c in said.group("columns").split(",")]
            if any(named) and len(named) == len(block[0]):
                columns = named
        if columns is None and block and _is_header(block[0]):
            columns = [_column_of(c) for c in block[0]]
            block = block[1:]
        requests = [_row_request(cells, columns) for cells in block]
        if (
            len(requests) < 1
            or any(r is None for r in requests)
            or len(block) + (columns is not None) < 2
        ):
            out.extend(lines[index:end])  # not a table of nodes or links: the lines as written
        else:
            if out and (_INTRO.match(out[-1]) or said is not None):
                out.pop()
            out.extend(r for r in requests if r is not None)
        index = end
    return "\n".join(out)
