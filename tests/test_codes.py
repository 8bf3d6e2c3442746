"""Join codes: random, eight digits, forgiving to type."""

from __future__ import annotations

import itertools

import pytest

from polls.core.codes import format_code, new_code, parse_code


def test_new_codes_are_eight_digits_without_a_leading_zero() -> None:
    """Every code has 8 digits and never loses one to a spreadsheet."""
    codes = {new_code() for _ in range(2000)}
    assert all(len(c) == 8 and c.isdigit() and c[0] != "0" for c in codes)


def test_new_codes_are_random_not_sequential() -> None:
    """Codes do not follow each other, so one code gives no hint of the next."""
    codes = sorted(int(new_code()) for _ in range(200))
    gaps = {b - a for a, b in itertools.pairwise(codes)}
    assert len(set(codes)) > 190
    assert len(gaps) > 150


@pytest.mark.parametrize(
    "typed",
    [
        "39571600",
        "3957 1600",
        "3957-1600",
        " 3957 1600 ",
        "3957\u00a01600",
        "3957–1600",
        "39.57.16.00",
    ],
)
def test_parse_accepts_spaces_dashes_and_dots(typed: str) -> None:
    """However people type a code, the same eight digits come out."""
    assert parse_code(typed) == "39571600"


def test_parse_accepts_digits_of_other_scripts() -> None:
    """Arabic-Indic and full-width digits from phone keyboards count as digits."""
    assert parse_code("٣٩٥٧١٦٠٠") == "39571600"
    assert parse_code("３９５７１６００") == "39571600"


@pytest.mark.parametrize(
    "typed", ["", "1234567", "123456789", "3957 160a", "=cmd|", "1" * 5000, "\u200f39571600x"]
)
def test_parse_refuses_what_is_not_a_code(typed: str) -> None:
    """Too short, too long or with letters: not a code."""
    assert parse_code(typed) is None


def test_format_groups_in_fours() -> None:
    """Codes are shown as two groups of four."""
    assert format_code("39571600") == "3957 1600"
