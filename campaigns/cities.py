"""City names an admin may filter by, mapped to the PIN-code prefixes that cover them.

Why: members give a PIN code at enrollment, not a city; an audience "in Lucknow" is the members
whose PIN starts with the city's prefixes (India Post's sorting districts).
"""

from __future__ import annotations

CITY_PIN_PREFIXES: dict[str, tuple[str, ...]] = {
    "lucknow": ("226", "227"),
    "kanpur": ("208", "209"),
    "varanasi": ("221",),
    "prayagraj": ("211",),
    "allahabad": ("211",),
    "agra": ("282",),
    "gorakhpur": ("273",),
    "meerut": ("250",),
    "bareilly": ("243",),
    "aligarh": ("202",),
    "noida": ("2013",),
    "ghaziabad": ("2010", "2012"),
    "delhi": ("110",),
    "new delhi": ("110",),
    "jaipur": ("302", "303"),
    "patna": ("800", "801"),
    "bhopal": ("462",),
    "indore": ("452",),
    "ahmedabad": ("380", "382"),
    "mumbai": ("400",),
    "pune": ("411", "412"),
    "hyderabad": ("500",),
    "bengaluru": ("560",),
    "bangalore": ("560",),
    "chennai": ("600",),
    "kolkata": ("700",),
}


def prefixes_for_city(name: str) -> tuple[str, ...]:
    """The PIN prefixes of ``name`` (case-insensitive).

    Raises:
        KeyError: the city is not known (the message lists the known ones).
    """
    key = " ".join(name.casefold().split())
    if key not in CITY_PIN_PREFIXES:
        raise KeyError(f"unknown city {name!r}; known: {', '.join(sorted(CITY_PIN_PREFIXES))}")
    return CITY_PIN_PREFIXES[key]
