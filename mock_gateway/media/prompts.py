"""Reading a text-to-image prompt into a scene plan for the mock's stand-in pictures.

The mock cannot run a diffusion model, yet a demo of it should not answer "a lighthouse at dusk"
and "a red fox in deep snow" with the same picture. So the prompt is read the cheap way: split
into words, matched against small closed vocabularies (time of day, weather, season, setting,
subject, colour) and turned into a frozen ``ScenePlan`` of plain strings that the drawing code
in ``scenes`` understands. No grammar, no model: a handful of tables.

* The tables map each value to the words and phrases that ask for it, so adding a synonym is a
  one-word change and the vocabulary can be listed and tested as data.
* Words match case-insensitively on word boundaries ("catalog" is no cat), and a plural is
  tried as its singular ("foxes", "butterflies"), unless the plural form is itself listed
  ("trees" asks for a forest, "tree" for one tree).
* Some words also *suggest* other fields ("neon" suggests a city at night, "whale" the sea).
  A suggestion only fills a field the prompt leaves open, so "neon signs at noon" stays at noon.
* Whatever the prompt leaves open is picked by the caller's seeded ``random.Random``, so prompts
  without a single known word still give varied scenes, and the same prompt with another seed
  another one. Without a generator the plan uses fixed, neutral defaults (handy in tests).

Everything here is pure: the same prompt and generator state always give the same plan.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

TIMES_OF_DAY: tuple[str, ...] = ("dawn", "day", "sunset", "dusk", "night")
WEATHERS: tuple[str, ...] = ("clear", "cloudy", "rain", "storm", "fog", "snow")
SEASONS: tuple[str, ...] = ("spring", "summer", "autumn", "winter")
SETTINGS: tuple[str, ...] = (
    "hills", "mountains", "sea", "lake", "forest", "desert",
    "city", "snowfield", "space", "garden", "indoor",
)  # fmt: skip

# value -> words and phrases that ask for it. A phrase is several words separated by spaces;
# hyphens in prompts split words, so "hot-air balloon" matches "hot air balloon".
_TIME_WORDS: dict[str, tuple[str, ...]] = {
    "dawn": ("dawn", "sunrise", "daybreak", "morning", "first light", "sunup", "aurora"),
    "day": ("day", "daytime", "daylight", "noon", "midday", "afternoon", "high noon"),
    "sunset": ("sunset", "golden hour", "evening", "sundown", "setting sun"),
    "dusk": ("dusk", "twilight", "blue hour", "nightfall", "gloaming"),
    "night": (
        "night", "midnight", "moonlit", "moonlight", "nighttime", "starry", "starlit",
        "stars", "starlight", "nocturnal",
    ),
}  # fmt: skip
_WEATHER_WORDS: dict[str, tuple[str, ...]] = {
    "clear": ("clear", "sunny", "cloudless", "sunshine", "sunlit", "bright", "fair"),
    "cloudy": ("cloudy", "clouds", "overcast", "grey sky", "gray sky", "gloomy", "cloud"),
    "rain": ("rain", "rainy", "raining", "drizzle", "downpour", "raindrops", "wet", "puddles"),
    "storm": (
        "storm", "stormy", "thunderstorm", "thunder", "lightning", "tempest", "hurricane",
        "thunderclouds",
    ),
    "fog": ("fog", "foggy", "mist", "misty", "haze", "hazy"),
    "snow": ("snowing", "snowfall", "snowflakes", "snowflake", "blizzard", "snowstorm"),
}  # fmt: skip
_SEASON_WORDS: dict[str, tuple[str, ...]] = {
    "spring": ("spring", "springtime", "blossom", "blossoms", "cherry blossom", "blooming"),
    "summer": ("summer", "summertime", "midsummer", "heatwave"),
    "autumn": (
        "autumn", "fall", "autumnal", "fall leaves", "autumn leaves", "fallen leaves",
        "leaves", "harvest", "october", "november", "halloween",
    ),
    "winter": (
        "winter", "wintry", "wintertime", "snow", "snowy", "frost", "frosty", "frozen", "icy",
        "christmas", "december",
    ),
}  # fmt: skip
_SETTING_WORDS: dict[str, tuple[str, ...]] = {
    "hills": (
        "hill", "hills", "hillside", "countryside", "valley", "farm", "farmland", "pasture",
        "field", "fields", "village", "prairie", "rolling",
    ),
    "mountains": ("mountains", "peaks", "alps", "alpine", "summit", "mountainside", "range"),
    "sea": (
        "sea", "ocean", "beach", "coast", "coastal", "shore", "seaside", "harbor", "harbour",
        "bay", "waves", "surf", "island", "seashore", "sea shore", "port",
    ),
    "lake": (
        "lake", "river", "pond", "lagoon", "stream", "creek", "riverbank", "lakeside",
        "canal", "water",
    ),
    "forest": ("forest", "woods", "woodland", "jungle", "trees", "rainforest", "grove"),
    "desert": ("desert", "dunes", "dune", "sahara", "oasis", "canyon", "arid", "sand"),
    "city": (
        "city", "street", "streets", "downtown", "urban", "metropolis", "avenue", "alley",
        "town", "cityscape", "cyberpunk",
    ),
    "snowfield": ("snowfield", "tundra", "arctic", "antarctic", "antarctica", "glacier", "polar"),
    "space": (
        "space", "outer space", "galaxy", "cosmos", "planet", "nebula", "orbit", "universe",
        "asteroid",
    ),
    "garden": (
        "garden", "meadow", "park", "backyard", "yard", "lawn", "orchard", "flowerbed",
        "flowers",
    ),
    "indoor": (
        "room", "indoors", "indoor", "inside", "kitchen", "bedroom", "living room", "interior",
        "cafe", "table", "desk", "windowsill", "library", "office",
    ),
}  # fmt: skip
SUBJECT_WORDS: dict[str, tuple[str, ...]] = {
    "lighthouse": ("lighthouse", "beacon"),
    "fox": ("fox", "vixen"),
    "cat": ("cat", "kitten", "kitty", "tabby", "kittens"),
    "dog": ("dog", "puppy", "pup", "hound", "doggy", "retriever", "labrador", "corgi", "puppies"),
    "horse": ("horse", "pony", "stallion", "mare", "foal", "unicorn"),
    "bird": (
        "bird", "sparrow", "robin", "songbird", "parrot", "finch", "bluebird", "crow", "raven",
        "swallow", "pigeon", "dove",
    ),
    "owl": ("owl", "owlet"),
    "fish": ("fish", "goldfish", "salmon", "trout", "koi", "carp"),
    "whale": ("whale", "orca", "humpback"),
    "sailboat": ("sailboat", "boat", "yacht", "sailing boat", "sailing", "dinghy", "sail"),
    "ship": (
        "ship", "steamship", "steamer", "liner", "ocean liner", "cruise ship", "freighter",
        "ferry", "vessel", "tanker",
    ),
    "car": ("car", "automobile", "sedan", "taxi", "cab", "jeep", "convertible", "sports car"),
    "bicycle": ("bicycle", "bike", "cycling", "cyclist", "tandem"),
    "train": ("train", "locomotive", "steam train", "railway", "railroad", "steam engine"),
    "airplane": ("airplane", "aeroplane", "plane", "jet", "aircraft", "airliner", "jetliner"),
    "balloon": ("balloon", "hot air balloon", "air balloon"),
    "house": (
        "house", "cottage", "cabin", "hut", "home", "farmhouse", "villa", "chalet", "shack",
        "bungalow", "lodge",
    ),
    "castle": ("castle", "palace", "fortress", "citadel", "chateau", "fort"),
    "tower": ("tower", "clock tower", "clocktower", "belfry", "big ben"),
    "bridge": ("bridge", "viaduct", "footbridge", "aqueduct"),
    "tree": ("tree", "oak", "maple", "willow", "birch", "elm"),
    "flower": ("flower", "rose", "tulip", "daisy", "bouquet", "lily", "poppy", "orchid"),
    "sunflower": ("sunflower",),
    "mountain": ("mountain", "peak", "volcano", "mount", "matterhorn"),
    "skyline": (
        "skyline", "skyscraper", "skyscrapers", "buildings", "building", "high rise",
        "city skyline", "highrise",
    ),
    "windmill": ("windmill",),
    "tent": ("tent", "campsite", "camping", "campfire", "camp"),
    "robot": ("robot", "android", "droid", "mech", "cyborg", "automaton"),
    "rocket": ("rocket", "spaceship", "spacecraft", "space shuttle", "rocketship", "launch"),
    "moon": ("moon", "full moon", "crescent", "lunar"),
    "butterfly": ("butterfly", "moth"),
    "apple": ("apple",),
    "coffee": ("coffee", "cup", "mug", "tea", "latte", "espresso", "cappuccino", "teacup"),
    "person": (
        "person", "man", "woman", "girl", "boy", "child", "kid", "people", "hiker",
        "traveler", "traveller", "lady", "figure", "wanderer", "men", "women", "children",
    ),
    "deer": ("deer", "stag", "doe", "reindeer", "elk", "moose", "fawn"),
    "rabbit": ("rabbit", "bunny", "hare"),
    "bear": ("bear", "grizzly", "teddy"),
    "penguin": ("penguin",),
    "snowman": ("snowman", "snowmen"),
    "mushroom": ("mushroom", "toadstool", "fungus", "fungi"),
    "cactus": ("cactus", "cacti", "saguaro"),
    "umbrella": ("umbrella", "parasol"),
    "duck": ("duck", "duckling", "swan", "goose", "geese"),
    "elephant": ("elephant",),
    "palm": ("palm", "palm tree", "coconut"),
    "church": ("church", "chapel", "cathedral", "steeple"),
    "pumpkin": ("pumpkin", "jack o lantern"),
}  # fmt: skip
SUBJECTS: tuple[str, ...] = tuple(SUBJECT_WORDS)

COLOURS: tuple[str, ...] = (
    "red", "orange", "yellow", "green", "blue", "purple", "pink", "white", "black", "grey",
    "brown", "gold", "silver",
)  # fmt: skip
_COLOUR_WORDS: dict[str, tuple[str, ...]] = {
    "red": ("red", "crimson", "scarlet", "ruby"),
    "orange": ("orange", "amber", "ginger"),
    "yellow": ("yellow", "lemon"),
    "green": ("green", "emerald", "olive", "lime"),
    "blue": ("blue", "navy", "azure", "cobalt", "turquoise", "teal"),
    "purple": ("purple", "violet", "lavender", "magenta"),
    "pink": ("pink", "rose pink"),
    "white": ("white", "ivory", "snow white"),
    "black": ("black", "ebony", "jet black"),
    "grey": ("grey", "gray"),
    "brown": ("brown", "chocolate", "tan"),
    "gold": ("gold", "golden"),
    "silver": ("silver", "metallic", "chrome"),
}  # fmt: skip

# Words whose meaning spills into other fields. These only fill fields the prompt leaves open.
_HINT_WORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "neon": (("time_of_day", "night"), ("setting", "city")),
    "moon": (("time_of_day", "night"), ("weather", "clear")),
    "full moon": (("time_of_day", "night"), ("weather", "clear")),
    "crescent": (("time_of_day", "night"), ("weather", "clear")),
    "owl": (("time_of_day", "dusk"),),
    "sunny": (("time_of_day", "day"),),
    "sunshine": (("time_of_day", "day"),),
    "dark": (("time_of_day", "night"),),
    "snow": (("setting", "snowfield"),),
    "snowy": (("setting", "snowfield"),),
    "snowing": (("season", "winter"),),
    "snowfall": (("season", "winter"),),
    "snowflakes": (("season", "winter"),),
    "snowflake": (("season", "winter"),),
    "blizzard": (("season", "winter"),),
    "snowstorm": (("season", "winter"),),
    "snowman": (("season", "winter"),),
    "snowmen": (("season", "winter"),),
    "polar": (("subject_colour", "white"),),
    "penguin": (("season", "winter"),),
    "reindeer": (("season", "winter"),),
    "christmas": (("weather", "snow"),),
    "swan": (("subject_colour", "white"),),
    "goose": (("subject_colour", "white"),),
    "geese": (("subject_colour", "white"),),
    "raven": (("subject_colour", "black"),),
    "crow": (("subject_colour", "black"),),
    "bluebird": (("subject_colour", "blue"),),
    "robin": (("subject_colour", "brown"),),
    "goldfish": (("subject_colour", "orange"),),
    "koi": (("subject_colour", "orange"),),
    "orca": (("subject_colour", "black"),),
    "grizzly": (("subject_colour", "brown"),),
    "rose": (("subject_colour", "red"),),
    "tulip": (("subject_colour", "pink"),),
    "daisy": (("subject_colour", "white"),),
    "lily": (("subject_colour", "white"),),
    "unicorn": (("subject_colour", "white"),),
    "taxi": (("subject_colour", "yellow"),),
    "cab": (("subject_colour", "yellow"),),
    "tabby": (("subject_colour", "orange"),),
    "blossom": (("setting", "garden"),),
    "blossoms": (("setting", "garden"),),
    "cherry blossom": (("setting", "garden"),),
    "sunflower": (("season", "summer"),),
    "pumpkin": (("season", "autumn"),),
    "halloween": (("time_of_day", "night"),),
    "starry": (("weather", "clear"),),
    "stars": (("weather", "clear"),),
    "palm": (("setting", "sea"),),
    "coconut": (("setting", "sea"),),
    "surf": (("weather", "clear"),),
    "launch": (("setting", "desert"),),  # a launch pad, rather than already in space
    "launching": (("setting", "desert"),),
    "liftoff": (("setting", "desert"),),
}  # fmt: skip

# Where a subject is usually seen: the setting picked (by the seed) when the prompt names none.
SUBJECT_HOMES: dict[str, tuple[str, ...]] = {
    "lighthouse": ("sea",),
    "fox": ("forest", "hills", "snowfield"),
    "cat": ("garden", "indoor"),
    "dog": ("garden", "hills", "indoor"),
    "horse": ("hills", "garden"),
    "bird": ("garden", "forest"),
    "owl": ("forest",),
    "fish": ("lake", "sea"),
    "whale": ("sea",),
    "sailboat": ("sea", "lake"),
    "ship": ("sea",),
    "car": ("city", "desert", "hills"),
    "bicycle": ("city", "hills", "garden"),
    "train": ("hills", "mountains"),
    "airplane": ("hills", "sea", "mountains"),
    "balloon": ("hills", "mountains", "desert"),
    "house": ("hills", "forest", "garden"),
    "castle": ("hills", "mountains"),
    "tower": ("city", "hills"),
    "bridge": ("lake",),
    "tree": ("hills", "garden"),
    "flower": ("garden",),
    "sunflower": ("garden", "hills"),
    "mountain": ("mountains",),
    "skyline": ("city",),
    "windmill": ("hills", "garden"),
    "tent": ("mountains", "forest", "lake"),
    "robot": ("city", "desert", "space"),
    "rocket": ("desert", "space", "hills"),
    "moon": ("hills", "sea", "mountains", "lake"),
    "butterfly": ("garden",),
    "apple": ("indoor", "garden"),
    "coffee": ("indoor",),
    "person": ("hills", "city", "sea", "mountains"),
    "deer": ("forest", "hills", "snowfield"),
    "rabbit": ("garden", "hills"),
    "bear": ("forest", "mountains", "snowfield"),
    "penguin": ("snowfield",),
    "snowman": ("snowfield", "garden"),
    "mushroom": ("forest",),
    "cactus": ("desert",),
    "umbrella": ("city", "sea"),
    "duck": ("lake",),
    "elephant": ("desert", "hills"),
    "palm": ("sea", "desert"),
    "church": ("hills", "city"),
    "pumpkin": ("garden", "hills"),
}

# Two subjects that one drawing shows together: "a man with an umbrella" is the umbrella picture
# (which has its person under it), not a man with a second, smaller man beside him.
_MERGED: dict[frozenset[str], str] = {
    frozenset(("person", "umbrella")): "umbrella",
}

# Open fields are drawn from these with these weights (most pictures people ask for are by day).
_TIME_WEIGHTS: dict[str, int] = {"dawn": 2, "day": 5, "sunset": 3, "dusk": 2, "night": 2}
# Storms only when asked for: unasked, they would swamp the subject more often than not.
_WEATHER_WEIGHTS: dict[str, int] = {
    "clear": 8, "cloudy": 3, "rain": 1, "storm": 0, "fog": 1, "snow": 0,
}  # fmt: skip
_WINTER_WEATHER_WEIGHTS: dict[str, int] = {
    "clear": 4, "cloudy": 2, "rain": 0, "storm": 0, "fog": 1, "snow": 3,
}  # fmt: skip
_SEASON_WEIGHTS: dict[str, int] = {"spring": 2, "summer": 3, "autumn": 2, "winter": 1}
# With no generator: a plain summer day in the hills, a picture nobody finds surprising.
_DEFAULTS: dict[str, str] = {
    "time_of_day": "day",
    "weather": "clear",
    "season": "summer",
    "setting": "hills",
    "subject": "house",
}
# Settings that imply a field of their own (there is no weather in space, no rain indoors...).
_SETTING_FORCES: dict[str, tuple[tuple[str, str], ...]] = {
    "space": (("time_of_day", "night"), ("weather", "clear")),
    "snowfield": (("season", "winter"),),
}


@dataclass(frozen=True)
class ScenePlan:
    """What to draw, as plain strings from the closed vocabularies above."""

    time_of_day: str  # one of TIMES_OF_DAY
    weather: str  # one of WEATHERS
    season: str  # one of SEASONS
    setting: str  # one of SETTINGS
    subject: str  # one of SUBJECTS: the main thing in the picture
    companion: str = ""  # a second subject the prompt names, drawn smaller; "" for none
    subject_colour: str = ""  # one of COLOURS when the prompt colours the subject, else ""
    colours: tuple[str, ...] = ()  # every colour the prompt names, in order
    stated: frozenset[str] = frozenset()  # which fields came from the prompt's words


_FIELDS: tuple[tuple[str, Mapping[str, tuple[str, ...]]], ...] = (
    ("time_of_day", _TIME_WORDS),
    ("weather", _WEATHER_WORDS),
    ("season", _SEASON_WORDS),
    ("setting", _SETTING_WORDS),
    ("subject", SUBJECT_WORDS),
    ("colour", _COLOUR_WORDS),
)


def _phrase_index() -> dict[tuple[str, ...], list[tuple[str, str]]]:
    index: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for field, table in _FIELDS:
        for value, phrases in table.items():
            for phrase in phrases:
                index.setdefault(tuple(phrase.split()), []).append((field, value))
    return index


_PHRASES = _phrase_index()
_HINTS = {tuple(phrase.split()): hints for phrase, hints in _HINT_WORDS.items()}
_KNOWN_WORDS = frozenset(w for key in (*_PHRASES, *_HINTS) for w in key)
_LONGEST = max(len(key) for key in (*_PHRASES, *_HINTS))
_WORD = re.compile(r"[^\W\d_]+")  # letters only: digits, hyphens and apostrophes split words


def _singular(word: str) -> str:
    """The listed form of a word: itself if listed, else a plural's singular if that is."""
    if word in _KNOWN_WORDS:
        return word
    candidates = []
    if word.endswith("ies"):
        candidates.append(word[:-3] + "y")  # butterflies, puppies
    if word.endswith("ves"):
        candidates += [word[:-3] + "f", word[:-3] + "fe"]  # wolves, knives
    if word.endswith("es"):
        candidates.append(word[:-2])  # foxes, churches
    if word.endswith("s") and not word.endswith("ss"):
        candidates.append(word[:-1])  # boats, horses
    return next((c for c in candidates if c in _KNOWN_WORDS), word)


