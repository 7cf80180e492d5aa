"""Reading the region tables that pages show above a county (orgs/region_rows.py)."""

import re


def row_urls(html: str) -> dict[str, str]:
    """The region rows' own URLs (part=row), by the node id each row stands for."""
    rows = re.findall(r'<tr data-node="(\d+)" hx-get="([^"]+)"', html)
    return {pk: url.replace("&amp;", "&") for pk, url in rows}


def count(html: str, name: str) -> int:
    """A row's count in one column (its data-col or data-rule), as the table's total sums it."""
    found = re.search(rf'data-(?:col|rule)="{re.escape(name)}" data-n="(\d+)"', html)
    assert found, name
    return int(found.group(1))


def cell(html: str, rule: str) -> str:
    """What a row shows for one rule: its count of schools not compliant ("0" for none)."""
    found = re.search(rf'data-rule="{re.escape(rule)}"[^>]*>(.*?)</td>', html, re.S)
    assert found, rule
    shown = re.search(r">(\d[\d,]*)<", found.group(1)).group(1).replace(",", "")
    assert int(shown) == count(html, rule)  # what is shown is what the total sums
    return shown


def schools(html: str) -> int:
    """A row's number of schools (the cell after the region's name)."""
    return int(re.search(r'<td class="num" data-n="(\d+)">', html).group(1))
