"""Tests for mock_gateway.media.prompts: which scene a prompt asks for, checked field by field."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_gateway.media.prompts import (
    COLOURS,
    SEASONS,
    SETTINGS,
    SUBJECT_HOMES,
    SUBJECT_WORDS,
    SUBJECTS,
    TIMES_OF_DAY,
    WEATHERS,
    ScenePlan,
    plan_scene,
    words,
)
from mock_gateway.media.scenes import SUBJECT_DRAWINGS

# prompt -> the plan fields it must produce (fields not listed are free)
CASES: dict[str, dict[str, str]] = {
    "A lighthouse at dusk": {"subject": "lighthouse", "time_of_day": "dusk", "setting": "sea"},
    "a city skyline at night with neon lights": {
        "subject": "skyline",
        "time_of_day": "night",
        "setting": "city",
    },
    "a red fox in deep snow": {
        "subject": "fox",
        "subject_colour": "red",
        "season": "winter",
        "setting": "snowfield",
    },
    "a sailboat on a calm lake at sunrise": {
        "subject": "sailboat",
        "setting": "lake",
        "time_of_day": "dawn",
    },
    "a castle on a hill under a stormy sky": {
        "subject": "castle",
        "setting": "hills",
        "weather": "storm",
    },
    "a cat sleeping in a sunny garden": {
        "subject": "cat",
        "setting": "garden",
        "weather": "clear",
        "time_of_day": "day",
    },
    "a hot-air balloon over autumn hills": {
        "subject": "balloon",
        "season": "autumn",
        "setting": "hills",
    },
    "a robot in a desert at noon": {"subject": "robot", "setting": "desert", "time_of_day": "day"},
    "a cottage in a foggy forest": {"subject": "house", "weather": "fog", "setting": "forest"},
    "a whale in the ocean at sunset": {
        "subject": "whale",
        "setting": "sea",
        "time_of_day": "sunset",
    },
    "a steam train crossing a bridge in spring": {
        "subject": "train",
        "companion": "bridge",
        "season": "spring",
    },
    "a rocket launching into a starry night sky": {
        "subject": "rocket",
        "time_of_day": "night",
        "weather": "clear",
    },
    "Kittens playing in the RAIN": {"subject": "cat", "weather": "rain"},
    "A PUPPY on the beach at golden hour": {
        "subject": "dog",
        "setting": "sea",
        "time_of_day": "sunset",
    },
    "skyscrapers at twilight": {"subject": "skyline", "time_of_day": "dusk", "setting": "city"},
    "two foxes under the moonlight": {"subject": "fox", "time_of_day": "night"},
    "butterflies in a meadow in summer": {
        "subject": "butterfly",
        "setting": "garden",
        "season": "summer",
    },
    "a blue car on a city street, midnight": {
        "subject": "car",
        "subject_colour": "blue",
        "setting": "city",
        "time_of_day": "night",
    },
    "misty mountains at dawn": {"weather": "fog", "setting": "mountains", "time_of_day": "dawn"},
    "a snowman during a blizzard": {"subject": "snowman", "weather": "snow", "season": "winter"},
    "an owl in the woods": {"subject": "owl", "setting": "forest", "time_of_day": "dusk"},
    "a polar bear in the arctic": {
        "subject": "bear",
        "subject_colour": "white",
        "setting": "snowfield",
        "season": "winter",
    },
    "a cup of coffee on a kitchen table": {"subject": "coffee", "setting": "indoor"},
    "a rocket in outer space": {"subject": "rocket", "setting": "space", "time_of_day": "night"},
    "a man with an umbrella": {"subject": "umbrella", "companion": ""},
    "a spaceship drifting past a nebula": {"subject": "rocket", "setting": "space"},
    "fallen leaves in an autumn park": {"season": "autumn", "setting": "garden"},
    "a swan on a pond": {"subject": "duck", "subject_colour": "white", "setting": "lake"},
    "a horse and a dog in a field": {"subject": "horse", "companion": "dog", "setting": "hills"},
    "neon signs at noon": {"time_of_day": "day", "setting": "city"},
    "a golden retriever": {"subject": "dog", "subject_colour": "gold"},
    "a bright red sports car": {"subject": "car", "subject_colour": "red"},
    "penguins on a glacier": {"subject": "penguin", "setting": "snowfield"},
    "an old windmill in the countryside at sunset": {
        "subject": "windmill",
        "setting": "hills",
        "time_of_day": "sunset",
    },
    "a green apple on a desk": {"subject": "apple", "subject_colour": "green", "setting": "indoor"},
    "a tent by a river, overcast": {"subject": "tent", "setting": "lake", "weather": "cloudy"},
    "a jack-o-lantern on halloween": {"subject": "pumpkin", "season": "autumn"},
    "a sunflower field in summer": {"subject": "sunflower", "season": "summer"},
    "a deer in the forest at dawn": {"subject": "deer", "setting": "forest", "time_of_day": "dawn"},
    "an airplane above the clouds": {"subject": "airplane", "weather": "cloudy"},
    "a ship in a storm": {"subject": "ship", "weather": "storm", "setting": "sea"},
    "a purple butterfly": {"subject": "butterfly", "subject_colour": "purple"},
    "a tall clock tower": {"subject": "tower"},
    "a cactus at high noon": {"subject": "cactus", "setting": "desert", "time_of_day": "day"},
    "a full moon over the sea": {"subject": "moon", "setting": "sea", "time_of_day": "night"},
}


@pytest.mark.parametrize("prompt", sorted(CASES))
def test_plan_follows_the_prompt(prompt: str) -> None:
    for seed in range(3):  # open fields vary with the seed; what the prompt says must not
        plan = plan_scene(prompt, random.Random(seed))
        got = {field: getattr(plan, field) for field in CASES[prompt]}
        assert got == CASES[prompt], f"seed {seed}"


def test_the_vocabulary_has_at_least_thirty_subjects_all_drawable() -> None:
    assert len(SUBJECTS) >= 30
    assert set(SUBJECTS) == set(SUBJECT_DRAWINGS)
    assert set(SUBJECTS) == set(SUBJECT_HOMES)
    assert all(set(homes) <= set(SETTINGS) for homes in SUBJECT_HOMES.values())


@pytest.mark.parametrize("subject", SUBJECTS)
def test_every_subject_and_synonym_is_recognised(subject: str) -> None:
    for word in SUBJECT_WORDS[subject]:
        plan = plan_scene(f"a {word} at noon")
        assert plan.subject == subject, word
        assert "subject" in plan.stated


@pytest.mark.parametrize(
    ("prompt", "subject"),
    [
        ("KITTEN", "cat"),
        ("a Puppy", "dog"),
        ("Skyscrapers", "skyline"),
        ("two FOXES", "fox"),
        ("three boats", "sailboat"),
        ("butterflies", "butterfly"),
        ("wild horses", "horse"),
        ("churches", "church"),
        ("a pair of swans", "duck"),
        ("hot-air balloons", "balloon"),
    ],
)
def test_synonyms_plurals_and_case(prompt: str, subject: str) -> None:
    assert plan_scene(prompt).subject == subject


def test_words_are_matched_on_word_boundaries() -> None:
    # "cat" in catalog, "car" in carpet, "night" in nightingale, "plane" in planet: none count.
    plan = plan_scene("a catalog of carpets, a nightingale, scattered planets")
    assert plan.subject not in ("cat", "car", "airplane")
    assert "subject" not in plan.stated
    assert "time_of_day" not in plan.stated
    assert plan.setting == "space"  # "planets" does mean space


def test_words_folds_plurals_into_listed_singulars() -> None:
    assert words("Foxes, BUTTERFLIES and boats!") == ["fox", "butterfly", "and", "boat"]
    assert words("trees") == ["trees"]  # listed as such: a forest, not one tree
    assert words("hot-air balloon") == ["hot", "air", "balloon"]


def test_an_outright_word_beats_a_suggestion() -> None:
    assert plan_scene("neon lights").time_of_day == "night"  # suggested by "neon"
    assert plan_scene("neon lights at dawn").time_of_day == "dawn"  # said outright


def test_a_colour_far_from_the_subject_does_not_colour_it() -> None:
    plan = plan_scene("a fox under a wide, open, clear blue sky")
    assert plan.subject == "fox"
    assert plan.subject_colour == ""
    assert plan.colours == ("blue",)


def test_without_a_generator_the_plan_is_neutral() -> None:
    plan = plan_scene("")
    assert (plan.time_of_day, plan.weather, plan.season) == ("day", "clear", "summer")
    assert plan.stated == frozenset()


def test_plan_is_deterministic_for_the_same_generator_state() -> None:
    for prompt in ("A lighthouse at dusk", "zorp quux", ""):
        assert plan_scene(prompt, random.Random(5)) == plan_scene(prompt, random.Random(5))


def test_unknown_words_give_varied_plans() -> None:
    nonsense = ["zorp quux", "lorem ipsum dolor", "blorft", "qwerty uiop", "xyzzy plugh", "fnord"]
    plans = [plan_scene(p, random.Random(i)) for i, p in enumerate(nonsense)]
    assert all(plan.stated == frozenset() for plan in plans)
    assert len({plan.subject for plan in plans}) >= 3
    assert len({plan.setting for plan in plans}) >= 2
    assert len({plan.time_of_day for plan in plans}) >= 2
    # And the seed alone varies the same prompt.
    again = {plan_scene("zorp quux", random.Random(seed)).subject for seed in range(12)}
    assert len(again) >= 4


def test_open_fields_stay_consistent_with_what_was_said() -> None:
    for seed in range(20):
        rng = random.Random(seed)
        assert plan_scene("a fox in the snow", rng).season == "winter"
        assert plan_scene("a whale", rng).setting == "sea"
        assert plan_scene("a rocket in outer space", rng).weather == "clear"
        assert plan_scene("a house in summer", rng).weather != "snow"


@settings(max_examples=60, deadline=None)
@given(prompt=st.text(), seed=st.integers(min_value=0, max_value=2**64))
def test_plan_fields_always_come_from_the_vocabularies(prompt: str, seed: int) -> None:
    plan = plan_scene(prompt, random.Random(seed))
    assert isinstance(plan, ScenePlan)
    assert plan.time_of_day in TIMES_OF_DAY
    assert plan.weather in WEATHERS
    assert plan.season in SEASONS
    assert plan.setting in SETTINGS
    assert plan.subject in SUBJECTS
    assert plan.companion in ("", *SUBJECTS)
    assert plan.subject_colour in ("", *COLOURS)
    assert set(plan.colours) <= set(COLOURS)
