"""The table of subjects: for each subject a prompt can name, its drawing and how it is placed.

The drawings themselves live in modules by kind (animals, buildings, vehicles, and plants, people
and things); this table is the one place that lists them all, with where each stands (ground,
water, sky, table or the horizon), the shape and size of its box, and its colour.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import subjects_animals as animals
from . import subjects_buildings as buildings
from . import subjects_things as things
from . import subjects_vehicles as vehicles
from .palette import COLOUR_RGB, RGB
from .pen import Pen

# --------------------------------------------------------------------------- subjects

Drawer = Callable[[Pen], None]


@dataclass(frozen=True)
class Subject:
    draw: Drawer
    place: str  # "ground", "water", "sky", "table" or "horizon" (behind the near scenery)
    aspect: float  # box width / height
    size: float  # box height as a fraction of the picture's shorter side
    colour: RGB  # unless the prompt names one
    height: float = 0.5  # "sky" only: the box centre, as a fraction of the sky's height


# fmt: off
SUBJECT_DRAWINGS: dict[str, Subject] = {
    "lighthouse": Subject(buildings.lighthouse, "ground", 0.4, 0.66, (200, 40, 40)),
    "fox": Subject(animals.fox, "ground", 1.6, 0.36, (222, 110, 36)),
    "cat": Subject(animals.cat, "ground", 0.85, 0.44, (128, 128, 136)),
    "dog": Subject(animals.dog, "ground", 1.25, 0.42, (196, 146, 80)),
    "horse": Subject(animals.horse, "ground", 1.25, 0.5, (140, 88, 50)),
    "bird": Subject(animals.bird, "sky", 1.0, 0.34, (70, 110, 190), 0.62),
    "owl": Subject(animals.owl, "sky", 0.78, 0.46, (150, 112, 76), 0.62),
    "fish": Subject(animals.fish, "water", 1.7, 0.3, (236, 130, 40)),
    "whale": Subject(animals.whale, "water", 2.2, 0.32, (62, 80, 110)),
    "sailboat": Subject(vehicles.sailboat, "water", 0.85, 0.56, (176, 50, 44)),
    "ship": Subject(vehicles.ship, "water", 2.3, 0.36, (44, 50, 66)),
    "car": Subject(vehicles.car, "ground", 2.2, 0.26, (205, 40, 40)),
    "bicycle": Subject(vehicles.bicycle, "ground", 1.65, 0.36, (40, 110, 200)),
    "train": Subject(vehicles.train, "ground", 2.8, 0.3, (40, 90, 60)),
    "airplane": Subject(vehicles.airplane, "sky", 2.2, 0.3, (200, 40, 40), 0.45),
    "balloon": Subject(vehicles.balloon, "sky", 0.75, 0.56, (220, 50, 40), 0.55),
    "house": Subject(buildings.house, "ground", 1.15, 0.46, (232, 216, 184)),
    "castle": Subject(buildings.castle, "ground", 1.4, 0.5, (164, 160, 156)),
    "tower": Subject(buildings.tower, "ground", 0.36, 0.72, (206, 186, 146)),
    "bridge": Subject(buildings.bridge, "water", 3.2, 0.3, (176, 156, 124)),
    "tree": Subject(things.tree_subject, "ground", 0.85, 0.66, COLOUR_RGB["green"]),
    "flower": Subject(things.flower, "ground", 0.6, 0.56, (230, 60, 96)),
    "sunflower": Subject(things.sunflower, "ground", 0.58, 0.74, (250, 200, 30)),
    "mountain": Subject(things.mountain, "horizon", 1.8, 0.62, (112, 116, 136)),
    "skyline": Subject(buildings.skyline, "horizon", 2.4, 0.62, (64, 72, 94)),
    "windmill": Subject(buildings.windmill, "ground", 0.8, 0.64, (120, 80, 60)),
    "tent": Subject(buildings.tent, "ground", 1.4, 0.36, (236, 120, 40)),
    "robot": Subject(things.robot, "ground", 0.7, 0.58, (176, 186, 200)),
    "rocket": Subject(vehicles.rocket, "sky", 0.45, 0.6, (214, 50, 40), 0.72),
    "moon": Subject(things.moon, "sky", 1.0, 0.42, (246, 244, 226), 0.45),
    "butterfly": Subject(animals.butterfly, "sky", 1.25, 0.46, (244, 140, 30), 0.75),
    "apple": Subject(things.apple, "table", 1.0, 0.3, (200, 32, 32)),
    "coffee": Subject(things.coffee, "table", 1.25, 0.32, (244, 242, 236)),
    "person": Subject(things.person, "ground", 0.45, 0.58, (60, 90, 170)),
    "deer": Subject(animals.deer, "ground", 1.05, 0.5, (168, 112, 62)),
    "rabbit": Subject(animals.rabbit, "ground", 1.0, 0.36, (150, 130, 112)),
    "bear": Subject(animals.bear, "ground", 1.55, 0.42, (110, 72, 42)),
    "penguin": Subject(animals.penguin, "ground", 0.62, 0.48, (40, 42, 52)),
    "snowman": Subject(things.snowman, "ground", 0.72, 0.56, (200, 40, 40)),
    "mushroom": Subject(things.mushroom, "ground", 1.0, 0.38, (210, 40, 30)),
    "cactus": Subject(things.cactus, "ground", 0.72, 0.6, (64, 140, 72)),
    "umbrella": Subject(things.umbrella, "ground", 0.9, 0.6, (210, 40, 64)),
    "duck": Subject(animals.duck, "water", 1.2, 0.28, (246, 242, 228)),
    "elephant": Subject(animals.elephant, "ground", 1.3, 0.5, (140, 140, 150)),
    "palm": Subject(things.palm, "ground", 0.9, 0.72, (50, 140, 60)),
    "church": Subject(buildings.church, "ground", 0.9, 0.6, (236, 230, 216)),
    "pumpkin": Subject(things.pumpkin, "ground", 1.3, 0.3, (236, 120, 30)),
}
# fmt: on
