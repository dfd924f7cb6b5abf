"""digest.core.attribution (datelines, attributed summaries) and digest.core.cluster."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import digest_tools
from digest.core import text as text_module
from digest.core.attribution import attribute, strip_dateline, summarize
from digest.core.cluster import cluster
from digest.core.feeds import parse_feed
from digest.core.identity import canonical_url
from digest.core.story import Source, Story
from digest.core.text import sentences, word_count

PROPS = settings(max_examples=200, deadline=None)
T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
SAMPLES = Path(digest_tools.__file__).resolve().parent / "samples"

# feedparser warns about its own updated/published fallback on every parse; it is not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:To avoid breaking existing software:DeprecationWarning")

AGENCIES = {
    "ap": ("Associated Press", "the Associated Press"),
    "afp": ("Agence France-Presse", "Agence France-Presse"),
    "reuters": ("Reuters", "Reuters"),
}


def story(sid: str, title: str, body: str, source: str = "ap", minutes: int = 0, url: str = "") -> Story:
    agency, attribution = AGENCIES[source]
    return Story(
        sid,
        source,
        agency,
        attribution,
        sid,
        title,
        body,
        url or f"https://{source}.example/{sid}",
        T0 + timedelta(minutes=minutes),
        f"h-{sid}",
    )


# --- strip_dateline -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "GENEVA (AP) \u2014 Talks resumed on Friday.",
        "Geneva (AFP) - Talks resumed on Friday.",
        "LONDON, Nov 27 (Reuters) - Talks resumed on Friday.",
        "LONDON, Nov. 27 (Reuters) - Talks resumed on Friday.",
        "WASHINGTON (AP) -- Talks resumed on Friday.",
        "RIO DE JANEIRO (AP) \u2014 Talks resumed on Friday.",
        "PORT-AU-PRINCE, Haiti (AP) \u2014 Talks resumed on Friday.",
        "KYIV, Ukraine (AP) \u2013 Talks resumed on Friday.",
        "Saint-Denis (AFP) - Talks resumed on Friday.",
    ],
)
def test_strip_dateline_removes_wire_datelines(text):
    assert strip_dateline(text) == "Talks resumed on Friday."


@pytest.mark.parametrize(
    "text",
    [
        "Talks resumed on Friday.",
        "The (old) city - a story",  # parenthesis holds a single short word: not an agency
        "GENEVA \u2014 Talks resumed without an agency tag.",
        "",
    ],
)
def test_strip_dateline_leaves_other_text_alone(text):
    assert strip_dateline(text) == text


def test_strip_dateline_only_removes_the_first_dateline():
    text = "GENEVA (AP) \u2014 Talks resumed.\nPARIS (AP) \u2014 Also here."
    assert strip_dateline(text) == "Talks resumed.\nPARIS (AP) \u2014 Also here."


def test_strip_dateline_keeps_a_lede_with_an_acronym_in_parentheses():
    text = "The World Health Organization (WHO) \u2014 the U.N. health agency \u2014 warned on Friday."
    assert strip_dateline(text) == text


# --- attribute / summarize ----------------------------------------------------------------


def test_attribute_examples():
    assert attribute("Talks resumed on Friday.", "the Associated Press") == (
        "Talks resumed on Friday, the Associated Press reported."
    )
    assert attribute("Talks resumed", "Reuters", "said") == "Talks resumed, Reuters said."
    assert attribute("He waited...", "Reuters") == "He waited..., Reuters reported."


def test_summarize_example():
    s = story("1", "T", "PARIS (AP) \u2014 Rain fell. Streets flooded.")
    assert summarize(s) == "Rain fell, the Associated Press reported. Streets flooded."


def test_summarize_keeps_a_long_first_sentence_whole():
    first = "Officials " + " ".join(["said"] * 40) + " today."
    s = story("1", "T", f"GENEVA (AP) \u2014 {first} Second sentence here.")
    out = summarize(s, max_words=10)
    assert out == attribute(first, "the Associated Press")


def test_summarize_stops_at_the_first_sentence_that_does_not_fit():
    # The third sentence would fit on its own, but summaries are a leading run of the story.
    s = story("1", "T", "One two three. Four five six seven eight nine ten eleven. Twelve.")
    assert summarize(s, max_words=6) == "One two three, the Associated Press reported."


def test_summarize_without_body_sentences_falls_back_to_the_title():
    s = story("1", "Quake hits Lima", "LIMA (AP) \u2014 ")
    assert summarize(s) == "Quake hits Lima, the Associated Press reported."


# Words that spell part of an agency's name would make the attribution appear twice by chance.
_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=9).filter(
    lambda w: w not in {"reuters", "associated", "press", "agence", "france", "presse"}
)
_sentence = st.builds(
    lambda first, rest, end: " ".join([first.capitalize(), *rest]) + end,
    _word,
    st.lists(_word, min_size=1, max_size=14),
    st.sampled_from([".", ".", ".", "!", "?"]),
)
_dateline = st.sampled_from(["", "GENEVA (AP) \u2014 ", "Geneva (AFP) - ", "LONDON, Nov 27 (Reuters) - "])


def _split_summary(summary: str, attribution: str) -> list[str]:
    """Sentences of a summary with the attribution taken off the first one."""
    parts = sentences(summary)
    suffix = f", {attribution} reported."
    assert parts[0].endswith(suffix), parts[0]
    parts[0] = parts[0][: -len(suffix)]
    return parts


@PROPS
@given(
    st.lists(_sentence, min_size=1, max_size=12, unique=True),
    _dateline,
    st.sampled_from(sorted(AGENCIES)),
    st.integers(min_value=1, max_value=80),
    st.booleans(),
)
def test_summarize_properties(body_sentences, dateline, source, max_words, paragraphs):
    body = dateline + ("\n" if paragraphs else " ").join(body_sentences)
    s = story("s1", "Headline", body, source)
    attribution = s.attribution
    out = summarize(s, max_words=max_words)

    # The agency is named exactly once, in the first sentence.
    assert out.count(attribution) == 1
    parts = _split_summary(out, attribution)

    # Every sentence comes from the body, in order, as a leading run; none repeats.
    assert len(parts) == len(set(parts))
    for i, part in enumerate(parts):
        original = body_sentences[i]
        assert part == (original[:-1] if i == 0 and original.endswith(".") else original)
        assert part in body

    # Within the word budget, except a first sentence that alone exceeds it.
    unattributed = " ".join(body_sentences[: len(parts)])
    assert len(parts) == 1 or word_count(unattributed) <= max_words
    # And greedy: the next sentence would not have fitted.
    if len(parts) < len(body_sentences):
        assert word_count(" ".join(body_sentences[: len(parts) + 1])) > max_words


def test_summarize_never_repeats_a_sentence():
    s = story("1", "T", "GENEVA (AP) \u2014 Heavy rain fell on Geneva.\nHeavy rain fell on Geneva. Streets flooded.")
    parts = _split_summary(summarize(s), s.attribution)
    normalized = [p.rstrip(".") for p in parts]
    assert len(normalized) == len(set(normalized)), parts


def _sentences_one_piece_at_a_time(text: str) -> list[str]:
    """The sentence splitter written plainly: cut at every match, strip, join abbreviations."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        paragraph, pieces, start = paragraph.strip(), [], 0
        for end in text_module._SENTENCE_END.finditer(paragraph):
            pieces.append(paragraph[start : end.start(1)])
            start = end.end(1)
        merged: list[str] = []
        for piece in [*pieces, paragraph[start:]]:
            if merged and merged[-1].endswith(text_module._ABBREVIATIONS):
                merged[-1] = f"{merged[-1]} {piece}"
            elif piece.strip():
                merged.append(piece.strip())
        out.extend(merged)
    return out


