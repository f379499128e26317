"""Status vocabularies declared once: bit flags or enumerations, each value with a snake_case name and a message.

Every result type of jaxgen carries an int32 ``status`` (and the two chains a ``flags`` field). Its vocabulary is
declared once with one of

* :func:`flag_vocabulary` - an :class:`enum.IntFlag` of error bits and diagnostic flags; a code is the ``|`` of its
  bits (the chains, the washout factor, the fit);
* :func:`enum_vocabulary` - an :class:`enum.IntEnum` of single-valued codes (the kernel ODE codes, the freeze-out
  and signature solvers, the CP asymmetry);

and decoded by one helper, :func:`decode` (the snake_case names of a code) with :func:`messages` (one sentence per
name). Members are ints (``Vocab.BAD_INPUT == 1``), so the numeric values and the ``STATUS_*`` int constants of the
modules stay what they were; the constants are defined from the members (``STATUS_BAD_INPUT = int(V.BAD_INPUT)``).

Example::

    Status = flag_vocabulary("Status", {"BAD_INPUT": (1, "an input is not finite"), "OVERFLOW": (2, "overflow")})
    decode(Status, 3)        # ['bad_input', 'overflow']
    messages(Status, 3)      # ['an input is not finite', 'overflow']
    Status.decode(3)         # the same, as a class method

Pure Python (no JAX, no NumPy): codes are Python ints or anything ``int()`` accepts (a 0-d array).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, cast

__all__ = [
    "StatusFlags",
    "StatusEnum",
    "flag_vocabulary",
    "enum_vocabulary",
    "decode",
    "names",
    "messages",
    "mask",
]


class _Vocabulary:
    """Methods shared by the two kinds of vocabulary (mixed into the enum classes)."""

    _messages_: dict[int, str]  # {value: message}, set by flag_vocabulary / enum_vocabulary
    _ordered_: tuple  # the members in declaration order

    @classmethod
    def decode(cls, code: Any) -> list[str]:
        """snake_case names of ``code`` (``[]`` for 0 / ok)."""
        return decode(cls, code)

    @classmethod
    def messages(cls, code: Any) -> list[str]:
        """One sentence per name of ``code`` (``[]`` for 0 / ok)."""
        return messages(cls, code)

    @classmethod
    def message_of(cls, value: int) -> str:
        """The message of one member value."""
        return cls._messages_[int(value)]

    @classmethod
    def table(cls) -> dict[int, tuple[str, str]]:
        """{value: (snake_case name, message)} of every member (the ok value 0 included for enumerations)."""
        return {int(m): (m.name.lower(), cls._messages_[int(m)]) for m in cls._ordered_}


class StatusFlags(_Vocabulary, enum.IntFlag):
    """Base of bit-flag vocabularies (:func:`flag_vocabulary`); a code is the ``|`` of its bits."""


class StatusEnum(_Vocabulary, enum.IntEnum):
    """Base of enumerated vocabularies (:func:`enum_vocabulary`); a code is one value."""


def _spec(kind: str, name: str, members: Mapping[str, tuple[int, str]]):
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"{kind}: the vocabulary name must be an identifier, got {name!r}")
    items = []
    for key, spec in members.items():
        if not (isinstance(key, str) and key.isidentifier() and key.upper() == key):
            raise ValueError(f"{kind}({name}): member names are UPPER_CASE identifiers, got {key!r}")
        try:
            value, message = spec
        except (TypeError, ValueError):
            raise ValueError(f"{kind}({name}).{key}: give (value, message), got {spec!r}") from None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{kind}({name}).{key}: the value must be an int >= 0, got {value!r}")
        if not isinstance(message, str) or not message:
            raise ValueError(f"{kind}({name}).{key}: the message must be a non-empty string, got {message!r}")
        items.append((key, value, message))
    values = [v for _, v, _ in items]
    if len(set(values)) != len(values):
        raise ValueError(f"{kind}({name}): two members share a value: {values}")
    return items


def _finish(cls, items, module):
    cls._messages_ = {v: msg for _, v, msg in items}
    cls._ordered_ = tuple(cls[k] for k, _, _ in items)
    if module is not None:
        cls.__module__ = module
    return cls


def flag_vocabulary(name: str, members: Mapping[str, tuple[int, str]], module: str | None = None) -> type[StatusFlags]:
    """An :class:`enum.IntFlag` vocabulary: ``members`` maps UPPER_CASE names to ``(bit, message)``.

    Every value must be a single bit (a power of two); 0 (ok) is implicit and decodes to ``[]``. Names and
    messages decode in the order given. ``module``: the ``__module__`` to report (pickling, documentation).
    """
    items = _spec("flag_vocabulary", name, members)
    bad = [k for k, v, _ in items if v == 0 or v & (v - 1)]
    if bad:
        raise ValueError(f"flag_vocabulary({name}): {bad} are not single bits (powers of two); 0 (ok) is implicit")
    cls = cast(type[StatusFlags], StatusFlags(name, [(k, v) for k, v, _ in items], boundary=enum.KEEP))
    return _finish(cls, items, module)


def enum_vocabulary(name: str, members: Mapping[str, tuple[int, str]], module: str | None = None) -> type[StatusEnum]:
    """An :class:`enum.IntEnum` vocabulary of single-valued codes: ``members`` maps UPPER_CASE names to
    ``(value, message)``; the member of value 0 (if any) is the ok code and decodes to ``[]``."""
    items = _spec("enum_vocabulary", name, members)
    cls = cast(type[StatusEnum], StatusEnum(name, [(k, v) for k, v, _ in items]))
    return _finish(cls, items, module)


def _as_code(code: Any) -> int:
    try:
        return int(code)
    except (TypeError, ValueError):
        raise TypeError(
            f"a status code is one integer (a Python int or a 0-d array), got {type(code).__name__} "
            f"{code!r}; decode a batch point by point"
        ) from None


def _members(vocab, code: int):
    if not (isinstance(vocab, type) and issubclass(vocab, _Vocabulary)):
        raise TypeError(f"decode: the vocabulary must come from flag_vocabulary or enum_vocabulary, got {vocab!r}")
    if issubclass(vocab, StatusFlags):
        return [m for m in vocab._ordered_ if code & int(m)]
    return [m for m in vocab._ordered_ if int(m) == code and code != 0]


def decode(vocab: type, code: Any) -> list[str]:
    """snake_case names of the members set in ``code``: the bits of a flag vocabulary, the value of an enumeration
    (``[]`` for 0; an unknown enumeration value or unknown bits give ``"unknown_<value>"``)."""
    code = _as_code(code)
    out = [m.name.lower() for m in _members(vocab, code)]
    rest = _unknown(vocab, code)
    return out + ([f"unknown_{rest}"] if rest else [])


def names(vocab: type, code: Any) -> list[str]:
    """Alias of :func:`decode`."""
    return decode(vocab, code)


def messages(vocab: type, code: Any) -> list[str]:
    """The messages of the members set in ``code`` (same order as :func:`decode`)."""
    code = _as_code(code)
    out = [vocab._messages_[int(m)] for m in _members(vocab, code)]
    rest = _unknown(vocab, code)
    return out + ([f"unknown status value {rest}"] if rest else [])


def _unknown(vocab, code: int) -> int:
    if issubclass(vocab, StatusFlags):
        return code & ~mask(vocab)
    return 0 if code == 0 or code in vocab._messages_ else code


def mask(vocab: type, *members: Any) -> int:
    """The ``|`` of the given members (all members of a flag vocabulary when none is given), as an int."""
    if not members:
        members = vocab._ordered_
    out = 0
    for m in members:
        out |= int(m)
    return out
