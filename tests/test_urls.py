"""Splitting any string from a page as a URL, without the errors urllib raises."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapdocs.urls import split_url, url_scheme


@pytest.mark.parametrize(
    ("url", "scheme", "netloc", "fragment"),
    [
        ("https://[example/page#part", "https", "%5Bexample", "part"),
        ("//[x]y/", "", "%5Bx%5Dy", ""),
        ("JavaScript://[x", "javascript", "%5Bx", ""),
        ("https://[::1]/a#b", "https", "[::1]", "b"),  # a real IPv6 address, as urllib reads it
    ],
)
def test_bracketed_hosts(url: str, scheme: str, netloc: str, fragment: str) -> None:
    parts = split_url(url)
    assert (parts.scheme, parts.netloc, parts.fragment) == (scheme, netloc, fragment)
    assert url_scheme(url) == scheme


@given(st.text(alphabet="ab:/[]#?%.-1 ", max_size=30))
def test_agrees_with_urlsplit_wherever_it_answers(url: str) -> None:
    try:
        expected = urlsplit(url)
    except ValueError:
        split_url(url)  # answers too
        return
    assert split_url(url) == expected