_PIECES = ["Mr.", "U.S.", "No.", " ", "  ", "\t", "\n", "\u00a0", "\u2003", ". ", "! ", "? ", '"', "\u201c", ")"]
_PIECES += ["(", "A", "b", "7", "x.", "Lee", "said", "'", "\u2019", ".\n", " \n "]


@PROPS
@given(st.lists(st.sampled_from(_PIECES), max_size=30))
def test_sentences_split_as_the_plain_splitter_does(parts):
    text = "".join(parts)
    assert sentences(text) == _sentences_one_piece_at_a_time(text)


# --- cluster ------------------------------------------------------------------------------


def test_same_event_from_different_agencies_groups_together():
    stories = [
        story(
            "ap-1",
            "Strong earthquake strikes Lima, Peru",
            "LIMA, Peru (AP) \u2014 A strong earthquake struck Lima on Friday, killing six people. More.",
            "ap",
            0,
        ),
        story(
            "afp-1",
            "Strong earthquake hits Peru capital Lima",
            "Lima (AFP) - A strong earthquake struck the Peruvian capital Lima on Friday, killing six. More.",
            "afp",
            5,
        ),
        story(
            "reu-1",
            "Swiss central bank cuts rates below zero",
            "ZURICH, Nov 27 (Reuters) - The Swiss National Bank cut rates below zero on Friday. More.",
            "reuters",
            2,
        ),
        story(
            "ap-2",
            "Swiss National Bank cuts rates below zero",
            "ZURICH (AP) \u2014 Switzerland's central bank cut rates below zero on Friday. More.",
            "ap",
            9,
        ),
        story(
            "afp-2", "France names new rugby captain", "Paris (AFP) - France named a new rugby captain. More.", "afp", 3
        ),
    ]
    groups = sorted(sorted(s.story_id for s in c.stories) for c in cluster(stories))
    assert groups == [["afp-1", "ap-1"], ["afp-2"], ["ap-2", "reu-1"]]


