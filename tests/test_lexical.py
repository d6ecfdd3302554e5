"""Lexical matching: stems, numbers, and acronyms the documents define."""

from __future__ import annotations

from scrutiny.index.lexical import LexicalIndex, expand_acronyms, find_acronyms, tokenize


def test_tokens_meet_across_plurals_possessives_and_number_formats():
    assert tokenize("SARs") == tokenize("SAR") == tokenize("the SAR's")
    assert tokenize("funding") == tokenize("funded")
    assert tokenize("20,000") == tokenize("20000") == ["20000"]
    assert "the" not in tokenize("the backlog")


def test_acronyms_are_learned_from_their_definitions():
    texts = [
        "Investigators review suspicious activity reports (SARs) daily.",
        "It should hold lead responsible officers (LROs) to account.",
        "The Agency and Partners Management Information System (APMIS) holds data.",
        "Costs rose (GBP) sharply.",  # initials don't spell it: not a definition
    ]
    found = find_acronyms(texts)
    assert found["SAR"] == "suspicious activity reports"
    assert found["LRO"] == "lead responsible officers"
    assert found["APMIS"] == "Agency and Partners Management Information System"
    assert "GBP" not in found


def test_queries_expand_both_ways_unless_the_acronym_is_everywhere():
    acronyms = {"LRO": "lead responsible officers"}
    assert "LRO" in expand_acronyms("Who is the lead responsible officer?", acronyms)
    assert "lead responsible officers" in expand_acronyms("What do LROs do?", acronyms, {"LRO": 0.01})
    assert expand_acronyms("What do LROs do?", acronyms, {"LRO": 0.5}) == "What do LROs do?"
    assert "LRO" in expand_acronyms("lead responsible officers", acronyms, {"LRO": 0.5})
    assert expand_acronyms("Nothing to expand", acronyms) == "Nothing to expand"


def test_bm25_finds_a_passage_through_an_acronym(tmp_path):
    texts = [
        "The force should hold lead responsible officers (LROs) to account.",
        "The LRO role is carried out by chief inspectors.",
        "Funding is the single greatest barrier.",
    ]
    index = LexicalIndex.build(texts)
    index.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path, len(texts))
    scores = loaded.scores("Who acts as lead responsible officer?")
    assert scores[1] > 0  # matched only through the acronym
    assert scores[2] == 0
