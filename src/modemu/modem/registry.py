"""The command registry: one decorated handler per command, its forms declared once.

Each module in :mod:`modemu.modem.commands` declares its handlers in its own table
(``COMMANDS = Registry()``; decorating only fills that module's table), and
:func:`modemu.modem.commands.build_registry` composes the tables explicitly into the one
registry the engine dispatches through; nothing registers itself anywhere else on import.
That registry loads each table the first time one of its commands is looked up
(:meth:`Registry.on_demand`, with the generated name index ``commands/index.py``), so a
starting module compiles only the handler modules its host actually uses.
Handlers see the module through :class:`modemu.modem.view.ModemView`, not the engine class.

A handler is registered with the forms it accepts and, where the answer to ``AT+X=?`` is
fixed text, that text; the engine then answers the test form itself and refuses forms that
were not declared. How a failure is reported depends on the command's :class:`Kind`
(plain ``ERROR`` + ``AT+QIGETERROR`` for TCP/IP commands, ``+CME ERROR`` per ``AT+CMEE``
for 3GPP ones), so handlers raise one exception type and never format errors themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from modemu.at.syntax import Arg, CommandCall, Form

if TYPE_CHECKING:
    from modemu.modem.view import ModemView


class Kind(Enum):
    V250 = "v250"
    """Basic/Hayes commands: failures are plain ``ERROR``."""
    GPP = "3gpp"
    """3GPP TS 27.007 commands: failures follow ``AT+CMEE`` (``+CME ERROR: <n>``)."""
    TCPIP = "tcpip"
    """Quectel TCP/IP commands: plain ``ERROR``; the cause goes to ``AT+QIGETERROR``."""


class CommandError(Exception):
    """A command failed. ``code`` is a QI code (TCP/IP kind) or a CME code (3GPP kind);
    ``None`` means invalid parameters (552 / CME 50 / ERROR)."""

    def __init__(self, code: int | None = None) -> None:
        super().__init__(code)
        self.code = code


class UndeclaredFormError(CommandError):
    """The command exists but not in this form (``AT+CSQ?``): always a plain ``ERROR``,
    even for 3GPP commands (docs/choices.md), and 552 for TCP/IP ones."""


class Reply(Enum):
    """What a handler returns when the answer is not a plain ``OK``."""

    OK = "ok"
    PENDING = "pending"
    """The command goes on; the port stays busy until the engine is told it finished."""
    NONE = "none"
    """The handler produced its own final output (e.g. ``CONNECT``, a ``>`` prompt)."""


@dataclass(frozen=True)
class FinalText:
    """Answer with this final line instead of ``OK`` (``SEND OK``, ``SEND FAIL``)."""

    text: str


Outcome = Reply | FinalText | None
Handler = Callable[["ModemView", CommandCall], Outcome]
_H = TypeVar("_H", bound=Handler)

ALL_FORMS = frozenset(Form)


CONTEXTS = "{contexts}"
"""Placeholder in test texts for the variant's context-id range, e.g. ``(1-15)``."""


Stamp = Callable[["ModemView"], object]
"""For a query: a value that changes whenever the query's answer could (see
:meth:`Registry.command`)."""

Run = Callable[["ModemView"], Outcome]
"""A set command with its arguments already read: the handler's work and nothing else."""
Prepare = Callable[[CommandCall], Run | None]
"""For a command run again and again with the same arguments (``AT+QIRD=0,1500`` in a
download loop): its :data:`Run` for a set-form call, or None when the call must go through
the handler every time (invalid arguments) (see :meth:`Registry.command`)."""


@dataclass(frozen=True)
class CommandSpec:
    """One registered command: its kind, declared forms, test text and handler."""

    name: str
    kind: Kind
    forms: frozenset[Form]
    test: str | None
    handler: Handler
    stamp: Stamp | None = None
    prepare: Prepare | None = None

    def test_text(self, contexts: int) -> str | None:
        """The answer to ``AT+X=?`` for a variant with ``contexts`` PDP contexts."""
        if self.test is None:
            return None
        return self.test.replace(CONTEXTS, range_text(1, contexts))


