"""Splitting a URL from a page, which may be any string.

:func:`urllib.parse.urlsplit` raises ``ValueError`` for a host in brackets that is not an
IPv6 address, such as ``https://[example`` in a reStructuredText link or raw HTML; one
such link would otherwise stop the build, or a check of its page.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit


def split_url(url: str) -> SplitResult:
    """*url*'s parts as :func:`~urllib.parse.urlsplit` gives them, for any string.

    When ``urlsplit`` rejects a bracketed host, the URL is read again with every bracket
    percent-encoded: the scheme and whether there is a host come out as written, which is
    what kapdocs asks of a link that leaves the site.
    """
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit(url.replace("[", "%5B").replace("]", "%5D"))


def url_scheme(url: str) -> str:
    """*url*'s scheme in lower case ("" for none)."""
    return split_url(url).scheme.lower()