def test_cluster_lead_is_the_oldest_story_and_agencies_are_listed_once():
    stories = [
        story("b", "Strong earthquake strikes Lima Peru", "A strong earthquake struck Lima Peru. X.", "afp", 30),
        story("a", "Strong earthquake strikes Lima Peru", "A strong earthquake struck Lima Peru. Y.", "ap", 10),
        story("c", "Strong earthquake strikes Lima Peru again", "A strong earthquake struck Lima Peru. Z.", "ap", 50),
    ]
    [c] = cluster(stories)
    assert c.lead.story_id == "a"
    assert [s.story_id for s in c.stories] == ["a", "b", "c"]
    assert c.agencies == ["Associated Press", "Agence France-Presse"]
    assert c.cluster_id == "a"


def test_unrelated_stories_stay_apart():
    titles = [
        ("Strong earthquake strikes Lima", "A strong earthquake struck Lima on Friday."),
        ("Swiss central bank cuts rates", "The Swiss National Bank cut interest rates."),
        ("France names new rugby captain", "France named a new rugby captain for the tour."),
        ("Blizzard shuts Midwest highways", "A blizzard closed highways across the Midwest."),
        ("Jazz recordings found in New Orleans", "Lost jazz recordings were found in New Orleans."),
    ]
    stories = [story(f"s{i}", t, b, "ap", i) for i, (t, b) in enumerate(titles)]
    assert [len(c.stories) for c in cluster(stories)] == [1] * len(titles)


def test_story_with_only_stop_words_is_alone():
    stories = [story("a", "The and of", "It is."), story("b", "The and of", "It is.", minutes=1)]
    assert [len(c.stories) for c in cluster(stories)] == [1, 1]


def test_cluster_of_nothing_is_empty():
    assert cluster([]) == []


def test_later_paragraphs_do_not_change_clustering():
    lede_ap = "LIMA, Peru (AP) \u2014 A strong earthquake struck Lima on Friday, killing six people."
    second = (
        "\nRescue teams searched collapsed adobe homes in the old town overnight while engineers "
        "inspected bridges, hospitals and roads across three southern provinces. Schools will stay closed."
    )
    afp = story(
        "afp-1",
        "Strong earthquake hits Peru capital Lima",
        "Lima (AFP) - A strong earthquake struck the Peruvian capital Lima on Friday, killing six.",
        "afp",
        1,
    )
    short = cluster([story("ap-1", "Strong earthquake strikes Lima, Peru", lede_ap, "ap"), afp])
    long = cluster([story("ap-1", "Strong earthquake strikes Lima, Peru", lede_ap + second, "ap"), afp])
    assert [len(c.stories) for c in short] == [2]
    assert [len(c.stories) for c in long] == [2]


_topic_words = st.sampled_from(
    "quake lima peru bank rates franc swiss rugby captain storm snow jazz treaty plastic".split()
)
_stories = st.lists(
    st.tuples(
        st.lists(_topic_words, min_size=1, max_size=6),
        st.sampled_from(sorted(AGENCIES)),
        st.integers(min_value=0, max_value=600),
    ),
    max_size=12,
)


def _build(specs) -> list[Story]:
    return [
        story(f"id{i:03d}", " ".join(words).capitalize(), " ".join(words) + ". More text.", src, minutes)
        for i, (words, src, minutes) in enumerate(specs)
    ]


@PROPS
@given(_stories, st.floats(min_value=0.05, max_value=1.0))
def test_every_story_is_in_exactly_one_cluster(specs, threshold):
    stories = _build(specs)
    clusters = cluster(stories, threshold)
    ids = [s.story_id for c in clusters for s in c.stories]
    assert sorted(ids) == sorted(s.story_id for s in stories)
    for c in clusters:
        assert c.stories
        assert c.lead.published == min(s.published for s in c.stories)
        assert c.cluster_id == min(s.story_id for s in c.stories)


@PROPS
@given(_stories, st.randoms(use_true_random=False))
def test_clustering_does_not_depend_on_input_order(specs, rnd):
    stories = _build(specs)
    shuffled = list(stories)
    rnd.shuffle(shuffled)

    def partition(cs):
        return sorted(sorted(s.story_id for s in c.stories) for c in cs)

    assert partition(cluster(shuffled)) == partition(cluster(stories))


