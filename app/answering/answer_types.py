"""What kind of answer a question asks for, and whether a sentence can be that answer.

"What grade did X get?" is answered only by a sentence holding a grade, "how many" only by
one holding a quantity, "when" only by one holding a date, and a question naming a force
only by a sentence about that force (or about no force in particular). A sentence that is
similar in meaning but cannot be the answer ("The East Midlands unit covers five forces"
for "What grade did the East Midlands unit get?") is exactly the confident wrong answer
staff must never be given, so such sentences are not offered at all: if no sentence can
be the answer, the documents don't answer the question.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache

from scrutiny.app.answering.tuning import AREA_SHARE, COUNT_REACH, NAME_REACH
from scrutiny.ingest.forces import REGIONAL_UNIT_FORCES, forces_in, mentions
from scrutiny.ingest.text import GRADES, MONTH, STOPWORDS, YEAR, tokenize, years_covered

NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    "hundred|hundreds|thousand|thousands|million|millions|billion|dozen|dozens|half|third|quarter"
)

# The grade in another tense where it is given as one ("rated as requiring improvement", "was
# judged to require improvement"), not any work needed ("three processes require improvement").
GRADE_TENSES = r"(?:\bas|\b(?:rated|graded|judged|assessed|found)(?:\s+(?:as|to))?)\s+requir(?:e|ed|ing)\s+improvement"
GRADE = re.compile(r"\b(" + "|".join(GRADES) + r")\b|" + GRADE_TENSES, re.IGNORECASE)
DATE = re.compile(YEAR.pattern + r"|\b" + MONTH + r"\b")  # month names capitalised ("may" is a verb)
# Dates and clause numbers ("4.3.2") are numbers but not quantities: removed before looking.
NOT_QUANTITY = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+" + MONTH + r"\b|" + YEAR.pattern
    + r"|^\s*\(?\d+(?:\.\d+)*[).](?=\s)|^\s*\d+(?:\.\d+)+(?=\s)|\b\d+(?:\.\d+){2,}\b|\b[A-Za-z]+-\d+\b",  # "3)", "4.3.2", "COVID-19"
)
QUANTITY = re.compile(r"£|\d|\b(?:" + NUMBER_WORDS + r")\b", re.IGNORECASE)
# "How many undercover officers does ..." counts officers: the words after "how many" up to
# the verb. A count of something else ("57 arrests") does not answer it.
HOW_MANY = re.compile(r"\bhow many\s+(?!of\b)(.+)", re.IGNORECASE)
ENDS_COUNTED = frozenset(
    "do does did is are was were has have had will would can could should must may might "
    "not never "  # "how many crimes not recorded" counts crimes
    "in on at from through for by to with within across during per "
    "take takes took get gets got make makes made come comes came go goes went see saw give gave "
    "win won run ran find found hold held keep kept bring brought put set work works".split()
)
VAGUE_COUNTED = {"people", "persons", "times", "them", "those", "these", "they", "ones"}
PEOPLE = {"people", "persons"}
PASSIVE = re.compile(r"\s*(?:were|was|have been|had been|has been)\s+(\w+ed)\b", re.IGNORECASE)


# "How much does X pay ...?" asks for a sum of money, which "three forces" is not ("how much
# of its funding ..." asks for a share).
MONEY_ASKED = re.compile(
    r"\bhow much\b(?!\s+(?:of|time|progress|effort|work)\b)(?=(?:\s+[\w'’-]+){0,4}?\s+(pay|pays|paid|cost|costs|"
    r"fund|funds|funding|funded|money|spend|spends|spent|budget|grant|grants|worth|income|save|saves|saved|"
    r"raise|raised)\b)|\bin pounds\b",
    re.IGNORECASE,
)
# The sum must be of the kind asked: "how much funding ..." is not answered by "seized £300,000".
# By the asked word's first letters; each maps to the beginnings of words a sentence of that kind holds.
FUNDING = ("fund", "grant", "budget", "financ")
PAYING = ("pay", "paid", "contribut", "fund")
SPENDING = ("cost", "spen", "price")
MONEY_SENSES = {
    "fund": FUNDING, "gran": FUNDING, "budg": FUNDING, "pay": PAYING, "paid": PAYING,
    "cost": SPENDING, "spen": SPENDING, "sav": ("sav",), "rais": ("rais",),
}
MONEY = re.compile(r"£\s?\d|\d[\d,.]*\s?(?:thousand|million|billion|m|bn|k)?\s?pounds\b", re.IGNORECASE)
# "What did X's police and crime commissioner say?" is answered only where a commissioner speaks
# (their response, or a report of what they said), not by the inspection's own findings.
COMMISSIONER = re.compile(r"\b(?:PCC|PCCs|commissioner|commissioners)\b", re.IGNORECASE)
# ... and "What did the chief constable say?" only where a chief constable speaks (a force's response)
CHIEF_CONSTABLE = re.compile(r"\bchief (?:constables?|officers?)\b", re.IGNORECASE)
SAYING = re.compile(r"\b(?:say|says|said|respond|responds|responded|response|reply|replied|comment|commented|"
                    r"write|wrote)\b", re.IGNORECASE)

# "On what date was it published?" asks for a day: "December 2022" does not give it (but "by
# what date ...?" is a deadline, often a month).
DAY_ASKED = re.compile(r"(?<!\bby )\b(?:what|which) (?:exact )?date\b", re.IGNORECASE)
DAY = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+" + MONTH + r"\b"
                 r"|\b" + MONTH + r"\s+\d{1,2}(?:st|nd|rd|th|,?\s+(?:19|20)\d\d)\b"  # "Dec 8, 2022"
                 r"|\b\d{1,2}/\d{1,2}/(?:19|20)?\d\d\b|\b\d{1,2}\.\d{1,2}\.(?:19|20)\d\d\b")

# "By when must X ...?" asks for a deadline: "By February 2022, the chief constable should ...",
# not the date the report was published.
DEADLINE_ASKED = re.compile(r"\bby (?:when|what date|which date)\b|\bdeadline\b|\bwhen (?:must|should)\b",
                            re.IGNORECASE)
DEADLINE = re.compile(  # month names capitalised, as in DATE
    r"\b(?i:by|before|until|no later than)\s+(?i:the end of\s+)?(?:\d{1,2}(?:st|nd|rd|th)?\s+)?"
    r"(?:" + MONTH + r"\b|(?:19|20)\d\d\b)")

# "When will X ...?" asks when something is to happen: a sentence saying what did happen, dated
# ("HMICFRS then inspected the unit in 2022"), does not answer it.
FUTURE_ASKED = re.compile(r"\bwhen (?:will|shall|is [^,?]+? (?:due|expected|planned|scheduled))\b", re.IGNORECASE)
FUTURE = re.compile(r"\b(?:will|shall|should|must|next|upcoming|forthcoming)\b|"
                    r"\b(?:plans?|planned|intends?|expects?|expected|scheduled|set) to\b|\bdue (?:in|by|on|for)\b",
                    re.IGNORECASE)

# A team, unit, programme or operation the question names ("the courier fraud team",
# "Operation Resolve"): a sentence about another one ("the Western Balkan team") is not about it.
GROUP = re.compile(r"((?:\b[\w'’-]+\s+){1,2})(?i:team|unit|programme|scheme|initiative)s?\b|\bOperation\s+([A-Z]\w+)")
GENERIC_GROUP_WORDS = frozenset(tokenize("new dedicated specialist regional local national force police own single "
                                         "small large joint multi agency one two three"))  # name no group


# A word before "teams" that relates rather than names ("working across teams") names no group.
RELATING_WORDS = frozenset("across between among amongst within with without into onto from to for of by at in on "
                           "all both each every other different several many some these those".split())


def named_groups(text: str) -> list[frozenset[str]]:
    """The word stems that name each team, unit, programme or operation in `text` ("courier
    fraud team" -> {courier, fraud}); "this team", "working across teams" and "all three teams"
    name none."""
    groups = []
    for match in GROUP.finditer(text):
        words = match.group(1) if match.group(1) is not None else match.group(2)
        if match.group(1) is not None:  # only the words after the last relating word name it
            tokens = words.split()
            last = max((i for i, word in enumerate(tokens) if word.lower() in RELATING_WORDS), default=-1)
            words = " ".join(tokens[last + 1:])
        stems = frozenset(t for t in tokenize(words) if not forces_in(t) and t not in GENERIC_GROUP_WORDS)
        if stems:
            groups.append(stems)
    return groups


# A region, named as one ("the north-east", "the Eastern region"): what is said of it is not
# said of one force in it.
REGION = re.compile(r"\b(?:(?:north|south)[- ]?(?:east|west)|(?:east|west) midlands|yorkshire and the humber|"
                    r"eastern region|regions?|regionally)\b", re.IGNORECASE)

# The roles a person holds: one list for every way of asking who holds one.
PERSON_ROLES = ("commissioner|PCC|PFCC|officer|constable|inspector|chair|head|director|superintendent|spokesperson|"
                "leader|person|signatory")
# "Who signed the response?", "who said ...?", "the name of the commissioner who ...": a person's
# name is asked, and a role ("the Police and Crime Commissioner") does not give it.
PERSON_ASKED = re.compile(
    r"\bwho (?:signed|said|commented|spoke|stated)\b"  # not "who wrote the report?" (HMICFRS)
    # "which Cleveland officer highlighted it?": what a person said or did (a past verb), not a
    # role ("which officer should lead?", "which officer is responsible?")
    r"|\bwhich (?:[\w'’-]+ ){0,3}?(?:" + PERSON_ROLES + r"|spokes(?:wo)?m[ae]n|people)s?"
    r"(?: of (?:the )?[\w'’-]+)?"  # "which Inspector of Constabulary signed ...?"
    r" (?:said|spoke|told|wrote|\w+ed|(?:was|were) quoted)\b"  # a deed, not a passive ("were trained")
    r"|\bname of (?:the |its |their )?(?:(?!(?:by|of|for|in|on|at|who|which|that|led|run)\b)[\w'’-]+ ){0,6}?"
    r"(?:" + PERSON_ROLES + r")\b(?!['’]s)"
    # "Who is the West Mercia Police and Crime Commissioner ...?", "who was its temporary head?"
    r"|\bwho (?:is|was|are|were) (?:the |its |their )?(?:(?!(?:who|which|that)\b)[\w'’-]+ ){0,6}?"
    r"(?:" + PERSON_ROLES + r")s?\b",
    re.IGNORECASE,
)
ROLE = re.compile(
    r"\b(chief constable|commissioner|PCC|officer|superintendent|Supt|inspector|head of|lead|director|"
    r"minister|secretary|council|Home Office|NPCC|HMICFRS|team|unit|board|Mr|Ms|Mrs|Dr)\b|\b[A-Z][a-z]+ [A-Z][a-z]+\b",
)

WHO_ASKED = re.compile(r"\bwho\b|\bwhich (officers?|persons?|people|roles?|body|bodies|organisations?)\b", re.IGNORECASE)

PERFECT = re.compile(r"\b(?:has|have|had)(?:n['’]t| not)?\s+(?:(?:not|yet|also|already|now|since|never|just)\s+)?"
                     r"(?:been|\w+ed)\b", re.IGNORECASE)

AUXILIARY = "did|does|do|is|are|was|were|has|have|had|will|would|can|could|should|must|might|may"

CLAUSE_WORDS = "if|after|before|when|while|that|which|who|whose|where|because|since|until"

# The question's own ask ("What did it ask for?", "What was the Board asked to do?"), not one in
# a clause ("What did the force do after HMICFRS recommended a review?").
ASKED_TO = re.compile(r"\bwhat (?:did|does|do|has|have|was|were|is)\s+"
                      r"(?:(?!(?:" + CLAUSE_WORDS + r"|what|do|does|did|done|find|found|say|said)\b)[\w'’-]+\s+)*?"
                      r"(?:ask(?:s|ed)? (?:for|to)|recommend(?:s|ed)?|call(?:s|ed)? for)\b", re.IGNORECASE)

SHOULD = re.compile(r"\b(?:should|must|ought to|needs? to|recommends? that|(?:is|are) (?:recommended|asked) to)\b",
                    re.IGNORECASE)

PERCENT = re.compile(r"\d\s*(%|per\s*cent|percent)", re.IGNORECASE)

LETTERS = re.compile(r"[^\W\d_]+")  # runs of letters, accented ones too ("Zoë", "Siân")
# Capital and small letters of the Latin alphabets names are written in ("Zoë", "Siân", "Llŷr")
_UPPER, _LOWER = "A-ZÀ-ÖØ-ÞĀ-ž", "a-zß-öø-ÿĀ-ž"
# "McGuinness" too, and initials ("BJ Harrington", "J. Smith")
_CAPITALISED = (rf"(?:(?:[{_UPPER}]\.){{1,3}}(?=\s)|[{_UPPER}][{_LOWER}]*[{_UPPER}]?[{_LOWER}]+\b"
                rf"|[{_UPPER}]{{1,2}}\b(?!\.))")
CAPITALISED_RUN = re.compile(r"\b" + _CAPITALISED + r"(?:\s+" + _CAPITALISED + r")*")
TITLES = frozenset("Mr Mrs Ms Miss Dr Supt Sir Dame Lord Lady".split())
FUNCTION_WORDS = STOPWORDS | frozenset("her his my he she him me us all any each every no not our".split())
# What stands beside a person's name: a title or rank, a role, a signature or an attribution.
ROLES = ("Det|Insp|Sgt|Superintendent|Inspector|Sergeant|Constable|Commissioner|Chief|Officer|Head|Director|"
         "Minister|Secretary|Councillor|Mayor|Chair")
ROLE_WORD = re.compile(r"(?:" + ROLES + r")s?")
PERSON_BESIDE = re.compile(r"\b(?:" + "|".join(sorted(TITLES)) + "|" + ROLES + r"|sincerely|said|says|added|told|By)\b")


# "What grade did X get for crime data integrity?" names the area graded: a grade for
# another area ("adequate at tackling serious and organised crime") does not answer it.
GRADED_AREA = re.compile(
    r"\b(?:grade[ds]?|grading|rated|rating)\b.*?\b(?:for|at)\s+(.+?)(?=\s+(?:in|during|from|by|since|after|before)\s|[?.;,]|$)"
    # "What efficiency grade did ...?": the area named before the word "grade"
    r"|\b(?:what|which)\s+((?:(?!(?:grade|grades|grading|rating)\b)[\w'’-]+\s+){1,4}?)(?:grade|grading|rating)s?\b",
    re.IGNORECASE,
)
AREA_WORD_LETTERS = 5  # one lower-case word this long names an area ("efficiency"); an acronym does not
# "... rated at its last inspection", "... for its 2022 PEEL report" name an occasion, not an area.
OCCASION = frozenset(tokenize("inspection inspections inspected last latest recent most previous current "
                              "year years report reports peel round assessment"))


def graded_area(question: str) -> tuple[frozenset[str], ...]:
    """Stems of each area a grade question names ("for efficiency and legitimacy" names two), or
    none (one word is too little to judge by unless it is a lower-case word, not an acronym:
    "efficiency", not "SOC")."""
    match = GRADED_AREA.search(question)
    named = (match.group(1) or match.group(2)) if match else ""
    # single words joined by "and" are areas each ("efficiency and legitimacy") when each can be
    # judged by; a longer phrase, or one with a word that cannot ("SOC and efficiency"), is one
    # area ("serious and organised crime")
    words = re.split(r"\s+and\s+", named.strip(), flags=re.IGNORECASE)
    pieces = tuple(_area_stems(word) for word in words)
    if len(words) > 1 and all(len(word.split()) == 1 for word in words) and all(pieces):
        return pieces
    whole = _area_stems(named)
    return (whole,) if whole else ()


def _area_stems(area: str) -> frozenset[str]:
    """The stems of one area, or none when it is too little to judge by (see graded_area)."""
    stems = {t for t in tokenize(area) if t not in OCCASION and not t.isdigit()}
    lone_word = [w for w in area.split() if w.islower() and len(w) >= AREA_WORD_LETTERS and tokenize(w)
                 and tokenize(w)[0] in stems]
    return frozenset(stems) if len(stems) >= 2 or (len(stems) == 1 and lone_word) else frozenset()


def has_grade(text: str) -> bool:
    """One of HMICFRS's five graded judgements appears in the text."""
    return bool(GRADE.search(text))


def has_date(text: str) -> bool:
    """A year ("2021", "2021/22") or a capitalised month name appears in the text."""
    return bool(DATE.search(text))


def has_quantity(text: str) -> bool:
    """A count, amount or share: digits or number words that are not a date or clause number."""
    return bool(QUANTITY.search(NOT_QUANTITY.sub(" ", text)))


def has_money(text: str) -> bool:
    """A sum of money: "£4.6m", "2 million pounds"."""
    return bool(MONEY.search(text))


def money_sense(question: str) -> tuple[str, ...]:
    """Word beginnings a sentence giving the sum asked for holds ("how much funding" -> fund,
    grant, ...); nothing when any sum will do ("how much money", "worth")."""
    match = MONEY_ASKED.search(question)
    asked = (match.group(1) or "").lower() if match else ""
    return next((sense for start, sense in MONEY_SENSES.items() if asked.startswith(start)), ())


def has_day(text: str) -> bool:
    """A date to the day: "7 December 2022", "Dec 8, 2022", "16/03/2021"."""
    return bool(DAY.search(text))


def states_future(text: str) -> bool:
    """Something is to happen ("will", "plans to", "next"), not only what happened."""
    return bool(FUTURE.search(text))


def has_deadline(text: str) -> bool:
    """A date something is due by: "by February 2022", "no later than 31 March"."""
    return bool(DEADLINE.search(text))


def _name_like(word: str, start: int, end: int, covered: list[tuple[int, int]], common_words: Collection[str]) -> bool:
    """A capitalised word that can be part of a name: a title, or a word the documents never
    write in lower case that is no function word, no role ("Home Secretary" is not a name) and
    no part of a force's or place's name."""
    lowered = word.lower()
    return word in TITLES or not (lowered in common_words or lowered in FUNCTION_WORDS or ROLE_WORD.fullmatch(word)
                                  or any(s <= start and end <= e for s, e in covered))


@lru_cache(maxsize=1024)
def proper_names(text: str, common_words: frozenset[str]) -> tuple[str, ...]:
    """The last word of each run of two or more name-like capitalised words ("Paddy Tipping",
    "Western Balkan"), lower-cased: what a document must contain to be about that name."""
    covered = [(start, end) for _, start, end in mentions(text)]
    names: list[str] = []
    for run in CAPITALISED_RUN.finditer(text):
        together: list[str] = []
        for word in [*re.finditer(r"\S+", run.group(0)), None]:
            if word is not None and _name_like(word.group(0), run.start() + word.start(), run.start() + word.end(),
                                               covered, common_words):
                together.append(word.group(0))
                continue
            if len(together) >= 2:
                names.append(together[-1].lower())
            together = []
    return tuple(names)


def has_person_name(text: str, common_words: Collection[str]) -> bool:
    """A person's name: two capitalised words together (a title such as "Ms" counts as one) that
    are not words the documents write in lower case (`common_words`: "Chief Constable" is
    not a name), function words ("Her Majesty") or part of a force's or place's name ("West
    Mercia"), with a title, role or attribution beside them ("Supt Adam Gallop", "Kim McGuinness
    said", "Yours sincerely Paddy Tipping"): capitalised words alone are as often a scheme or a
    place ("Western Balkan")."""
    covered = [(start, end) for _, start, end in mentions(text)]
    for run in CAPITALISED_RUN.finditer(text):
        together = 0
        for word in re.finditer(r"\S+", run.group(0)):
            start, end = run.start() + word.start(), run.start() + word.end()
            together = together + 1 if _name_like(word.group(0), start, end, covered, common_words) else 0
            if together >= 2 and PERSON_BESIDE.search(text[max(0, run.start() - NAME_REACH):end + NAME_REACH]):
                return True
    return False


def counted_words(question: str) -> frozenset[str]:
    """Stems of the head nouns "how many" counts ("officers and staff" -> officer, staff)."""
    match = HOW_MANY.search(question)
    if not match:
        return frozenset()
    words: list[str] = []
    for word in re.findall(r"[\w'’-]+", match.group(1)):
        lowered = word.lower()
        if lowered in ENDS_COUNTED or (words and lowered.endswith("ed")) or len(words) == 5:
            break  # the verb ("did", "took", "recorded") ends what is counted
        words.append(word)
    if not words:
        return frozenset()
    # "officers and staff" counts both; "pages of factual errors" counts pages (or errors)
    heads = {words[-1]} | {words[i - 1] for i, word in enumerate(words) if word.lower() in ("and", "or", "of") and i}
    heads = {h for h in heads if h.lower() not in VAGUE_COUNTED | {"and", "or"}}
    if not heads and words[-1].lower() in PEOPLE:
        # "How many people were charged?" counts charges: what was done to them says what is counted
        after = match.group(1)[match.group(1).find(words[-1]) + len(words[-1]):]
        done = PASSIVE.match(after)
        heads = {done.group(1)} if done else set()
    return frozenset(t for head in heads for t in tokenize(head))


def counts(text: str, counted: frozenset[str]) -> bool:
    """`text` gives a quantity of one of the `counted` stems ("200 victims", "six of the ROCUs")."""
    words = text.split()
    for i, word in enumerate(words):
        if counted & set(tokenize(word)):
            before = " ".join(words[max(0, i - COUNT_REACH):i])
            if has_quantity(before) or (i >= 2 and " ".join(words[i - 2:i]).lower() == "number of"
                                        and has_quantity(" ".join(words[i + 1:]))):
                return True
    return False


def has_percentage(text: str) -> bool:
    """A percentage ("12%", "12 per cent")."""
    return bool(PERCENT.search(text))


def names_role(text: str) -> bool:
    """A role, a body or a person's name ("the chief constable", "Supt Smith")."""
    return bool(ROLE.search(text))


def states_done(text: str) -> bool:
    """What has (not) been done: a perfect tense ("has appointed", "has not been adopted")."""
    return bool(PERFECT.search(text))


def states_action(text: str) -> bool:
    """What someone should or must do ("should appoint", "is recommended to")."""
    return bool(SHOULD.search(text))


@dataclass(frozen=True)
class AnswerType:
    """A kind of answer: how a question asks for it (`asked`, `cue`) and whether a sentence holds it.

    A type the question `asked` for is required: only sentences holding it can answer (see
    Expectation). A type it only `cue`s weighs: sentences holding it score higher and sentences
    lacking it lower (the cue_hits and cue_misses features), but none is excluded.
    """

    name: str
    present: Callable[[str], bool]  # on a candidate sentence
    asked: re.Pattern | None = None  # in the question: required
    cue: re.Pattern | None = None  # in the question: weighed


# The one table of answer types.
ANSWER_TYPES = (
    AnswerType(
        "grade", has_grade,
        asked=re.compile(r"\bgrade[ds]?\b|\bgrading\b|\brated\b|\brating\b", re.IGNORECASE),
        cue=re.compile(r"\bgrade[ds]?\b|\bgrading\b|\brated\b|\brating\b|\bjudge?ment\b|\bhow well\b", re.IGNORECASE)),
    AnswerType(
        "quantity", has_quantity,
        asked=re.compile(r"\bhow (many|much|big|large)\b|\bwhat (percentage|proportion|number|total|figure|amount|share)\b|"
                         r"\bnumber of\b", re.IGNORECASE),
        cue=re.compile(r"\bhow (many|much|big|large|long)\b|\bnumber of\b|\bwhat (total|figure|amount)\b", re.IGNORECASE)),
    AnswerType(
        "date", has_date,
        # "When is an investigator brought in?" asks for a circumstance, not a date: only
        # past and future "when" and explicit dates are required; any "when" weighs.
        asked=re.compile(r"\bwhen (was|were|did|will|would|had|has|have)\b|\bby when\b|\b(what|which) (date|year|month)\b|"
                         r"\bby what date\b|\bdeadline\b", re.IGNORECASE),
        cue=re.compile(r"\bwhen\b|\bwhat (date|year|month)\b|\bby when\b|\bdeadline\b|\bwhich (year|month)\b", re.IGNORECASE)),
    AnswerType("money", has_money, asked=MONEY_ASKED),
    AnswerType("day", has_day, asked=DAY_ASKED),
    AnswerType("deadline", has_deadline, asked=DEADLINE_ASKED),
    AnswerType("future", states_future, asked=FUTURE_ASKED),
    AnswerType("percentage", has_percentage,
               cue=re.compile(r"\bwhat (percentage|proportion)|\bper ?cent|%", re.IGNORECASE)),
    AnswerType("role", names_role, cue=WHO_ASKED),
    # "Has the region appointed one?" is answered by what has (not) been done, not by the
    # recommendation restated ("Chief constables should appoint ...").
    AnswerType("done", states_done, cue=re.compile(r"^\s*(?:has|have)\b", re.IGNORECASE)),
    # "What did it ask for?", "What did HMICFRS recommend?" are answered by what someone should do.
    AnswerType("action", states_action, cue=ASKED_TO),
)


def required_types(question: str) -> tuple[AnswerType, ...]:
    """The answer types `question` asks for; a question that states the grade ("after it was
    graded outstanding") is not asking for one."""
    return tuple(t for t in ANSWER_TYPES if t.asked is not None and t.asked.search(question)
                 and not (t.name == "grade" and has_grade(question)))


def cued_types(question: str) -> tuple[AnswerType, ...]:
    """The answer types `question` hints at, whose presence in a sentence weighs in its favour."""
    return tuple(t for t in ANSWER_TYPES if t.cue is not None and t.cue.search(question))


@dataclass(frozen=True)
class Expectation:
    """What an answer to one (part of a) question must contain."""

    types: tuple[AnswerType, ...]
    forces: frozenset[str]
    counted: frozenset[str] = frozenset()  # word stems of what "how many" counts; one must appear
    years: frozenset[str] = frozenset()  # years the question names ("the 2018 inspection")
    area: tuple[frozenset[str], ...] = ()  # stems of each area a grade is asked for; one must be named
    commissioner: bool = False  # what a commissioner said is asked: one must be where the answer sits
    person: bool = False  # a person's name is asked (who signed, who said)
    money: tuple[str, ...] = ()  # word beginnings of the kind of sum asked for (see money_sense)
    groups: tuple[frozenset[str], ...] = ()  # the teams, units or operations named (see named_groups)
    text: str = ""  # the question (or part) itself: the proper names it holds (see met_by)
    chief: bool = False  # what a chief constable said is asked (and no commissioner): one must be where the answer sits

    @classmethod
    def of(cls, question: str) -> Expectation:
        """What `question` asks for (see required_types)."""
        types = required_types(question)
        area = graded_area(question) if any(t.name == "grade" for t in types) else ()
        return cls(types, frozenset(forces_in(question)),
                   counted_words(question), frozenset(m.group(0)[:4] for m in YEAR.finditer(question)), area,
                   bool(COMMISSIONER.search(question) and SAYING.search(question)), bool(PERSON_ASKED.search(question)),
                   money_sense(question), tuple(named_groups(question)), question,
                   bool(CHIEF_CONSTABLE.search(question) and SAYING.search(question) and not COMMISSIONER.search(question)))

    @classmethod
    def of_parts(cls, question: str, parts: list[str]) -> list[Expectation]:
        """One expectation per part of a compound question; a part naming no force takes the
        question's ("What did HMICFRS say Cleveland must do, and how has the force responded?"
        asks about Cleveland's response, not any force's). A year stays with its own part: in
        "what did HMICFRS recommend in 2015, and was it implemented?" the year dates the
        recommendation, not the answer to the second part. A part naming a region ("has the
        north-east appointed one?") is about the region, not a force named in another part."""
        whole = cls.of(question)
        regional = frozenset(f for f in whole.forces if f in REGIONAL_UNIT_FORCES)
        return [dataclasses.replace(e, forces=e.forces or (regional if REGION.search(part) else whole.forces))
                for part, e in zip(parts, map(cls.of, parts), strict=False)]

    def _about_groups(self, text: str) -> bool:
        """`text` does not name only other teams or operations than those asked about: it names
        one asked about, or a word of one, or no team at all."""
        stems = set(tokenize(text))
        named = named_groups(text)
        return not named or any(group & stems for group in self.groups)

    def met_by(self, text: str, about: set[str], context: str, heading: str = "",
               common_words: Collection[str] = frozenset(), commissioner_speaks: bool | None = None,
               document_words: Collection[str] | None = None, chief_speaks: bool | None = None) -> bool:
        """`text` can be the answer: it fails none of the checks (see `failed_check`)."""
        return self.failed_check(text, about, context, heading, common_words, commissioner_speaks,
                                 document_words, chief_speaks) is None

    def failed_check(self, text: str, about: set[str], context: str, heading: str = "",
                     common_words: Collection[str] = frozenset(), commissioner_speaks: bool | None = None,
                     document_words: Collection[str] | None = None, chief_speaks: bool | None = None) -> str | None:
        """The name of the first check `text` fails ("force", "year", "count", "commissioner", "chief_constable",
        "person", "proper_name", "money", "group", "area" or an answer type's name), or None when
        it can be the answer: it holds every kind of answer asked for and is not about other forces only.

        `about` is what the sentence is about: the forces it and its section heading name, else
        those of its passage. A sentence about no force in particular (a regional or national
        finding) may answer.
        `context` is where it sits (its passage, section, document title and date): when it
        names any year, one the question names must be among them, or the sentence is about
        another time. A context with no year at all (a news story whose date is only in its
        address) is not known to be about another time.
        `heading` is its section path: a grade's area may be named there instead of in it.
        `common_words` are the words the documents write in lower case (see has_person_name).
        `commissioner_speaks`: the commissioner asked about says the sentence (by default: one is
        named in `context`); `chief_speaks` the same for a chief constable.
        `document_words`: the lower-cased runs of letters of the sentence's whole document
        ("McGuinness’s" gives "mcguinness" and "s"). A proper name
        the question holds ("When did Paddy Tipping send his response?") must be in it: another
        commissioner's response does not answer for him.
        """
        if self.forces and about and not about & self.forces:
            return "force"
        # The years asked are those the question's year mentions start with ("2021/22" asks
        # about 2021): a sentence about 2022 alone does not answer for 2021/22. A range in its
        # context ("PEEL 2021/22") covers each year in it.
        if self.years and not self.years & years_covered(context) and YEAR.search(context):
            return "year"  # dated, but by none of the years asked about: about another time
        if self.counted and not counts(text, self.counted):
            return "count"
        if self.commissioner and not (bool(COMMISSIONER.search(context)) if commissioner_speaks is None
                                      else commissioner_speaks):
            return "commissioner"
        if self.chief and not (bool(CHIEF_CONSTABLE.search(context)) if chief_speaks is None else chief_speaks):
            return "chief_constable"
        if self.person and not has_person_name(text, common_words):
            return "person"
        if self.person and self.commissioner and not COMMISSIONER.search(text):
            return "person"  # the commissioner's name is asked: a name beside another role is someone else's
        if document_words is not None and any(
                piece not in document_words
                for name in proper_names(self.text, frozenset(common_words)) for piece in LETTERS.findall(name)):
            return "proper_name"  # "Smith-Jones" is in a document as "smith" and "jones" (see document_words)
        if self.money and not re.search(r"\b(?:" + "|".join(self.money) + ")", text, re.IGNORECASE):
            return "money"
        if self.groups and not self._about_groups(text):
            return "group"
        if self.area:
            words = set(tokenize(f"{heading} {text}"))
            if not any(len(area & words) >= AREA_SHARE * len(area) for area in self.area):
                return "area"
        return next((t.name for t in self.types if not t.present(text)), None)
