"""Answer types: a sentence offered as an answer must be the kind of answer asked for."""

from __future__ import annotations

import pytest

from scrutiny.app.answering.answer_types import (
    Expectation,
    counted_words,
    counts,
    has_date,
    has_day,
    has_deadline,
    has_person_name,
    has_quantity,
)


@pytest.mark.parametrize("text, expected", [
    ("The force has a backlog of over 20,000 SARs.", True),
    ("It made six recommendations.", True),
    ("The unit received £4.6m.", True),
    ("By February 2022 the chief constable should appoint a chief officer.", False),  # a date, not a count
    ("Between 1 April 2019 and 30 April 2022 the team worked hard.", False),
    ("4.3.2 The Home Office should assess the funding settlement.", False),  # a clause number
    ("The force uses the national database.", False),
])
def test_quantity_is_a_count_not_a_date_or_clause_number(text, expected):
    assert has_quantity(text) is expected


def test_dates_need_a_year_or_a_capitalised_month():
    assert has_date("The team was created in April 2021.")
    assert has_date("It was published in 2015.")
    assert not has_date("The force may review its approach.")


def test_counted_words_are_the_heads_of_what_how_many_counts():
    assert counted_words("How many undercover officers does NERSOU have?") == {"offic"}
    assert counted_words("How many recommendations did the inspection make?") == {"recommend"}
    assert counted_words("How many children took part in the scheme?") == {"children"}  # "took" ends it
    assert counted_words("How many officers and staff work in the team?") == {"offic", "staff"}
    assert counted_words("How many disruptions recorded by the force were prevent disruptions?") == {"disrupt"}
    assert counted_words("How many people did it arrest?") == set()  # too vague to require
    assert counted_words("What did the report say?") == set()
    assert counted_words("force 2018 how many crimes not recorded each year") == {"crime"}  # "not" ends it
    assert counted_words("How many pages of factual errors did he cite?") == {"page", "error"}  # either


def test_a_grade_question_is_not_answered_by_a_sentence_without_a_grade():
    expectation = Expectation.of("What grade did the East Midlands Special Operations Unit get?")
    assert not expectation.met_by("The East Midlands Special Operations Unit covers five forces.", set(), "")
    assert expectation.met_by("The East Midlands Special Operations Unit is good at tackling SOC.", set(), "")


def test_a_grade_for_another_area_does_not_answer_a_grade_question():
    expectation = Expectation.of("What grade did the force get for crime data integrity in its latest inspection?")
    assert not expectation.met_by("The force is adequate at tackling serious and organised crime.", set(), "")
    assert expectation.met_by("The force requires improvement at crime data integrity.", set(), "")
    # the grade in another tense where it is given as one, not any work needed
    assert expectation.met_by("Crime data integrity was rated as requiring improvement.", set(), "")
    assert not expectation.met_by("Crime data integrity processes require improvement.", set(), "")
    # The area may be named by the heading the grade sits under.
    assert expectation.met_by("The force was graded good.", set(), "", heading="Crime data integrity > Summary")
    # Two of three words are enough for a paraphrase ("fighting" for "tackling").
    fighting = Expectation.of("What grade did Durham get for fighting organised crime?")
    assert fighting.met_by("Durham is outstanding at tackling serious and organised crime.", set(), "")
    # The area ends where the question goes on to something else.
    assert Expectation.of("What grade did Essex get for the accuracy of its crime recording, as mentioned "
                          "when it responded to its October 2022 report?").area == ({"accuraci", "crime", "record"},)
    # One word (often an acronym) is too little to judge by.
    assert Expectation.of("What grade did Durham get for SOC?").area == ()
    # An occasion is not an area.
    for question in ("How was Cleveland rated at its last inspection?",
                     "What grade did Durham get for its 2022 inspection?",
                     "What grade did Durham get for the most recent PEEL report?"):
        assert Expectation.of(question).area == (), question
        assert Expectation.of(question).met_by("The force was graded outstanding.", set(), "Published 2022")


def test_a_question_naming_a_force_is_not_answered_about_another_force():
    expectation = Expectation.of("What grade did Cambridgeshire Constabulary get?")
    assert not expectation.met_by("Durham Constabulary is outstanding.", {"Durham Constabulary"}, "")
    assert expectation.met_by("Cambridgeshire Constabulary is good.", {"Cambridgeshire Constabulary"}, "")
    # A regional finding about no force in particular may still answer.
    assert expectation.met_by("Every force in the region is good.", set(), "")


