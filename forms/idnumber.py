"""Resident identity card numbers (GB 11643-1999): check, 15->18 conversion, derived sex/birth."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from operator import mul

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ZEROS = ord("0") * sum(_WEIGHTS)
# Residence permits for Hong Kong, Macao (81, 82) and Taiwan (83) residents use these prefixes
# in place of a GB/T 2260 region code.
_PERMIT_PREFIXES = ("81", "82", "83")


class IdNumberError(ValueError):
    """A number that is not a valid GB 11643 identity number; str() is a Chinese message."""


@dataclass(frozen=True)
class IdInfo:
    number: str  # the normalised 18-character number
    birth_date: str  # YYYY-MM-DD
    sex: str  # GB/T 2261.1: "1" male, "2" female
    permit: bool  # residence permit (81/82/83)


def check_char(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("check_char needs the first 17 characters")
    if first17.isascii() and first17.isdigit():
        # Each byte is 48 + the digit: no int() per character (a quarter of a number's check)
        return _CHECK[(sum(map(mul, first17.encode(), _WEIGHTS)) - _ZEROS) % 11]
    return _CHECK[sum(map(mul, map(int, first17), _WEIGHTS)) % 11]


def convert_15_to_18(number15: str) -> str:
    """First-generation (1989) numbers omit the century and the check character."""
    s17 = number15[:6] + "19" + number15[6:]
    return s17 + check_char(s17)


@cache
def _regions() -> frozenset[str]:
    # python-stdnum ships the GB/T 2260 table, including abolished codes (a number keeps the
    # code of the place that issued it, so old codes must stay valid).
    from stdnum import numdb

    db = numdb.get("cn/loc")
    codes: set[str] = set()
    for _, low, high, _, counties in db.prefixes:
        if low != high:
            continue
        for _, c_low, c_high, _, _ in counties:
            if c_low == c_high:
                codes.add(low + c_low)
    return frozenset(codes)


def known_region(code6: str) -> bool:
    return code6 in _regions()


def parse(raw: str, *, today: dt.date | None = None) -> IdInfo:
    """Validate and normalise an identity number, or raise IdNumberError saying what is wrong."""
    return _parse(raw, today or dt.date.today())


@lru_cache(maxsize=16384)  # an import checks each number three times (file, resident, form)
def _parse(raw: str, today: dt.date) -> IdInfo:
    # NFKC: full-width digits and "Ｘ" typed with a Chinese input method are the ASCII ones.
    number = unicodedata.normalize("NFKC", raw).strip().upper().replace(" ", "")
    if len(number) == 15:
        if not _ascii_digits(number):
            raise IdNumberError("15位身份证号只能由数字组成")
        number = convert_15_to_18(number)
    if len(number) != 18:
        raise IdNumberError(f"应为18位（或旧式15位），实际为{len(number)}位")
    if not _ascii_digits(number[:17]) or not (_ascii_digits(number[17]) or number[17] == "X"):
        raise IdNumberError("前17位须为数字，最后一位为数字或X")
    expected = check_char(number[:17])
    if number[17] != expected:
        raise IdNumberError(f"校验位错误（最后一位应为{expected}），请核对号码")
    permit = number[:2] in _PERMIT_PREFIXES
    if not permit and not known_region(number[:6]):
        raise IdNumberError(f"地址码{number[:6]}不是有效的行政区划代码")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError(f"出生日期{number[6:14]}不是有效日期") from None
    if birth > today or birth.year < 1880:
        raise IdNumberError(f"出生日期{birth.isoformat()}不合理")
    sex = "1" if int(number[16]) % 2 == 1 else "2"
    return IdInfo(number=number, birth_date=birth.isoformat(), sex=sex, permit=permit)


def _ascii_digits(text: str) -> bool:
    """0-9 only: str.isdigit() also accepts "²" or "٣", which int() then refuses."""
    return text.isascii() and text.isdigit()


def make(region6: str, birth: dt.date, seq3: int) -> str:
    """A valid number for synthetic data (demo clinic, tests): odd seq3 = male."""
    s17 = f"{region6}{birth:%Y%m%d}{seq3:03d}"
    return s17 + check_char(s17)
