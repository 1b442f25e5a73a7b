from negaudit.segmenting import split_units


def texts(t):
    return [u.text for u in split_units(t)]


def test_sentences_with_abbreviations_and_initials():
    assert texts("Dr. Holloway met J. K. Rowling in St. Ives. They talked.") == [
        "Dr. Holloway met J. K. Rowling in St. Ives.", "They talked."]


def test_paragraphs_headers_and_lists_are_boundaries():
    t = "NOTICE: the events below never happened\n\n# Title\n- first item\n- second item"
    assert texts(t) == ["NOTICE: the events below never happened", "# Title", "- first item", "- second item"]


def test_offsets_point_into_the_text():
    t = "  First one.  Second one!\n\nThird?"
    for u in split_units(t):
        assert t[u.start:u.end] == u.text


def test_footnote_marker_stays_with_its_sentence():
    assert texts("He won the gold.[1] The crowd cheered.") == ["He won the gold.[1]", "The crowd cheered."]