def words(prompt: str) -> list[str]:
    """The prompt's words, lower-cased, plurals folded into listed singulars."""
    return [_singular(w) for w in _WORD.findall(prompt.casefold())]


@dataclass(frozen=True)
class _Match:
    position: int  # index of the first word
    length: int
    field: str
    value: str
    strong: bool  # said outright, rather than suggested by another word


def _matches(tokens: Sequence[str]) -> list[_Match]:
    found: list[_Match] = []
    i = 0
    while i < len(tokens):
        # Longest phrase first, so "palm tree" is a palm and "city skyline" one skyline.
        for n in range(min(_LONGEST, len(tokens) - i), 0, -1):
            key = tuple(tokens[i : i + n])
            direct, hints = _PHRASES.get(key, []), _HINTS.get(key, ())
            if direct or hints:
                found += [_Match(i, n, f, v, True) for f, v in direct]
                found += [_Match(i, n, f, v, False) for f, v in hints]
                i += n
                break
        else:
            i += 1
    return found


def _weighted(rng: random.Random, weights: Mapping[str, int]) -> str:
    names = [k for k, w in weights.items() if w > 0]
    return rng.choices(names, weights=[weights[k] for k in names])[0]


def _subject_colour(found: Sequence[_Match], subject: _Match | None) -> str:
    if subject is None:
        return ""
    # A colour word at most three words before the subject is its colour: "a red fox",
    # "a bright red sports car". Otherwise a hint ("polar bear" is white) may colour it.
    before = [
        m
        for m in found
        if m.field == "colour" and m.strong and 0 < subject.position - m.position <= 3
    ]
    if before:
        return before[-1].value
    hinted = [  # on the subject's own word ("swan") or the one before it ("polar bear")
        m for m in found if m.field == "subject_colour" and 0 <= subject.position - m.position <= 1
    ]
    return hinted[0].value if hinted else ""