def test_a_year_the_question_names_must_be_where_the_sentence_sits():
    expectation = Expectation.of("How big was the backlog at the 2018 inspection?")
    sentence = "The force reported a backlog of over 20,000 SARs."
    assert not expectation.met_by(sentence, set(), "An inspection published 2022-12")
    assert expectation.met_by(sentence, set(), "In our 2018 inspection we found the following.")
    # A context that names no year at all (a news story dated only in its address) is not known
    # to be about another time; one of two years named is enough.
    assert expectation.failed_check(sentence, set(), "Inspectors found a backlog in the unit.") is None
    both = Expectation.of("How much had the force lost since 2015, at the 2017 inspection?")
    assert both.failed_check("We are £3.5 million a year worse off.", set(), "Budgets were cut in 2015.") is None
    assert both.failed_check("We are £3.5 million a year worse off.", set(), "Budgets in 2019.") == "year"


def test_circumstantial_when_does_not_demand_a_date():
    assert Expectation.of("When is a financial investigator brought into an investigation?").types == ()
    assert [t.name for t in Expectation.of("When was the team set up?").types] == ["date"]


def test_a_count_must_be_of_the_thing_asked_about():
    officers = frozenset({"offic"})
    assert counts("The unit has 12 specialist officers.", officers)
    assert counts("The number of officers rose to 40.", officers)
    assert not counts("The unit sees officers from the three forces working together.", officers)
    assert not counts("It achieved 57 arrests, supported by its officers.", officers)
    assert has_quantity("57 arrests")
    assert not has_quantity("3) By February 2022, chief officers should make sure systems are in place.")


def test_parts_of_a_compound_question_keep_the_force_it_names():
    question = "What did HMICFRS say Cleveland must do in 2022, and how has the force responded?"
    first, second = Expectation.of_parts(question, ["What did HMICFRS say Cleveland must do in 2022",
                                                    "how has the force responded"])
    assert second.forces == first.forces == {"Cleveland Police"}
    assert first.years == {"2022"} and not second.years  # the year dates the first part only
    # So another force's response cannot answer the second part.
    assert not second.met_by("The Force will track every recommendation.", {"Nottinghamshire Police"}, "")
    assert second.met_by("The Force will track every recommendation.", {"Cleveland Police"}, "")


def test_how_much_money_is_answered_by_a_sum_of_money():
    expectation = Expectation.of("How much does the force pay into the regional unit each year?")
    assert not expectation.met_by("The region consists of three forces and their unit.", set(), "")
    assert expectation.met_by("The force pays £1.2m a year into the unit.", set(), "")
    assert expectation.met_by("The force pays 2 million pounds a year into the unit.", set(), "")
    # Time, progress or a share of the money is not a sum of it.
    assert Expectation.of("How much time do officers spend on paperwork?").met_by("Officers spend 20 hours a week.", set(), "")
    progress = Expectation.of("How much progress has the force made since the funding review?")
    assert progress.met_by("The force has closed 3 of its 5 actions.", set(), "")
    share = Expectation.of("How much of the unit's funding comes from the forces?")
    assert share.met_by("The forces provide 82% of the unit's funding.", set(), "")


def test_what_a_commissioner_said_is_answered_only_where_a_commissioner_speaks():
    expectation = Expectation.of("What did the police and crime commissioner say about the inspection?")
    finding = "The force is good at tackling serious and organised crime."
    assert not expectation.met_by(finding, set(), "Findings\nThe inspection report's own section.")
    assert expectation.met_by(finding, set(), "Response by the Police and Crime Commissioner\nThe PCC welcomes it.")
    # A question about a commissioner that asks for no words of theirs is not restricted.
    assert not Expectation.of("Which panel gives the PCC extra scrutiny?").commissioner


def test_what_a_chief_constable_said_is_answered_only_where_one_speaks():
    expectation = Expectation.of("What did Merseyside's chief constable say in response to the PEEL grades?")
    finding = "The force is good at tackling serious and organised crime."
    assert not expectation.met_by(finding, set(), "Findings\nThe inspection report's own section.")
    assert expectation.met_by(finding, set(), "Response\nChief Constable Serena Kennedy said the force was proud.")
    assert expectation.met_by(finding, set(), "Findings", chief_speaks=True)  # a force's own response
    # a question naming the commissioner too is the commissioner's check; a role asked for is no saying
    assert not Expectation.of("What did the PCC and the chief constable say?").chief
    assert not Expectation.of("Who is the chief constable of Merseyside?").chief


