"""spaCy analysis of answers: addressing the therapist, reflecting feelings, long answers."""

import pytest

from bring_it_up import language


@pytest.mark.parametrize("text, expected", [
    ("she looked at the clock while i was talking", "You looked at the clock while I was talking."),
    ("My therapist says I am dramatic", "You say I am dramatic."),
    ("he doesn't listen and she's always late", "You don't listen and you're always late."),
    ("my therapist's phone kept buzzing and she checked it", "Your phone kept buzzing and you checked it."),
    ("my counselor was late again", "You were late again."),
    ("she's been late three times", "You've been late three times."),
    ("she's always late", "You're always late."),
])
def test_the_draft_speaks_to_the_therapist(text, expected):
    assert language.analyse(text).text == expected


def test_other_people_keep_their_pronouns():
    text = language.analyse("my mom said she hated me and my therapist laughed").text
    assert text == "My mom said she hated me and you laughed."


def test_the_clinics_own_term_is_recognised():
    assert language.analyse("my coach laughed", ["coach"]).text == "You laughed."


@pytest.mark.parametrize("text, form", [
    ("hurt", "fragment"), ("really hurt and kind of embarrassed", "fragment"),
    ("like she didn't care", "fragment"), ("I felt really small", "clause"),
    ("an apology", "fragment"), ("her to understand", "fragment"),
    ("she laughed at me", "clause"),
])
def test_sentences_and_fragments(text, form):
    assert language.analyse(text).form == form


@pytest.mark.parametrize("text, summary", [
    ("i felt really hurt and kind of dismissed", "hurt and dismissed"),
    ("bored and unimportant", "bored and unimportant"),
    ("it made me feel hurt, then later on I was angry and kind of dismissed", "hurt, angry and dismissed"),
    ("um, I don't know. bad I guess", "bad"),
    ("stupid", "stupid"),
    ("like I didn’t matter", "like you didn't matter"),
    ("embarrassed, then angry, now just sad", "embarrassed, angry and sad"),
    ("ok fine. i felt like i didnt matter", "like you didn't matter"),
    ("yeah, invisible", "invisible"),
    ("fine", "fine"),
    ("fine but a bit ignored", "fine but a bit ignored"),
])
def test_feelings_are_reflected_in_the_clients_words(text, summary):
    assert language.feeling_summary(text) == summary


def test_a_long_answer_is_sorted_into_its_parts():
    parts = language.split_answer(
        "Last week she looked at her phone while I was talking about my divorce. "
        "I felt really small and embarrassed. Since then I've been holding back, "
        "and I'm scared she'll think I'm needy if I say something."
    )
    assert "phone" in parts["what_happened"]
    assert "embarrassed" in parts["feeling"]
    assert "holding back" in parts.get("impact", "") + parts.get("fear", "")
    assert "needy" in parts.get("fear", "") + parts.get("impact", "")


@pytest.mark.parametrize("text, kind", [
    ("she raised the fee without asking", "logistics"),
    ("he misgendered me twice", "identity"),
    ("she said I was being dramatic", "interpretation"),
    ("he smirked and rolled his eyes", "behaviour"),
    ("we talked", None),
])
def test_the_kind_of_rupture_is_inferred(text, kind):
    assert language.infer_rupture_kind(text) == kind


@pytest.mark.parametrize("text, usable", [
    ("ok", False), ("asdf", False), ("   ", False), ("<b></b>", False),
    ("stupid", True), ("she laughed", True),
])
def test_unusable_answers(text, usable):
    assert language.is_usable(text) is usable


@pytest.mark.parametrize("text, expected", [
    ("i dont know. bad i guess", "bad"),
    ("um, honestly she laughed", "You laughed."),
    ("idk", "idk"),
    ("to talk it through i guess", "to talk it through"),
    ("that we talk about it, i think.", "We talk about it."),
    ("you never ask what i think", "You never ask what I think."),
    ("an apology i think", "an apology"),
    ("it matters to me how i think", "It matters to me how I think."),
    ("i guess", "I guess."),  # nothing else: kept as said
])
def test_filler_around_the_answer_is_left_out_of_the_draft(text, expected):
    assert language.analyse(text).text == expected


