"""The handlers that change the user's settings: region, industry, currency and risk profile
(one handler each, made by :func:`_setting`), and shipping methods (for the network, or for
one node's connections).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .. import answers
from ..twin import SHIPPING_METHODS
from .context import ActionResult, _change, _Failed, _Step
from .resolution import _one
from .validation import _choice


def _setting(
    field: str, key: str, allowed: Sequence[str], label: str
) -> Callable[[_Step], ActionResult]:
    """The handler of one set-* intent: validate ``params[key]`` and store it in ``field``."""

    def handler(step: _Step) -> ActionResult:
        value = step.params.get(key)
        if value is None:
            raise _Failed(f"Which {label.lower()}? Choose one of {', '.join(allowed)}.")
        new = _choice(value, allowed, label.lower())
        old = getattr(step.twin.get_settings(step.user_id), field)
        settings = step.twin.update_settings(step.user_id, **{field: new})
        change = _change(
            "settings_updated", field=field, old=old, new=new, settings=settings.to_dict()
        )
        shown = answers.region_label if field == "region" else str
        return step.result(
            answers.setting_changed(label, shown(old) if old else None, shown(new)),
            changes=[change] if old != new else [],
        )

    return handler


def _add_shipping_method(step: _Step) -> ActionResult:
    value = step.params.get("method")
    if value is None:
        raise _Failed(f"Which shipping method? Choose one of {', '.join(SHIPPING_METHODS)}.")
    method = _choice(value, SHIPPING_METHODS, "shipping method")
    node = _one(step, "node", required=False)
    count = 0
    before: list[dict[str, Any]] = []
    if node is not None:
        before = [c.to_dict() for c in step.twin.node_connections(step.user_id, node.id)]
        count = step.twin.set_shipping_method(step.user_id, node.id, method)
        if count == 0:
            raise _Failed(
                f"**{node.name}** has no connections yet, so there is no lane to ship {method} on.",
                (f"Connect {node.name} to another node", "Show the network summary"),
            )
    settings = step.twin.get_settings(step.user_id)
    changes = []
    already = method in settings.shipping_methods
    if not already:
        old = list(settings.shipping_methods)
        settings = step.twin.update_settings(
            step.user_id, shipping_methods=(*settings.shipping_methods, method)
        )
        changes.append(
            _change(
                "settings_updated",
                field="shipping_methods",
                old=old,
                new=method,
                settings=settings.to_dict(),
            )
        )
    if node is None:
        answer = answers.shipping_method_added(method, settings, already=already)
        return step.result(answer, changes=changes)
    changes.append(
        _change(
            "connections_updated",
            nodeId=node.id,
            shippingMethod=method,
            count=count,
            before=before,
        )
    )
    answer = answers.shipping_method_added(method, settings, node=node, connections_changed=count)
    return step.result(answer, changes=changes, mentioned=[node.id])