def test_a_deadline_question_is_answered_by_a_date_something_is_due_by():
    expectation = Expectation.of("By what date must the force close its area for improvement?")
    assert not expectation.met_by("Date Inspection Published – 7 December 2022", set(), "")
    assert expectation.met_by("By February 2022, the force should close its area for improvement.", set(), "")
    assert has_deadline("The plan is due no later than 31 March 2023.")
    assert not has_deadline("The report was published on 7 December 2022.")
    # a date in the past, asked as such, is not a deadline question
    assert Expectation.of("When was the report published?").met_by("It was published in December 2022.", set(), "")


def test_a_person_name_is_capitalised_words_the_documents_never_write_in_lower_case():
    common = frozenset("police and crime commissioner chief constable yours sincerely operation".split())
    assert has_person_name("Yours sincerely Paddy Tipping Police and Crime Commissioner", common)
    assert has_person_name("Cleveland Police Assistant Chief Constable Lisa Theaker said:", common)
    assert has_person_name("Ms Theaker added that the work is under way.", common)
    assert not has_person_name("Nottinghamshire Police and Crime Commissioner", common)
    assert not has_person_name("Operation Eastwood deters children from reoffending.", common)
    assert not has_person_name("Her Majesty's Inspectorate of Constabulary", common)  # function word
    assert not has_person_name("Durham Cleveland Northumbria", common)  # forces and places
    assert not has_person_name("Officers from West Mercia said the unit helped.", common)  # a force's name
    # rare capitalised words with no title, role or attribution beside them are a scheme or a place
    assert not has_person_name("The unit targets Western Balkan criminality.", common)
    # initials are part of a name; roles are not ("Home Secretary")
    assert has_person_name("Essex Police Chief Constable BJ Harrington said the force would improve.", common)
    assert has_person_name("J. Smithers said the panel had agreed the plan.", common)
    assert not has_person_name("The Chair offered to write to the Home Secretary about the regime.", common)
    assert not has_person_name("Funding comes through the Asset Recovery Incentivisation Scheme.", common)
    # names written with accented letters are names too
    assert has_person_name("HMI Zoë Billingham said: “I’d like to congratulate forces.”", common)
    assert has_person_name("Siân Ellis-Jones, Chair of the panel, wrote to the force.", common)


def test_who_signed_or_said_wants_a_person_not_a_role():
    common = frozenset("police and crime commissioner yours sincerely".split())
    expectation = Expectation.of("Who signed the response?")
    assert not expectation.met_by("The Police and Crime Commissioner's response to the inspection.", set(), "",
                                  common_words=common)
    assert expectation.met_by("Yours sincerely Paddy Tipping Police and Crime Commissioner", set(), "",
                              common_words=common)
    assert not Expectation.of("Who oversees the regional unit?").person  # a role can answer this
    # the commissioner's name is asked: a name beside another role is someone else's
    common = frozenset("police and crime commissioner head of organisational improvement yours sincerely".split())
    # a role with its "of ..." asks for the person who did it, as the role alone does
    assert Expectation.of("Which HM Inspector of Constabulary signed the 2017 assessment?").person
    assert not Expectation.of("Which officer of the force was trained?").person  # a passive, not a deed
    commissioners_name = Expectation.of("What is the name of the commissioner who was to submit the response?")
    assert not commissioners_name.met_by("Supt Adam Gallop, Head of Organisational Improvement, Cambridgeshire "
                                         "Constabulary", set(), "Police and Crime Commissioner", common_words=common)
    assert commissioners_name.met_by("Yours sincerely Jane Doe Police and Crime Commissioner", set(),
                                     "Police and Crime Commissioner", common_words=common)
    assert not Expectation.of("Who wrote the report?").person  # the inspectorate did
    assert Expectation.of("What is the name of the force's Acting Police and Crime Commissioner?").person
    assert not Expectation.of("What is the name of the operation led by the chief officer?").person
    # which officer said or did something in public is a person; which officer should act is a role
    assert Expectation.of("Which Cleveland officer highlighted it in the force's public response?").person
    assert Expectation.of("Which officer said the force welcomed the report?").person
    assert not Expectation.of("Which officer should lead the regional response?").person
    assert not Expectation.of("Which chief officer is responsible for the ROCU?").person
    # every role a person holds is asked for the same ways ("which inspector ...", "who is the chair")
    assert Expectation.of("Which inspector was quoted welcoming the report?").person
    assert Expectation.of("Which commissioner said the force had improved?").person
    assert Expectation.of("Who is the chair of the panel?").person
    assert not Expectation.of("Which inspector should review the unit?").person
    assert not Expectation.of("Which officers were trained in stalking?").person  # a passive is no deed


