"""The police forces and regional units of England and Wales, and finding them in text.

A gazetteer, not a model: each body has a canonical name and the shorter forms that
documents use ("Cleveland", "Durham Police"). Matching is on word boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

# Canonical name -> extra aliases. The place name alone is added for territorial forces.
TERRITORIAL_FORCES: dict[str, tuple[str, ...]] = {
    "Avon and Somerset Constabulary": ("Avon & Somerset",),
    "Bedfordshire Police": (),
    "Cambridgeshire Constabulary": (),
    "Cheshire Constabulary": (),
    "City of London Police": (),
    "Cleveland Police": (),
    "Cumbria Constabulary": (),
    "Derbyshire Constabulary": (),
    "Devon and Cornwall Police": ("Devon & Cornwall",),
    "Dorset Police": (),
    "Durham Constabulary": ("Durham Police",),
    "Dyfed-Powys Police": (),
    "Essex Police": (),
    "Gloucestershire Constabulary": (),
    "Greater Manchester Police": ("GMP",),
    "Gwent Police": (),
    "Hampshire and Isle of Wight Constabulary": ("Hampshire Constabulary", "Hampshire"),
    "Hertfordshire Constabulary": (),
    "Humberside Police": (),
    "Kent Police": (),
    "Lancashire Constabulary": (),
    "Leicestershire Police": (),
    "Lincolnshire Police": (),
    "Merseyside Police": (),
    "Metropolitan Police Service": ("Metropolitan Police", "the Met"),
    "Norfolk Constabulary": (),
    "North Wales Police": (),
    "North Yorkshire Police": (),
    "Northamptonshire Police": (),
    "Northumbria Police": (),
    "Nottinghamshire Police": (),
    "South Wales Police": (),
    "South Yorkshire Police": (),
    "Staffordshire Police": (),
    "Suffolk Constabulary": (),
    "Surrey Police": (),
    "Sussex Police": (),
    "Thames Valley Police": (),
    "Warwickshire Police": (),
    "West Mercia Police": (),
    "West Midlands Police": (),
    "West Yorkshire Police": (),
    "Wiltshire Police": (),
    "British Transport Police": (),
}

REGIONAL_UNITS: dict[str, tuple[str, ...]] = {
    "North East ROCU (NERSOU)": (
        "NERSOU", "NEROCU", "North East Regional Specialist Operations Unit",
        "North East Specialist Operations Unit", "North East Regional Special Operations Unit",
        "North East ROCU",
    ),
    "Eastern Region Special Operations Unit (ERSOU)": ("ERSOU", "Eastern Region Special Operations Unit"),
    "East Midlands Special Operations Unit (EMSOU)": ("EMSOU", "East Midlands Special Operations Unit"),
    "Yorkshire and the Humber ROCU": ("Yorkshire & Humber ROCU", "Yorkshire and Humber ROCU",
                                      "Yorkshire & Humber Regional Organised Crime Unit"),
    "North West ROCU (TITAN)": ("North West Regional Organised Crime Unit", "TITAN"),
    "Tarian ROCU": ("Tarian",),
    "West Midlands ROCU": ("Regional Organised Crime Unit for the West Midlands Region",),
    "South West ROCU": ("South West Regional Organised Crime Unit",),
    "South East ROCU (SEROCU)": ("SEROCU", "South East Regional Organised Crime Unit"),
}

FORCE_SUFFIXES = (" Constabulary", " Police Service", " Police")


def _place_name(canonical: str) -> str:
    for suffix in FORCE_SUFFIXES:
        if canonical.endswith(suffix):
            return canonical[: -len(suffix)]
    return canonical


@lru_cache(maxsize=1)
def _matcher() -> tuple[re.Pattern, dict[str, str]]:
    """One alternation of every alias, longest first, so a single pass finds them all and
    "North Yorkshire Police" wins over "Yorkshire". Acronyms (all capitals) match case-sensitively."""
    canonical_of: dict[str, str] = {}
    for canonical, extra in TERRITORIAL_FORCES.items():
        for alias in {canonical, _place_name(canonical), *extra}:
            canonical_of.setdefault(alias.lower() if not alias.isupper() else alias, canonical)
    for canonical, extra in REGIONAL_UNITS.items():
        for alias in extra:
            canonical_of.setdefault(alias.lower() if not alias.isupper() else alias, canonical)
    aliases = sorted(canonical_of, key=len, reverse=True)
    parts = [re.escape(a) if a.isupper() else f"(?i:{re.escape(a)})" for a in aliases]
    pattern = re.compile(rf"(?<![\w-])(?:{'|'.join(parts)})(?![\w-])")
    return pattern, canonical_of


def mentions(text: str) -> Iterator[tuple[str, int, int]]:
    """Each mention of a force or regional unit in `text`: (canonical name, start, end)."""
    pattern, canonical_of = _matcher()
    for match in pattern.finditer(text):
        alias = match.group(0)
        canonical = canonical_of.get(alias) or canonical_of.get(alias.lower())
        if canonical:
            yield canonical, match.start(), match.end()


def forces_in(text: str) -> list[str]:
    """Canonical names of the forces and regional units mentioned in `text`, by first mention."""
    return list(dict.fromkeys(canonical for canonical, _, _ in mentions(text)))


def replace_mentions(text: str, bodies: set[str] | frozenset[str], replacement: str) -> str:
    """`text` with every mention of those forces or units replaced ("Cleveland" -> "Durham")."""
    pieces, last = [], 0
    for canonical, start, end in mentions(text):
        if canonical in bodies:
            pieces += [text[last:start], replacement]
            last = end
    return "".join(pieces) + text[last:]


def all_bodies() -> list[str]:
    """Every canonical force and regional unit name."""
    return [*TERRITORIAL_FORCES, *REGIONAL_UNITS]


def resolve_force(name: str) -> list[str]:
    """Canonical names a user's force name refers to ("durham" -> Durham Constabulary)."""
    wanted = name.strip().lower()
    if not wanted:
        return []
    exact = forces_in(name)
    if exact:
        return exact
    return [body for body in all_bodies() if wanted in body.lower()]


