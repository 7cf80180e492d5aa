"""Reading the region tables that pages show above a county (orgs/region_rows.py)."""

import re


def row_urls(html: str) -> dict[str, str]:
    """The region rows' own URLs (part=row), by the node id each row stands for."""
    rows = re.findall(r'<tr data-node="(\d+)" hx-get="([^"]+)"', html)
    return {pk: url.replace("&amp;", "&") for pk, url in rows}


def cell(html: str, rule: str) -> str:
    """What a row shows for one rule: its count of schools not compliant ("0" for none)."""
    found = re.search(rf'data-rule="{re.escape(rule)}">(.*?)</td>', html, re.S)
    assert found, rule
    return re.search(r">(\d[\d,]*)<", found.group(1)).group(1).replace(",", "")


def schools(html: str) -> int:
    """A row's number of schools (the cell after the region's name)."""
    return int(re.search(r'<td class="num">([\d,]+)</td>', html).group(1).replace(",", ""))
