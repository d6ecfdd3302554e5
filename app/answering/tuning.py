"""Every hand-set number of the extractive answerer, in one table.

Each was chosen on the bundled known-answer set's calibration split (docs/decisions.md says
what else was tried). The weights of the sentence features are in features.py.
"""

from __future__ import annotations

MIN_ANSWER_WORDS = 6  # shorter fragments (bare headings, "Adequate") are not answers

LIST_ITEM_WORDS = 10  # blocks this short after a line are the items of its list

SIBLING_OVERLAP = 0.5  # share of the shorter line's word stems the line after it shares as another row like it

SIBLING_WORDS = 3  # ... and at least this many (one shared word between short lines is no form)

EXTEND_CHARS = 500  # most text a heading or "...:" sentence is extended by

PART_DEPTH = 3  # a sub-question's own best sentence must be among its top few

RELATIVE_KEEP = 0.6  # later sentences must score this share of the best one (chosen on the development documents)
FINDING_KEEP = 0.75  # a finding listed by kind, or paired with its response, must score this share of the best

REDUNDANT_OVERLAP = 0.6  # token Jaccard above which a sentence repeats one already chosen

RESTATED_SHARE = 0.9  # share of a sentence's word stems in a longer one that restates it

RESTATED_MIN_STEMS = 6  # fewer are too few to call a sentence a restatement of another

NEW_DOCUMENT_BONUS = 0.04  # a strong sentence from another document adds a second view

PRIMARY_SWAP_SHARE = 0.6  # the report's own words replace a restatement scoring this share of it

PARAGRAPH_CHARS = 600  # the lead quote runs on to the end of its paragraph when that is this short

QUOTATION_CHARS = 1000  # ... and through a speaker's quotation that goes on over paragraphs, to this length

LEANING_WORDS = 2  # a later part with this few words of its own is about the part before it

LABEL_CAPITALS = 0.6  # share of capitalised words above which a "sentence" is a label or a title

ASKED_FOR_WEIGHT = 3.0  # the asked-for word's rarity counts this many times

ELLIPSIS_WORDS = 6  # most words of such a part

FINDINGS_LISTED = 4  # most findings of the kind asked for an answer quotes

RESPONSE_PAIRS = 2  # most findings quoted with the force's response to each

KIND_PRIORITY = {
    "inspection_report": 0, "press_release": 1, "board_paper": 1, "force_response": 1, "pcc_response": 1,
    "other": 2, "news": 3,
}
COUNT_REACH = 4  # a count stands at most this many words before what it counts ("236 suspects")
SPEAKER_LOOKBACK_CHARS = 4000  # how far back on its page a quotation's speaker is looked for (a long text file is one page)
NAME_REACH = 40  # characters either side of a name that its title or attribution lies within
AREA_SHARE = 2 / 3  # of the area's word stems a grade sentence (or its heading) must contain
