"""What a draft quotes under a finding: general properties on synthetic findings, no report's wording."""

from __future__ import annotations

from scrutiny.app.drafting.evidence import finding_evidence, sentence_weight, strongest_sentence
from scrutiny.ingest.findings import Finding
from scrutiny.ingest.records import Block


def finding(*blocks: Block) -> Finding:
    return Finding(kind="area_for_improvement", subject="Kent Police", text="The force should do better",
                   page=1, quote="The force should do better", evidence=tuple(blocks))


def para(text: str, page: int = 1) -> Block:
    return Block(page, text, "paragraph")


def item(text: str, page: int = 1) -> Block:
    return Block(page, text, "list_item")


def test_figures_and_shortfalls_weigh_more_than_neutral_context():
    assert sentence_weight("Tackling fraud should involve identifying the assets of criminals.") == 0
    assert sentence_weight("The unit has a backlog of over 4,000 cases built up over several years.") >= 3
    assert sentence_weight("The team doesn't have enough staff to meet demand.") >= 1
    # a year, a 4P-style name or a year range is not a figure
    assert sentence_weight("In 2019 the force adopted the 4P approach for 2023/24 planning.") == 0
    assert sentence_weight("Satisfaction rose by 12 percent over the year.") >= 2


def test_the_damning_sentences_are_chosen_over_the_opening_ones_and_kept_in_reading_order():
    evidence = finding(
        para("Tackling fraud should involve identifying the assets of criminals. Doing this well requires trained "
             "investigators and analysts."),
        para("The force doesn't have enough trained investigators to meet demand. Investigators are dealing with "
             "large caseloads. The force reported a backlog of over 4,000 referrals built up over several years. "
             "They do review some referrals in line with national guidance."),
    )
    chosen = [q.text for q in finding_evidence(evidence, 2)]
    assert chosen == ["The force doesn't have enough trained investigators to meet demand.",
                      "The force reported a backlog of over 4,000 referrals built up over several years."]


def test_each_sub_item_of_a_listed_finding_is_covered():
    evidence = finding(
        para("We were concerned to find that three teams were struggling with workloads:"),
        item("The online team wasn't able to cope with the volume of referrals. It has since written a plan."),
        item("The intelligence desk looks at priority reports as the guidance asks. However, due to a lack of "
             "capacity, it doesn't routinely screen other reports."),
        item("The authorities bureau was overwhelmed with work. We concluded that it is notably understaffed."),
        para("Elsewhere the force has 40 analysts, which is 10 more than last year."),
    )
    chosen = [q.text for q in finding_evidence(evidence, 1)]
    assert chosen[0].startswith("We were concerned")
    assert "The online team wasn't able to cope with the volume of referrals." in chosen
    assert any("doesn't routinely screen" in text for text in chosen)
    assert "We concluded that it is notably understaffed." in chosen
    assert "The intelligence desk looks at priority reports as the guidance asks." not in chosen  # neutral


def test_a_finding_with_no_marked_sentence_keeps_its_first_whole_sentence_and_skips_quotations():
    evidence = finding(
        para("In our last inspection we recommended that:"),
        para("“By May 2020, forces should publish their plans and the numbers behind them.”"),
        para("The force has set up a board to oversee its plan for the coming years."),
    )
    assert [q.text for q in finding_evidence(evidence, 3)] == [
        "The force has set up a board to oversee its plan for the coming years."]
    assert finding_evidence(evidence, 0) == []


def test_a_statement_is_supported_only_by_a_figure_or_a_real_shortfall():
    weak = finding(para("We have some concerns with how the plans are kept up to date by their owners."))
    assert strongest_sentence(weak) is None
    strong = finding(para("Plans are reviewed monthly by leaders."),
                     para("This creates an unacceptable risk that officers could be identified by criminals."))
    support = strongest_sentence(strong)
    assert support is not None and support.text.startswith("This creates an unacceptable risk")
