"""The Jinja sandbox practice templates run in, with limits on the work a template may ask for.

Jinja's immutable sandbox already keeps templates away from private attributes
and mutating methods. What it does not stop is work: ``9 ** (9 ** 9)`` or
``"x" * 10 ** 10`` are single calls into C that no signal can interrupt, and
nested loops can run for hours. So every operation a template performs
(attribute and item lookups, calls, operators, elements of ``range``) draws on
a budget for the document, arithmetic and repetition are refused before they
start when their result would be huge, and no number a template passes to a
call or filter may be large enough to ask for a gigabyte of padding. The
per-document time and memory limits (see ``workers``) catch whatever is left.
"""

from __future__ import annotations

import math
import re
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_OPERATIONS = 2_000_000
"""Lookups, calls, operators and loop elements one document's templates may use (a shipped handout uses about 200)."""
MAX_RESULT_BITS = 4096
"""The largest integer ``**`` or ``*`` may produce (a 1,233-digit number)."""
MAX_SEQUENCE_LENGTH = 1_000_000
"""The longest string or list that ``*`` may produce."""
MAX_NUMBER_ARGUMENT = 100_000
"""The largest number a template may pass to a call or filter (``center(10 ** 9)`` would allocate a gigabyte)."""

_WIDE_FORMAT = re.compile(r"%[-#0 +]*(\*|\d{6,})|%[-#0 +]*\d*\.(\*|\d{6,})")


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """An immutable sandbox that refuses work too large for a patient handout."""

    intercepted_binops = frozenset({"**", "*", "%", "//", "/", "+"})
    intercepted_unops = frozenset({"-", "+"})

    def __init__(self, **options: Any):
        super().__init__(**options)
        self._budget = MAX_OPERATIONS
        for name in ("lipsum", "cycler", "joiner"):
            self.globals.pop(name, None)
        self.globals["range"] = self._range
        for name, function in list(self.filters.items()):
            self.filters[name] = _checked_filter(function)

    def add_checked_filter(self, name: str, function: Any) -> None:
        """A filter of the press's own, with the same argument limits as Jinja's built-in ones."""
        self.filters[name] = _checked_filter(function)

    def begin(self) -> None:
        """Give the next document a full budget."""
        self._budget = MAX_OPERATIONS

    def spend(self, amount: int = 1) -> None:
        self._budget -= amount
        if self._budget < 0:
            raise SecurityError(
                f"the templates used more than {MAX_OPERATIONS:,} operations for one document "
                "(a loop that runs too long?)"
            )

    def _range(self, *args: int) -> Any:
        _check_numbers(args)
        for number in range(*args):
            self.spend()
            yield number

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.spend()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.spend()
        return super().getitem(obj, argument)

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's signature)
        __self.spend()
        _check_numbers(args)
        _check_numbers(kwargs.values())
        return super().call(__context, __obj, *args, **kwargs)

    def call_unop(self, context: jinja2.runtime.Context, op: str, arg: Any) -> Any:
        self.spend()
        return super().call_unop(context, op, arg)

    def call_binop(self, context: jinja2.runtime.Context, op: str, left: Any, right: Any) -> Any:
        self.spend()
        if op == "**":
            _check_power(left, right)
        elif op == "*":
            _check_product(left, right)
        elif op == "%" and isinstance(left, str) and _WIDE_FORMAT.search(left):
            raise SecurityError("a % format with a width or precision that large is not allowed in a template")
        elif op == "+" and isinstance(left, (str, list, tuple)) and hasattr(right, "__len__"):
            if len(left) + len(right) > MAX_SEQUENCE_LENGTH:
                raise SecurityError(f"the result would be longer than {MAX_SEQUENCE_LENGTH:,} items")
        return super().call_binop(context, op, left, right)


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bits(value: int) -> int:
    return abs(value).bit_length()


def _check_power(base: Any, exponent: Any) -> None:
    if not (_is_integer(base) and _is_integer(exponent)):
        return  # floats overflow at once, with an error
    if exponent > 0 and abs(base) > 1 and exponent * math.log2(abs(base)) > MAX_RESULT_BITS:
        raise SecurityError(f"{base} ** {exponent} would be a number too large for a template")


def _check_product(left: Any, right: Any) -> None:
    if _is_integer(left) and _is_integer(right):
        if _bits(left) + _bits(right) > MAX_RESULT_BITS:
            raise SecurityError("that multiplication would give a number too large for a template")
        return
    for sequence, count in ((left, right), (right, left)):
        if isinstance(sequence, (str, list, tuple)) and _is_integer(count):
            if len(sequence) * max(count, 0) > MAX_SEQUENCE_LENGTH:
                raise SecurityError(f"repeating that would make more than {MAX_SEQUENCE_LENGTH:,} items")


def _check_numbers(values: Any) -> None:
    for value in values:
        if _is_integer(value) and abs(value) > MAX_NUMBER_ARGUMENT:
            raise SecurityError(f"the number {value} is too large to pass to a template function (most: {MAX_NUMBER_ARGUMENT:,})")


def _checked_filter(function: Any) -> Any:
    """The filter, refusing huge numeric arguments (``"x" | center(10 ** 9)``); the value itself may be anything."""
    pass_arg = getattr(function, "jinja_pass_arg", None)
    leading = 2 if pass_arg is not None else 1

    def checked(*args: Any, **kwargs: Any) -> Any:
        _check_numbers(args[leading:])
        _check_numbers(kwargs.values())
        return function(*args, **kwargs)

    if pass_arg is not None:
        checked.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    checked.__name__ = getattr(function, "__name__", "filter")
    return checked