@pytest.mark.parametrize("text, they_is_therapist, expected", [
    ("that theyll think im being dramatic", True, "You'll think I'm being dramatic."),
    ("i almost didnt go back", False, "I almost didn't go back."),
    ("that my culture was brushed aside", False, "My culture was brushed aside."),
    ("they laughed at me", False, "They laughed at me."),
    ("I want them to listen", True, "I want you to listen."),
    ("my friends think they're overreacting", True, "My friends think they're overreacting."),
])
def test_answers_about_the_therapist_read_as_said_to_them(text, they_is_therapist, expected):
    assert language.analyse(text, they_is_therapist=they_is_therapist).text == expected


@pytest.mark.parametrize("answer, said_back", [
    ("Kinda stupid?", "kind of stupid"),
    ("honestly I don't know. Kinda stupid?", "kind of stupid"),
    ("Embarrassed!", "embarrassed"),
    ("Like a kid", "like a kid"),
    ("ugh fine. dismissed", "dismissed"),
    ("meh, small", "small"),
])
def test_the_feeling_said_back_reads_as_part_of_the_sentence(answer, said_back):
    from bring_it_up.language import feeling_summary

    assert feeling_summary(answer) == said_back


@pytest.mark.parametrize("text, addressed", [
    ("I've stopped telling her stuff", "I've stopped telling you stuff"),
    ("I showed her my drawing", "I showed you my drawing"),
    ("she looked at her phone", "you looked at your phone"),
    ("I paid her fee late", "I paid your fee late"),
])
def test_her_after_a_verb_of_telling_is_the_person_told(text, addressed):
    from bring_it_up.language import to_second_person

    assert to_second_person(text) == addressed


@pytest.mark.parametrize("hope, sentence", [
    ("just to be heard", "I'd like to just be heard."),
    ("to be heard", "I'd like to be heard."),
    ("just an apology", "I'd like just an apology."),
    ("I just want her to listen", "I just want you to listen."),
])
def test_a_hope_reads_as_the_client_would_say_it(hope, sentence):
    from bring_it_up.drafting import compose
    from bring_it_up.realise import draft_parts

    draft = compose(draft_parts({"what_happened": "she forgot what I told her", "hope": hope}),
                    tone="direct")
    assert draft["sections"]["hope"] == sentence, draft["text"]


@pytest.mark.parametrize("said, word", [
    ("more like dismissed", "dismissed"),
    ("it was more like ignored", "ignored"),
    ("actually, closer to embarrassed", "embarrassed"),
    ("more angry than sad", "more angry than sad"),
    ("more like", "more like"),
])
def test_a_better_word_for_the_feeling_is_the_word(said, word):
    assert language.strip_correction(said) == word


@pytest.mark.parametrize("answer, said_back", [
    ("deleted. like i wasnt there", "deleted, like you weren't there"),
    ("hurt. she didnt even notice", "hurt, and she didn't even notice"),
    ("like I didn't matter", "like you didn't matter"),
    ("small", "small"),
])
def test_a_feeling_said_back_is_one_clause_after_it_sounds_like_you_felt(answer, said_back):
    """Found talking to it: "It sounds like you felt deleted. like you weren't there." """
    from bring_it_up.language import feeling_summary

    assert feeling_summary(answer) == said_back


@pytest.mark.parametrize(("sentence", "elsewhere"), [
    ("my manager, she's lovely but she keeps offering me lunch in meetings", True),
    ("my boss invited me to her house and said not to tell anyone", True),
    ("she invited me to her house and said not to tell anyone", False),
    ("my mom found out my therapist told her what I said", False),
    ("my therapist keeps offering me lifts home", False),
])
def test_misconduct_needs_the_therapist_not_another_person(sentence, elsewhere):
    assert language.about_someone_else(sentence) is elsewhere