def test_a_proper_name_in_the_question_must_be_in_the_answers_document():
    from scrutiny.app.answering.answer_types import proper_names

    common = frozenset("police and crime commissioner response operation the date".split())
    assert proper_names("On what date did Paddy Tipping send his response?", common) == ("tipping",)
    # a force, a single capitalised word or a run of common words is no proper name
    assert proper_names("What did Northumbria Police say about Operation Eastwood?", common) == ()
    assert proper_names("What did the Police and Crime Commissioner say?", common) == ()
    expectation = Expectation.of("On what date did Paddy Tipping send his response?")
    dated = "The response was sent on 3 April 2021."
    assert expectation.met_by(dated, set(), "", common_words=common,
                              document_words=frozenset("yours sincerely paddy tipping".split()))
    # another commissioner's response does not answer for him
    assert not expectation.met_by(dated, set(), "", common_words=common,
                                  document_words=frozenset("yours sincerely steve turner".split()))
    # a double-barrelled name is found by its parts, as a document's words are kept
    hyphenated = Expectation.of("On what date did Jane Smith-Jones send her response?")
    assert hyphenated.met_by(dated, set(), "", common_words=common,
                             document_words=frozenset("yours sincerely jane smith jones".split()))


def test_when_will_is_answered_by_what_is_to_happen_not_what_did():
    expectation = Expectation.of("When will HMICFRS next inspect the regional unit?")
    assert not expectation.met_by("After the suspension due to COVID-19, HMICFRS inspected the unit in 2022.",
                                  set(), "")
    assert expectation.met_by("HMICFRS will inspect the unit again in 2025.", set(), "")
    assert expectation.met_by("The next inspection is planned for spring 2025.", set(), "")
    # past "when" questions are not affected
    assert Expectation.of("When did HMICFRS inspect the unit?").met_by("HMICFRS inspected the unit in 2022.", set(), "")


def test_a_part_naming_a_region_does_not_take_a_force_named_in_another_part():
    question = "Has the north-east appointed a chief officer for SOC, and what does Cleveland's response say?"
    parts = ["Has the north-east appointed a chief officer for SOC", "what does Cleveland's response say"]
    region, response = Expectation.of_parts(question, parts)
    assert region.forces == frozenset() and response.forces == {"Cleveland Police"}
    assert region.met_by("This recommendation hasn't been adopted in the north-east region.",
                         {"North East ROCU (NERSOU)"}, "")


def test_on_what_date_wants_a_day_not_a_month():
    expectation = Expectation.of("On what date was the inspection report published?")
    assert not expectation.met_by("An inspection of the region's response December 2022", set(), "")
    assert expectation.met_by("Date Inspection Published – 7 December 2022", set(), "")
    assert has_day("Dec 8, 2022") and has_day("Published 16/03/2021") and not has_day("In May 2022 it began.")
    assert not has_day("4.3.21 We found the funding short.") and not has_day("In March 15 officers were trained.")
    # a deadline is often a month: "by what date" does not ask for a day
    assert Expectation.of("By what date must the plan be agreed?").met_by("By February 2022, agree a plan.", set(), "")


def test_how_many_people_counts_what_was_done_to_them():
    assert counted_words("How many people were charged after the days of action?") == {"charg"}
    expectation = Expectation.of("How many people were charged after the days of action?")
    assert not expectation.met_by("The days of action led to 42 arrests and 3 force actions.", set(), "")
    assert expectation.met_by("Eleven people were charged after the days of action.", set(), "")
    # only what was done to them: "has the unit arrested" may count arrests or the people arrested
    assert counted_words("How many people has the unit arrested?") == frozenset()


