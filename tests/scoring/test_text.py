import pytest

from scoring.text import content_weights, normalize_text, split_sentences, stem, truncate_words, words


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\r\nb", "a\nb"),
        ("zero\u200bwidth", "zerowidth"),
        ("bell\x07 char", "bell char"),
        ("rtl \u202eoverride", "rtl override"),
        ("  padded  ", "padded"),
        ("one\n\n\n\ntwo", "one\n\ntwo"),
        ("e\u0301", "\u00e9"),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


def test_split_sentences_handles_bullets_and_paragraphs():
    text = "First point. Second one!\n\n- a bullet item\n2) numbered item\nDone? Yes."
    assert split_sentences(text) == ["First point.", "Second one!", "a bullet item", "numbered item", "Done?", "Yes."]


def test_truncate_keeps_the_first_words_and_says_so():
    text = " ".join(f"w{i}" for i in range(6000))
    cut = truncate_words(text)
    assert cut.truncated and cut.original_words == 6000
    assert len(words(cut.text)) == 5000
    assert truncate_words("short text").truncated is False


def test_content_weights_share_stems_and_count_rare_words_more():
    stop = {"the", "is", "a"}
    assert set(content_weights("the water evaporated", stop)) == set(content_weights("The water evaporates", stop))
    assert stem("Separated") == stem("separate") == stem("separating")
    weights = content_weights("the salt is left when water evaporates", stop)
    assert weights[stem("evaporates")] > weights[stem("water")]
    assert "the" not in weights and content_weights("", stop) == {}