@PROPS
@given(_stories)
def test_near_duplicates_only_with_an_impossible_threshold_never_merges(specs):
    stories = _build(specs)
    assert all(len(c.stories) == 1 for c in cluster(stories, threshold=1.01, related=None))


def test_identical_reports_are_near_duplicates_even_without_event_links():
    a = story("ap-1", "Strong earthquake strikes Lima, Peru", "A strong earthquake struck Lima on Friday. Six died.")
    b = story(
        "ap-2",
        "Strong earthquake strikes Lima, Peru",
        "A strong earthquake struck Lima on Friday. Six died.",
        minutes=20,
    )
    assert [len(c.stories) for c in cluster([a, b], related=None)] == [2]


def test_stories_far_apart_in_time_are_not_linked():
    a = story("ap-1", "Strong earthquake strikes Lima, Peru", "A strong earthquake struck Lima on Friday. Six died.")
    b = story(
        "ap-2",
        "Strong earthquake strikes Lima, Peru",
        "A strong earthquake struck Lima on Friday. Six died.",
        minutes=48 * 60,
    )
    assert [len(c.stories) for c in cluster([a, b])] == [1, 1]
    assert [len(c.stories) for c in cluster([a, b], window=timedelta(hours=72))] == [2]


# --- the sample news day, against hand labels ---------------------------------------------

SAMPLE_SOURCES = {
    "ap.xml": Source("ap", *AGENCIES["ap"], "https://wire.news.example.org/ap/top-news.xml"),
    "afp.xml": Source("afp", *AGENCIES["afp"], "https://wire.news.example.org/afp/world.atom"),
    "reuters.xml": Source("reuters", *AGENCIES["reuters"], "https://wire.news.example.org/reuters/world.xml"),
}


def _label_groups(data) -> list[list[str]]:
    if isinstance(data, dict):
        for key in ("events", "clusters"):
            if key in data:
                return _label_groups(data[key])
        values = list(data.values())
        if values and all(isinstance(v, list) for v in values):
            return values
        if values and all(isinstance(v, str) for v in values):  # {story: label}
            groups: dict[str, list[str]] = {}
            for sid, label in data.items():
                groups.setdefault(label, []).append(sid)
            return list(groups.values())
    if isinstance(data, list) and all(isinstance(g, list) for g in data):
        return data
    pytest.skip("samples/clusters.json has a layout this test does not know")


@pytest.fixture(scope="module")
def sample_day():
    paths = [SAMPLES / "feeds" / name for name in SAMPLE_SOURCES] + [SAMPLES / "clusters.json"]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        pytest.skip(f"sample feeds or labels missing: {missing}")
    now = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    stories = [
        s
        for name, src in SAMPLE_SOURCES.items()
        for s in parse_feed((SAMPLES / "feeds" / name).read_bytes(), src, now).stories
    ]
    label_of: dict[str, int] = {}
    for n, group in enumerate(_label_groups(json.loads((SAMPLES / "clusters.json").read_text("utf-8")))):
        for key in group:
            label_of[key] = n
            if key.startswith("http"):
                label_of[canonical_url(key)] = n

    def label(s: Story) -> int | None:
        for key in (s.guid, s.story_id, s.url, canonical_url(s.url) if s.url.startswith("http") else None):
            if key is not None and key in label_of:
                return label_of[key]
        return None

    labelled = [(s, label(s)) for s in stories]
    unlabelled = [s.guid for s, lab in labelled if lab is None]
    assert not unlabelled, f"stories without a label in clusters.json: {unlabelled}"
    predicted = {s.story_id: n for n, c in enumerate(cluster(stories)) for s in c.stories}
    tp = fp = fn = 0
    for (a, la), (b, lb) in itertools.combinations(labelled, 2):
        same_truth, same_pred = la == lb, predicted[a.story_id] == predicted[b.story_id]
        tp += same_truth and same_pred
        fp += same_pred and not same_truth
        fn += same_truth and not same_pred
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(
        f"\nsample clustering: {len(stories)} stories, {len(set(predicted.values()))} clusters, "
        f"pairs tp={tp} fp={fp} fn={fn}, precision={precision:.2f} recall={recall:.2f}"
    )
    return precision, recall, len(stories)


def test_sample_day_is_big_enough_to_measure(sample_day):
    assert sample_day[2] >= 10


def test_sample_clustering_precision(sample_day):
    precision, recall, _ = sample_day
    print(f"precision={precision:.2f} recall={recall:.2f}")
    assert precision >= 0.5


def test_sample_clustering_recall(sample_day):
    precision, recall, _ = sample_day
    print(f"precision={precision:.2f} recall={recall:.2f}")
    assert recall >= 0.5