class Registry:
    """Command name → :class:`CommandSpec`; one per command module, composed by
    :meth:`compose` into the module's command set."""

    def __init__(self) -> None:
        self._specs: dict[str, CommandSpec] = {}
        self._unloaded: dict[str, str] = {}
        """Names of tables not loaded yet → the table's key for ``_load`` (:meth:`on_demand`)."""
        self._load: Callable[[str], Registry] | None = None

    @classmethod
    def compose(cls, *tables: Registry) -> Registry:
        """One registry holding every table's commands; a name declared twice is an error."""
        composed = cls()
        for table in tables:
            composed._merge(table)
        return composed

    @classmethod
    def on_demand(cls, where: Mapping[str, str], load: Callable[[str], Registry]) -> Registry:
        """The composition of the tables ``load(key)`` returns, each loaded the first time
        one of its names is looked up; ``where`` maps every command name to its table's key.
        Why: importing every handler module costs a starting ``modemu serve`` ~20 ms, and
        a host's first ``AT`` needs none of them. A name not in ``where`` is unknown
        without loading anything; :meth:`names` loads every table."""
        registry = cls()
        registry._unloaded = dict(where)
        registry._load = load
        return registry

    def _merge(self, table: Registry) -> None:
        for key, spec in table._specs.items():
            # setdefault: two threads loading the same table merge the same specs
            if self._specs.setdefault(key, spec) is not spec:
                raise ValueError(f"{key} registered twice")

    def _load_table_of(self, name: str) -> CommandSpec | None:
        # ``_unloaded`` is replaced, never changed in place: a thread that lost the race to
        # load the same table finds the name gone and the spec merged.
        key = self._unloaded.get(name)
        if key is not None:
            assert self._load is not None
            self._merge(self._load(key))
            self._unloaded = {n: k for n, k in self._unloaded.items() if k != key}
        return self._specs.get(name)

    def command(
        self,
        *names: str,
        kind: Kind,
        forms: Iterable[Form] = ALL_FORMS,
        test: str | None = None,
        stamp: Stamp | None = None,
        prepare: Prepare | None = None,
    ) -> Callable[[_H], _H]:
        """Register a handler under one or more names (aliases such as ``+GMR``/``+CGMR``).

        ``test`` is the information line answered to ``AT+X=?``; with ``Form.TEST`` in
        ``forms`` and no ``test`` text, the handler is called for the test form too.
        ``stamp`` declares a query: the handler changes nothing (it only writes its
        answer), and for the same command line its answer is the same while ``stamp(m)``
        returns the same value and the echo/quiet/verbose settings are unchanged; the
        engine then answers a repeated line with the bytes it wrote last time.
        ``prepare`` reads a set-form call's arguments once: the engine keeps its
        :data:`Run` with the remembered line and runs that instead of the handler when the
        same line comes again; it must do exactly what the handler does for that call.
        """
        form_set = frozenset(forms)

        def register(handler: _H) -> _H:
            for name in names:
                key = name.upper()
                if key in self._specs:
                    raise ValueError(f"{key} registered twice")
                self._specs[key] = CommandSpec(key, kind, form_set, test, handler, stamp, prepare)
            return handler

        return register

    def lookup(self, name: str) -> CommandSpec | None:
        spec = self._specs.get(name)
        if spec is None and name in self._unloaded:
            return self._load_table_of(name)
        return spec

    def names(self) -> list[str]:
        while self._unloaded:
            self._load_table_of(next(iter(self._unloaded)))
        return sorted(self._specs)


def range_text(low: int, high: int) -> str:
    """A value range as Quectel test forms print it: ``(0,1)`` for two values, else ``(0-2)``."""
    return f"({low},{high})" if high == low + 1 else f"({low}-{high})"


def declare_setting(
    table: Registry, name: str, attr: str, low: int, high: int, *, kind: Kind = Kind.GPP
) -> None:
    """Declare in ``table`` a command that only reads and writes one integer of
    ``m.settings``: ``AT+X=?`` → ``+X: (low-high)``, ``AT+X?`` → ``+X: <value>``,
    ``AT+X=<value>``."""

    @table.command(
        name,
        kind=kind,
        forms=(Form.TEST, Form.READ, Form.SET),
        test=f"{name}: {range_text(low, high)}",
    )
    def setting(m: ModemView, call: CommandCall) -> Outcome:
        if call.form is Form.READ:
            m.info(f"{name}: {getattr(m.settings, attr)}")
        else:
            setattr(m.settings, attr, Params(call, 1).integer(0, low, high))
        return None

    _ = setting


MAX_DIGITS = 10
"""Longest integer argument accepted (a 32-bit value); longer is invalid, not huge."""

_MISSING: Any = object()


class Params:
    """Typed, range-checked access to a command's arguments; every failure is a
    :class:`CommandError` with no code, i.e. "invalid parameters" in the command's kind."""

    def __init__(self, call: CommandCall, max_count: int, min_count: int = 1) -> None:
        if not min_count <= len(call.args) <= max_count:
            raise CommandError()
        self.args = call.args

    def __len__(self) -> int:
        return len(self.args)

    def given(self, index: int) -> bool:
        return index < len(self.args) and not self.args[index].omitted

    def integer(self, index: int, low: int, high: int, default: int = _MISSING) -> int:
        # _arg written out: every QIRD, QISEND and QISTATE=… reads its ids through here.
        args = self.args
        if index < len(args):
            arg = args[index]
            text = arg.text
            if arg.quoted:
                raise CommandError()
            if text:  # not omitted (an omitted field is empty and unquoted)
                if not text.isdigit() or len(text) > MAX_DIGITS:
                    raise CommandError()
                value = int(text)
                if not low <= value <= high:
                    raise CommandError()
                return value
        if default is _MISSING:
            raise CommandError()
        return default

    def string(self, index: int, max_len: int = 255, default: str = _MISSING) -> str:
        arg = self._arg(index)
        if arg is None:
            if default is _MISSING:
                raise CommandError()
            return default
        if len(arg.text) > max_len:
            raise CommandError()
        return arg.text

    def choice(self, index: int, options: Iterable[str], default: str = _MISSING) -> str:
        """A string argument that must be one of ``options`` (compared case-insensitively)."""
        value = self.string(index, default=default)
        for option in options:
            if option.upper() == value.upper():
                return option
        raise CommandError()

    def _arg(self, index: int) -> Arg | None:
        if index >= len(self.args) or self.args[index].omitted:
            return None
        return self.args[index]