def plan_scene(prompt: str, rng: random.Random | None = None) -> ScenePlan:
    """Read ``prompt`` into a ScenePlan; fields it leaves open come from ``rng`` (or defaults)."""
    found = _matches(words(prompt))
    chosen: dict[str, str] = {}
    stated: set[str] = set()
    for strong in (True, False):  # what is said outright beats what is merely suggested
        for m in found:
            if m.strong == strong and m.field in _DEFAULTS and m.field not in chosen:
                chosen[m.field] = m.value
                if strong:
                    stated.add(m.field)
    subjects = [m for m in found if m.field == "subject"]
    subject_match = subjects[0] if subjects else None
    companion = next((m.value for m in subjects if m.value != chosen.get("subject")), "")
    merged = _MERGED.get(frozenset((chosen.get("subject", ""), companion)))
    if merged:
        chosen["subject"], companion = merged, ""

    def pick(field: str, weights: Mapping[str, int] | Sequence[str]) -> None:
        if field in chosen:
            return
        if rng is None:
            chosen[field] = _DEFAULTS[field]
        elif isinstance(weights, Mapping):
            chosen[field] = _weighted(rng, weights)
        else:
            chosen[field] = rng.choice(weights)

    # Order matters: the subject decides a likely setting, the setting a likely subject.
    if "subject" in chosen:
        pick("setting", SUBJECT_HOMES[chosen["subject"]])
    elif "setting" in chosen:
        at_home = [s for s, homes in SUBJECT_HOMES.items() if chosen["setting"] in homes]
        pick("subject", at_home or SUBJECTS)
    else:
        pick("setting", SETTINGS)
        at_home = [s for s, homes in SUBJECT_HOMES.items() if chosen["setting"] in homes]
        pick("subject", at_home)
    for field, value in _SETTING_FORCES.get(chosen["setting"], ()):
        if field not in stated:
            chosen[field] = value
    if chosen.get("weather") == "snow" and "season" not in chosen:
        chosen["season"] = "winter"
    pick("season", _SEASON_WEIGHTS)
    pick("time_of_day", _TIME_WEIGHTS)
    winter = chosen["season"] == "winter"
    pick("weather", _WINTER_WEATHER_WEIGHTS if winter else _WEATHER_WEIGHTS)

    colours = tuple(m.value for m in found if m.field == "colour" and m.strong)
    return ScenePlan(
        time_of_day=chosen["time_of_day"],
        weather=chosen["weather"],
        season=chosen["season"],
        setting=chosen["setting"],
        subject=chosen["subject"],
        companion=companion,
        subject_colour=_subject_colour(found, subject_match),
        colours=colours,
        stated=frozenset(stated),
    )
