"""A team's own Locust file as the flow (``load.flow: {locustfile: …, user_classes: […]}``).

The file is imported the way ``locust -f`` imports it: its folder goes on ``sys.path`` (so it can
import its sibling modules), and every concrete ``User`` subclass in its namespace is a candidate,
imported ones included. Its text comes with the load config, so a remote worker runs the very file
the master was given even when that machine has no copy of it.
The orchestrator checks a file before a game day with :mod:`loadprofiles.userfile_check`.
"""

from __future__ import annotations

import sys
import traceback
import types
from collections.abc import Sequence
from pathlib import Path

from locust import User
from locust.util.load_locustfile import is_user_class

_MODULE_PREFIX = "gameday_locustfile_"
"""Imported under a private module name, so a file called ``random.py`` cannot shadow the stdlib."""


class LocustFileProblem(Exception):
    """The file cannot give the users asked for; the message is one line for the user."""


def import_locustfile(path: Path, source: str | None = None) -> types.ModuleType:
    """Run ``source`` (the file's text; read from ``path`` when None) as the module of ``path``."""
    try:
        text = path.read_text(encoding="utf-8") if source is None else source
    except (OSError, UnicodeDecodeError) as exc:
        raise LocustFileProblem(f"cannot read {path}: {exc}") from None
    module = types.ModuleType(_MODULE_PREFIX + path.stem)
    module.__file__ = str(path)
    sys.modules[module.__name__] = module  # dataclasses and pickling look their module up there
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        exec(compile(text, str(path), "exec"), module.__dict__)  # what `locust -f` does
    except SyntaxError as exc:
        raise LocustFileProblem(
            f"{path.name}:{exc.lineno}: does not import: SyntaxError: {exc.msg}"
        ) from None
    except (Exception, SystemExit) as exc:  # anything the team's module raises at import
        raise LocustFileProblem(f"{_where(exc, path)}does not import: {type(exc).__name__}: {exc}") from None
    return module


def _where(exc: BaseException, path: Path) -> str:
    """``FILE:LINE: `` of the innermost frame in the team's file: the line where the import failed."""
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == str(path)]
    return f"{path.name}:{lines[-1]}: " if lines else f"{path.name}: "


def user_classes_of(module: types.ModuleType, wanted: Sequence[str] | None) -> list[type[User]]:
    """The ``wanted`` user classes of ``module``, or every concrete one when None (as Locust picks)."""
    found: dict[str, type[User]] = {
        name: value for name, value in vars(module).items() if is_user_class(value)
    }
    if not found:
        raise LocustFileProblem("defines no Locust user class (a subclass of HttpUser, FastHttpUser or User)")
    if wanted is None:
        return list(found.values())
    unknown = [name for name in wanted if name not in found]
    if unknown:
        raise LocustFileProblem(
            f"user_classes: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not a user class "
            f"of {Path(str(module.__file__)).name} (it has: {', '.join(found)})"
        )
    return [found[name] for name in wanted]