def test_how_much_funding_is_not_answered_by_another_kind_of_sum():
    expectation = Expectation.of("How much funding does the unit receive each year?")
    assert not expectation.met_by("The team seized over £300,000 in criminal assets.", set(), "")
    assert expectation.met_by("The unit is funded through a £4.6m grant.", set(), "")
    # the kind is judged by whole words' beginnings: "suspended" is no spending
    spend = Expectation.of("How much does the force spend on the unit?")
    assert not spend.met_by("An officer was suspended over a £5,000 fraud.", set(), "")
    assert spend.met_by("The force spends £5,000 a year on the unit.", set(), "")
    # "how much money" takes any sum
    assert Expectation.of("How much money did the team seize?").met_by("It seized £300,000.", set(), "")


def test_a_sentence_about_another_team_or_operation_does_not_answer():
    expectation = Expectation.of("How much money has the unit's courier fraud team seized?")
    other_team = "The Western Balkan team was formed in 2020. This team has seized over £300,000."
    assert not expectation.met_by(other_team, set(), "")
    assert expectation.met_by("The courier fraud team has seized £120,000 from suspects.", set(), "")
    assert expectation.met_by("The unit has seized £120,000 from courier fraudsters.", set(), "")  # no team named
    resolve = Expectation.of("What did Operation Resolve achieve in November?")
    assert not resolve.met_by("Operation Eastwood led to 50 referrals in November.", set(), "")
    assert resolve.met_by("Across 16 days, Operation Resolve led to 42 arrests.", set(), "")
    # generic words ("the new regional team") name no team in particular
    assert Expectation.of("What has the new regional team done?").groups == ()
    assert Expectation.of("How did the operation perform?").groups == ()  # "Operation" names one only capitalised
    # nor does a word relating teams to each other: "working across teams" is about no other team
    assert expectation.met_by("The unit has seized £120,000 by working across teams.", set(), "")
    assert expectation.met_by("The unit has seized £120,000 with officers from all three teams.", set(), "")


def test_single_words_joined_by_and_are_areas_each_and_a_longer_phrase_is_one():
    both = Expectation.of("What grades did the force get in 2017 for efficiency and legitimacy?")
    assert both.area == ({"effici"}, {"legitimaci"})
    assert both.met_by("The extent to which the force is efficient at keeping people safe is good.", set(), "2017")
    assert both.met_by("The force's legitimacy is good.", set(), "2017")
    assert not both.met_by("The extent to which the force is effective at keeping people safe is good.", set(), "2017")
    # a piece too little to judge by keeps the phrase whole, as do capitalised words
    assert Expectation.of("What grade did it get for SOC and efficiency?").area == ({"soc", "effici"},)
    assert Expectation.of("What grade did it get for Efficiency and Legitimacy?").area == ({"effici", "legitimaci"},)
    soc = Expectation.of("What grade did Durham get for serious and organised crime?")
    assert len(soc.area) == 1
    assert not soc.met_by("Durham is good at tackling serious violence.", set(), "")


def test_an_area_named_before_the_word_grade_must_be_graded():
    expectation = Expectation.of("What efficiency grade did HMIC give the force in 2014?")
    assert expectation.met_by("The force is good at being efficient in its use of resources in 2014.", set(), "2014")
    assert not expectation.met_by("The force is outstanding at keeping people safe in 2014.", set(), "2014")
    # an acronym alone names no area to judge by
    assert not Expectation.of("What SOC grade did the unit get?").area


def test_who_is_the_role_asks_for_a_person():
    assert Expectation.of("Who is the West Mercia Police and Crime Commissioner who presented the report?").person
    assert Expectation.of("Who was its temporary head?").person
    assert not Expectation.of("Who is responsible for vetting?").person


def test_the_name_of_a_role_holders_thing_is_not_a_persons_name():
    assert Expectation.of("What is the name of the commissioner?").person
    assert not Expectation.of("What is the name of the commissioner's plan for tackling abuse?").person


def test_which_organisations_or_officers_cue_a_role_or_body_in_the_plural_too():
    from scrutiny.app.answering.answer_types import cued_types

    for question in ("Which organisation inspected the custody suites?", "Which organisations inspected them?",
                     "Which officers spoke at the panel?", "Which bodies took part?"):
        assert "role" in {t.name for t in cued_types(question)}, question
    assert "role" not in {t.name for t in cued_types("Which areas were graded good?")}

