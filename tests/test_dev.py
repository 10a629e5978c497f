"""``dev.py``: extra pytest arguments no longer skip lint and type-check (``--fast`` does), and
``dev.py omnitrack ARGS`` runs any command without activating anything. The steps are
recorded instead of run (running them is what CI does)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def dev(monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, list[list[str]]]:
    spec = importlib.util.spec_from_file_location("dev_under_test", ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ran: list[list[str]] = []

    def record(*args: Any) -> int:
        ran.append([Path(str(arg)).name if i == 0 else str(arg) for i, arg in enumerate(args)])
        return 0

    monkeypatch.setattr(module, "ensure_env", lambda: None)
    monkeypatch.setattr(module, "ensure_browser", lambda: None)
    monkeypatch.setattr(module, "_run", record)
    monkeypatch.setattr(module.subprocess, "call", lambda argv: record(*argv))
    return module, ran


def test_pytest_arguments_still_lint_and_type_check(
    dev: tuple[ModuleType, list[list[str]]],
) -> None:
    module, ran = dev
    assert module.main(["test", "-k", "readme"]) == 0
    assert [command[:2] for command in ran] == [
        ["ruff", "check"],
        ["ruff", "format"],
        ["mypy"],
        ["python", "-m"],
    ]
    assert ran[-1][-3:] == ["pytest", "-k", "readme"]


def test_fast_skips_lint_and_type_check(dev: tuple[ModuleType, list[list[str]]]) -> None:
    module, ran = dev
    assert module.main(["test", "--fast", "-q"]) == 0
    assert ran == [["python", "-m", "pytest", "-q"]]


def test_omnitrack_runs_any_command(dev: tuple[ModuleType, list[list[str]]]) -> None:
    module, ran = dev
    assert module.main(["omnitrack", "serve", "--port", "0"]) == 0
    assert ran == [["omnitrack", "serve", "--port", "0"]]
