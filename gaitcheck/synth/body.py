"""The rendered person: a phenotype (who), and the rigged mesh anny builds for it (what gets posed).

Anny (NAVER, Apache-2.0, https://github.com/naver/anny) is a MakeHuman-topology body model with a
104-bone rig. We call it once per body, with no pose, and keep its reference pose, rest pose and
skinning weights as numpy arrays; every frame is then posed and skinned here, in numpy, without
torch. Anny's world frame is used throughout the synth package:

    +X = the subject's left, +Y = posterior (the subject faces -Y), +Z = up; metres.

The root (pelvis centre) is at the origin in the reference pose. A joint centre is a bone's head:
hip = ``upperleg01`` head, knee = ``lowerleg01`` head, ankle = ``foot`` head, shoulder (glenohumeral)
= ``upperarm01`` head.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, fields

import numpy as np

from gaitcheck import vocabulary
from gaitcheck.errors import GaitcheckError, InputError

#: The sides, as the generator indexes its rig: plain strings (the vocabulary's values).
SIDES: tuple[str, ...] = vocabulary.SIDES

NEEDS_EXTRA = "gaitcheck synth needs the optional extra: pip install 'gaitcheck[synth]'"
SUFFIX = {"left": ".L", "right": ".R"}


# ------------------------------------------------------------------------------------------------
# phenotype
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Body:
    """Anny phenotype values, each in 0..1.

    ``sex`` is anny's 'gender' (0 = male, 1 = female). ``age`` 0.5 is a teenager and about 0.7 a young
    adult (anny's anchors: newborn -1/3, baby 0, child 1/3, young 2/3, old 1). ``height`` scales
    stature *and* proportions (0.5 gives about 1.77 m female, 1.91 m male).
    """

    name: str = "female"
    sex: float = 1.0
    age: float = 0.7
    height: float = 0.4
    weight: float = 0.5
    muscle: float = 0.5
    proportions: float = 0.5

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name != "name" and not 0.0 <= getattr(self, f.name) <= 1.0:
                raise InputError(f"body {f.name} must be within 0..1 (got {getattr(self, f.name)})")

    def phenotype(self) -> dict[str, float]:
        """The keyword arguments anny expects."""
        values = asdict(self)
        values.pop("name")
        values["gender"] = values.pop("sex")
        return values

    def to_json(self) -> dict:
        return asdict(self)


BODY_PRESETS: dict[str, Body] = {
    "female": Body("female", sex=1.0, age=0.7, height=0.4),
    "male": Body("male", sex=0.0, age=0.7, height=0.35),
    "tall_male": Body("tall_male", sex=0.0, age=0.7, height=0.6, muscle=0.6),
    "short_female": Body("short_female", sex=1.0, age=0.7, height=0.15, weight=0.45),
    "heavy": Body("heavy", sex=0.3, age=0.75, height=0.4, weight=0.9, muscle=0.45),
    "athletic_female": Body("athletic_female", sex=1.0, age=0.68, height=0.45, weight=0.4, muscle=0.75),
    "older_male": Body("older_male", sex=0.0, age=0.92, height=0.35, weight=0.6, muscle=0.4),
}


def body_preset(name: str) -> Body:
    """A named body (see BODY_PRESETS)."""
    try:
        return BODY_PRESETS[name]
    except KeyError:
        raise InputError(f"unknown body {name!r}; choose one of {', '.join(BODY_PRESETS)} or 'random'") from None


def random_body(rng: np.random.Generator) -> Body:
    """A person of random sex and build: late teens (anny age 0.58, the age knee-valgus screening
    targets) to old age, about 1.35-2.05 m tall, lean to heavy, frail to muscular."""
    sex = float(rng.choice([0.0, 1.0]) if rng.random() < 0.8 else rng.uniform(0.2, 0.8))
    return Body(
        name="random",
        sex=round(sex, 3),
        age=round(float(rng.uniform(0.58, 1.0)), 3),
        height=round(float(rng.uniform(0.12, 0.65)), 3),
        weight=round(float(np.clip(rng.normal(0.5, 0.2), 0.1, 1.0)), 3),
        muscle=round(float(np.clip(rng.normal(0.5, 0.2), 0.1, 0.95)), 3),
        proportions=round(float(rng.uniform(0.25, 0.75)), 3),
    )


#: Stature (m) of anny's reference pose as a linear function of the phenotype, fitted on 40 random
#: bodies (anny 0.6.2): residual SD 1 cm, at most 5.5 cm. Terms: 1, sex, height, age, weight,
#: muscle, proportions, sex x height, min(age, 2/3) (growth stops at the 'young' anchor).
STATURE_FIT_M = (0.3815, -0.1369, 1.0868, -0.0884, 0.0183, 0.0183, -0.0276, 0.0146, 1.5601)


def estimated_stature_m(body: Body) -> float:
    """The body's standing height without building it (for framing cameras and binning clips);
    the rendered clip's sidecar has the exact value (body.stature_m)."""
    terms = (1.0, body.sex, body.height, body.age, body.weight, body.muscle, body.proportions)
    values = (*terms, body.sex * body.height, min(body.age, 2.0 / 3.0))
    return float(np.dot(STATURE_FIT_M, values))


# ------------------------------------------------------------------------------------------------
# the rig, as numpy arrays
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Rig:
    """A body's mesh and skeleton in anny's reference pose, plus what skinning needs.

    Posing a frame means choosing, for every bone, a world rotation G (relative to the reference
    pose) and its head position; `skin` turns those into vertices.
    """

    body: Body
    bone_names: tuple[str, ...]
    parents: np.ndarray  # (B,) parent index; the root's is -1
    heads_m: np.ndarray  # (B, 3) joint centres in the reference pose
    faces: np.ndarray  # (F, 3) triangles, outward winding (v1 - v0) x (v2 - v0)
    vertices_m: np.ndarray  # (V, 3) the mesh in the reference pose
    skin_weights: np.ndarray  # (V, K) linear-blend weights, rows sum to 1
    skin_bones: np.ndarray  # (V, K) the bones those weights refer to
    rest_to_reference: np.ndarray  # (B, 3, 4) maps a rest-pose vertex into bone c's reference placement
    rest_vertices_m: np.ndarray  # (V, 3) anny's rest mesh, which the skinning transforms act on
    coco_labels: tuple[str, ...]  # anny's COCO(-WholeBody feet) keypoint regressor
    coco_weights: np.ndarray  # (K, V) rows sum to 1

    def bone(self, name: str) -> int:
        return self.bone_names.index(name)

    @functools.cached_property
    def dominant_bone(self) -> np.ndarray:
        """(V,) the bone with the largest skinning weight at each vertex."""
        return self.skin_bones[np.arange(len(self.skin_bones)), self.skin_weights.argmax(axis=1)]

    @property
    def stature_m(self) -> float:
        return float(self.vertices_m[:, 2].max() - self.vertices_m[:, 2].min())

    @property
    def sole_z_m(self) -> float:
        """Height of the lowest vertex (the soles) in the reference pose."""
        return float(self.vertices_m[:, 2].min())

    def skin(self, rotations: np.ndarray, heads_m: np.ndarray) -> np.ndarray:
        """Linear blend skinning: (B,3,3) bone world rotations and (B,3) posed heads -> (V,3) vertices.

        Bone c moves a point p of its reference placement to heads_m[c] + G_c (p - q_c), q_c being
        its reference head; this is exactly anny's forward kinematics in 'local-ref' form, checked
        against anny itself in the tests.
        """
        rotations = rotations.astype(np.float32)
        shift = heads_m.astype(np.float32) - np.einsum("bij,bj->bi", rotations, self.heads_m.astype(np.float32))
        linear = np.einsum("bij,bjk->bik", rotations, self.rest_to_reference[:, :, :3])
        offset = np.einsum("bij,bj->bi", rotations, self.rest_to_reference[:, :, 3]) + shift
        transforms = np.concatenate([linear, offset[:, :, None]], axis=2)  # (B, 3, 4)
        blended = np.einsum("vk,vkij->vij", self.skin_weights, transforms[self.skin_bones])
        return np.einsum("vij,vj->vi", blended[:, :, :3], self.rest_vertices_m) + blended[:, :, 3]

    def coco_keypoints(self, vertices_m: np.ndarray) -> np.ndarray:
        """(K, 3) anny's surface keypoints (COCO names) regressed from posed vertices."""
        return self.coco_weights @ vertices_m


def _import_anny():
    """anny and torch, or one clear line saying how to get them."""
    try:
        import anny
        import torch
    except ImportError:
        raise GaitcheckError(NEEDS_EXTRA) from None
    return anny, torch


@functools.cache
def _anny_model():
    anny, torch = _import_anny()
    # Plain torch skinning: anny's default (NVIDIA Warp) prints to stderr at start-up and compiles a
    # kernel; we only need anny's reference pose here, posing is done in numpy.
    return anny.Anny(skinning_method="lbs").to(dtype=torch.float32)


@functools.lru_cache(maxsize=8)
def load_rig(body: Body) -> Rig:
    """Build the body in anny (about 0.5 s after anny's one-time cache build) and keep numpy arrays."""
    _, torch = _import_anny()
    from anny.keypoints import KeypointsRegressor

    model = _anny_model()
    with torch.no_grad():
        out = model(phenotype_kwargs=body.phenotype())
        coco = KeypointsRegressor.coco(model)
        reference = out["bone_poses"][0].double().numpy()  # (B, 4, 4) identity deltas = reference pose
        rest = out["rest_bone_poses"][0].double().numpy()
        weights = model.vertex_bone_weights.float().numpy()
        bones = model.vertex_bone_indices.long().numpy()
        coco_weights = coco.regression_weights.float().numpy()
    rest_inverse = np.linalg.inv(rest)
    rest_to_reference = (reference @ rest_inverse)[:, :3, :]
    weights = weights / weights.sum(axis=1, keepdims=True)
    return Rig(
        body=body,
        bone_names=tuple(model.bone_labels),
        parents=np.array([int(p) for p in model.bone_parents]),
        heads_m=reference[:, :3, 3].copy(),
        faces=model.faces.long().numpy().copy(),
        vertices_m=out["vertices"][0].double().numpy(),
        skin_weights=weights.astype(np.float32),
        skin_bones=bones,
        rest_to_reference=rest_to_reference.astype(np.float32),
        rest_vertices_m=out["rest_vertices"][0].float().numpy(),
        coco_labels=tuple(coco.labels),
        coco_weights=coco_weights,
    )