# The forces each regional unit serves (HMICFRS's map of the regions; London has its own
# collaborative arrangement and no ROCU, and British Transport Police is national).
REGIONAL_UNIT_FORCES: dict[str, tuple[str, ...]] = {
    "North East ROCU (NERSOU)": ("Cleveland Police", "Durham Constabulary", "Northumbria Police"),
    "Yorkshire and the Humber ROCU": (
        "Humberside Police", "North Yorkshire Police", "South Yorkshire Police", "West Yorkshire Police"),
    "North West ROCU (TITAN)": (
        "Cheshire Constabulary", "Cumbria Constabulary", "Greater Manchester Police", "Lancashire Constabulary",
        "Merseyside Police", "North Wales Police"),
    "Tarian ROCU": ("Dyfed-Powys Police", "Gwent Police", "South Wales Police"),
    "West Midlands ROCU": ("Warwickshire Police", "West Mercia Police", "West Midlands Police", "Staffordshire Police"),
    "East Midlands Special Operations Unit (EMSOU)": (
        "Derbyshire Constabulary", "Leicestershire Police", "Lincolnshire Police", "Northamptonshire Police",
        "Nottinghamshire Police"),
    "Eastern Region Special Operations Unit (ERSOU)": (
        "Bedfordshire Police", "Cambridgeshire Constabulary", "Essex Police", "Hertfordshire Constabulary",
        "Kent Police", "Norfolk Constabulary", "Suffolk Constabulary"),
    "South West ROCU": (
        "Avon and Somerset Constabulary", "Devon and Cornwall Police", "Dorset Police",
        "Gloucestershire Constabulary", "Wiltshire Police"),
    "South East ROCU (SEROCU)": (
        "Hampshire and Isle of Wight Constabulary", "Surrey Police", "Sussex Police", "Thames Valley Police"),
}


def regional_unit_of(force: str) -> str:
    """The regional unit that serves a territorial force (canonical names), or ""."""
    return next((unit for unit, forces in REGIONAL_UNIT_FORCES.items() if force in forces), "")
