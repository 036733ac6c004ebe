"""The U-Net, its losses, and a loaded model that turns features into posteriors in overlapping chunks."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
from keras import layers, ops  # noqa: E402

from tunescribe.cards import WEIGHTS, ModelError, check_features, default_model_dir, read_card, write_card  # noqa: E402
from tunescribe.constants import BINS_PER_SEMITONE, N_BINS, N_KEYS  # noqa: E402
from tunescribe.notes import Note, Thresholds, decode_notes  # noqa: E402
from tunescribe.overtones import OvertoneFilter  # noqa: E402

OUTPUTS = ("onset", "frame", "offset", "velocity")  # (frames, 88) each
PEDAL = "pedal"  # (frames,): sustain pedal down, on models built with pedal=True
HARMONICS = (0.5, 1, 2, 3, 4, 5)
TIME_MULTIPLE = 4  # two time poolings: chunk lengths must divide by this


@keras.saving.register_keras_serializable("tunescribe")
class HarmonicStack(layers.Layer):
    """(batch, time, bins) -> (batch, time, bins, harmonics): channel h holds the bin h times higher
    in frequency, so a 3x3 kernel sees a fundamental beside its overtones (and its sub-octave)."""

    def __init__(self, harmonics=HARMONICS, **kwargs):
        super().__init__(**kwargs)
        self.harmonics = tuple(harmonics)
        self.shifts = [int(round(12 * BINS_PER_SEMITONE * np.log2(h))) for h in self.harmonics]

    def call(self, x):
        n = x.shape[-1]
        out = []
        for s in self.shifts:
            if s > 0:
                y = ops.pad(x[:, :, s:], [[0, 0], [0, 0], [0, s]])
            elif s < 0:
                y = ops.pad(x[:, :, : n + s], [[0, 0], [0, 0], [-s, 0]])
            else:
                y = x
            out.append(y)
        return ops.stack(out, axis=-1)

    def get_config(self):
        return {**super().get_config(), "harmonics": list(self.harmonics)}


def _conv_block(x, channels: int, n: int = 2, kernel=(3, 3), dilation=(1, 1)):
    for _ in range(n):
        x = layers.Conv2D(channels, kernel, padding="same", use_bias=False, dilation_rate=dilation)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    return x


class RefineConv(layers.Conv2D):
    """A Conv2D of the onset refinement. Weight files name each layer by its class and its order
    among that class's layers, so the refinement's own class keeps every other Conv2D's name."""


class AttackConv(layers.Conv2D):
    """A Conv2D of the onset refinement's attack branch (its own class, as RefineConv)."""


def build_model(*, base: int = 16, dropout: float = 0.15, pedal: bool = False, pedal_fine: bool = False,
                onset_refine: bool = False, onset_attack: bool = False) -> keras.Model:
    """U-Net over (time, constant-Q bins) with skip connections, batch norm and dropout.

    Input (batch, time, 264) features; outputs four (batch, time, 88) maps in 0..1: onset, frame
    (key down), offset (key release) and velocity; with `pedal`, a fifth (batch, time) output: the
    sustain pedal down (a piano model); `pedal_fine` lets the pedal head see the decoder at the frame
    rate too, not only the bottleneck at a quarter of it; `onset_refine` corrects the onset head's
    logit from its neighbours in time, on the keyboard and an octave, a twelfth and two octaves away
    (starting at no correction); `onset_attack` adds to that correction one read from the input
    itself: how much each key's partials rose in the last two frames, beside their level (a key
    struck again while it sounds, which the U-Net often hears as one note). Time must be a
    multiple of TIME_MULTIPLE.
    """
    inp = keras.Input((None, N_BINS), name="features")
    x = HarmonicStack(name="harmonic_stack")(inp)
    x = _conv_block(x, base, n=1)  # (T, 264)
    x = layers.MaxPooling2D((1, BINS_PER_SEMITONE))(x)  # (T, 88): one column per key
    skip1 = _conv_block(x, base * 3 // 2)
    x = layers.MaxPooling2D((2, 2))(skip1)  # (T/2, 44)
    skip2 = _conv_block(x, 3 * base)
    x = layers.MaxPooling2D((2, 2))(skip2)  # (T/4, 22)
    x = _conv_block(x, 3 * base, n=1)
    # long temporal context at the bottleneck: a held note must be told apart from a new one
    for d in (2, 4, 8):
        x = _conv_block(x, 3 * base, n=1, dilation=(d, 1))
    bottleneck = x
    x = layers.SpatialDropout2D(dropout)(x)
    x = layers.UpSampling2D((2, 2))(x)
    x = _conv_block(layers.Concatenate()([x, skip2]), 2 * base, n=1)
    x = layers.UpSampling2D((2, 2))(x)
    x = _conv_block(layers.Concatenate()([x, skip1]), base * 3 // 2, n=1)
    decoded = x
    x = layers.SpatialDropout2D(dropout)(x)

    def head(t, name, kernel=(1, 1)):
        y = layers.Conv2D(1, kernel, padding="same", activation="sigmoid")(t)
        return layers.Reshape((-1, N_KEYS), name=name)(y)

    onset = head(x, "onset_raw" if onset_refine else "onset", (3, 1))
    # the frame head sees the onset it follows (as in Onsets and Frames)
    onset_map = layers.Reshape((-1, N_KEYS, 1))(onset)
    frame = head(layers.Concatenate()([x, onset_map]), "frame", (3, 3))
    offset = head(x, "offset", (3, 1))
    velocity = head(x, "velocity")
    if onset_refine:
        frame_map = layers.Reshape((-1, N_KEYS, 1))(frame)
        r = RefineConv(base, (3, 1), padding="same", activation="relu")(
            layers.Concatenate()([decoded, onset_map, frame_map]))
        r = layers.Concatenate()([RefineConv(base // 2, (1, 3), padding="same", activation="relu",
                                             dilation_rate=(1, d))(r) for d in (1, 12, 19, 24)])
        r = RefineConv(base, (3, 1), padding="same", activation="relu")(r)
        delta = RefineConv(1, (1, 1), kernel_initializer="zeros")(r)
        logit = layers.Lambda(lambda t: ops.log(ops.clip(t, 1e-6, 1 - 1e-6)) - ops.log(ops.clip(1 - t, 1e-6, 1)))(onset_map)
        deltas = [logit, delta]
        if onset_attack:
            rise = layers.Lambda(lambda t: ops.relu(t - ops.pad(t[:, :-2], [[0, 0], [2, 0], [0, 0]])), name="attack_rise")(inp)
            keys = [layers.MaxPooling2D((1, BINS_PER_SEMITONE))(HarmonicStack((1, 2, 3, 4), name=f"attack_{name}")(t))
                    for name, t in (("rise_partials", rise), ("level_partials", inp))]
            a = AttackConv(base, (5, 1), padding="same", activation="relu")(
                layers.Concatenate()([*keys, logit, frame_map]))
            a = AttackConv(base, (3, 3), padding="same", activation="relu")(a)
            deltas.append(AttackConv(1, (1, 1), kernel_initializer="zeros")(a))
        refined = layers.Activation("sigmoid")(layers.Add()(deltas))
        onset = layers.Reshape((-1, N_KEYS), name="onset")(refined)
    outputs = [onset, frame, offset, velocity]
    if pedal:
        # the pedal acts on every key at once: the bottleneck averaged over the keyboard, with the
        # dilated layers' seconds of context, back at the frame rate
        p = layers.Lambda(lambda t: ops.mean(t, axis=2), name="keyboard_mean")(bottleneck)  # (T/4, C)
        p = layers.Conv1D(2 * base, 3, padding="same", activation="relu")(p)
        p = layers.UpSampling1D(TIME_MULTIPLE)(p)
        if pedal_fine:
            # and each key at the frame rate: a string sounding on after its key is let go, every
            # string damped at once; pooled over the keyboard, then two seconds of context
            # (a Dense, not a Conv2D: weights load by each class's layer order, and the notes' Conv2Ds keep theirs)
            keys = layers.Dense(base, activation="relu", name="pedal_keys")(decoded)
            pooled = [layers.Lambda(lambda t, f=f: f(t, axis=2), name=f"pedal_keys_{f.__name__}")(keys)
                      for f in (ops.mean, ops.max)]
            p = layers.Conv1D(2 * base, 3, padding="same", activation="relu", name="pedal_mix")(
                layers.Concatenate()([p, *pooled]))
            for d in (2, 4, 8, 16):
                p = layers.Add()([p, layers.Conv1D(2 * base, 3, padding="same", activation="relu", dilation_rate=d,
                                                   name=f"pedal_context_{d}")(p)])
        p = layers.Conv1D(1, 5, padding="same", activation="sigmoid")(p)
        outputs.append(layers.Reshape((-1,), name=PEDAL)(p))
    return keras.Model(inp, outputs, name="tunescribe_unet")


def train_only(model: keras.Model, outputs: tuple[str, ...]) -> keras.Model:
    """Freeze every layer that another output depends on, so that only the heads of `outputs`
    (PEDAL, or "onset" of a model with `onset_refine`) learn, over the body as it is."""
    others = keras.Model(model.inputs, [t for name, t in zip(model.output_names, model.outputs) if name not in outputs])
    for layer in model.layers:
        layer.trainable = layer not in others.layers
    return model


def weighted_bce(positive_weight: float):
    def loss(y_true, y_pred):
        y_pred = ops.clip(y_pred, 1e-6, 1 - 1e-6)
        per = -(positive_weight * y_true * ops.log(y_pred) + (1 - y_true) * ops.log(1 - y_pred))
        return ops.mean(per)
    loss.__name__ = f"bce_w{positive_weight:g}"
    return loss


def velocity_loss(y_true, y_pred):
    """Squared error only where a note starts (targets are 0 elsewhere)."""
    mask = ops.cast(y_true > 0, "float32")
    return ops.sum(mask * ops.square(y_true - y_pred)) / (ops.sum(mask) + 1.0)


def compile_model(model: keras.Model, learning_rate: float = 1e-3) -> keras.Model:
    loss = {"onset": weighted_bce(8.0), "frame": weighted_bce(2.0), "offset": weighted_bce(4.0),
            "velocity": velocity_loss}
    weights = {"onset": 1.0, "frame": 1.0, "offset": 0.3, "velocity": 0.3}
    if PEDAL in model.output_names:
        loss[PEDAL], weights[PEDAL] = weighted_bce(1.0), 0.5
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0), loss=loss, loss_weights=weights)
    return model


@dataclass
class Posteriors:
    onset: np.ndarray  # (frames, 88)
    frame: np.ndarray
    offset: np.ndarray
    velocity: np.ndarray
    pedal: np.ndarray | None = None  # (frames,), from a model with a pedal head


@dataclass
class TranscriptionModel:
    """A model loaded once (weights + card); `posteriors(features)` is all a worker needs."""

    keras_model: keras.Model
    card: dict
    path: Path
    thresholds: Thresholds = field(default_factory=Thresholds)
    overtones: OvertoneFilter | None = None  # the card's, once fitted (services/trainer/overtones.py)
    pitch_shifts: tuple[int, ...] = (0,)  # the card's: semitones the features are moved by, posteriors averaged
    _compiled: object = field(default=None, repr=False)

    @property
    def version(self) -> str:
        return self.card.get("version", self.path.name)

    def notes(self, post: Posteriors, thresholds: Thresholds | None = None) -> list[Note]:
        """The notes decoded from `post` (with `thresholds`, else the card's), less the overtones
        the card's filter hears as notes."""
        notes = decode_notes(post.onset, post.frame, post.velocity, thresholds or self.thresholds)
        return self.overtones.apply(notes, post.onset, post.frame) if self.overtones else notes

    def posteriors(self, features: np.ndarray, *, chunk: int = 512, context: int = 64, batch: int = 4,
                   on_progress: Callable[[float], None] | None = None) -> Posteriors:
        """(frames, 264) features -> posteriors, computed on overlapping windows of chunk + 2*context
        frames whose centres are kept, so memory does not grow with the recording.
        `on_progress(fraction done)` is called after each batch.

        With more than one of the card's `pitch_shifts`, the network hears the recording once per
        shift, moved up that many semitones, and each key's posteriors (and the pedal's) are the
        mean over the hearings that kept the key in range: where one hearing misses a note, the
        other often does not."""
        runs = len(self.pitch_shifts)
        total: dict[str, np.ndarray] = {}
        heard = np.zeros(N_KEYS, np.float32)  # how many hearings kept each key in range
        for i, k in enumerate(self.pitch_shifts):
            progress = None if on_progress is None else (lambda f, i=i: on_progress((i + f) / runs))
            post = self._hear(_transpose(features, k), chunk, context, batch, progress)
            for name in self.output_names:
                value = getattr(post, name)
                value = value if name == PEDAL else _transpose(value, -k, 1)
                total[name] = total.get(name, 0) + value
            heard += _transpose(np.ones((1, N_KEYS), np.float32), -k, 1)[0]
        return Posteriors(**{name: v / runs if name == PEDAL else v / np.maximum(heard, 1) for name, v in total.items()})

    def _hear(self, features: np.ndarray, chunk: int, context: int, batch: int,
              on_progress: Callable[[float], None] | None) -> Posteriors:
        n = len(features)
        starts = list(range(0, max(n, 1), chunk))
        window = chunk + 2 * context
        padded = np.pad(features.astype(np.float32), ((context, window), (0, 0)))
        names = self.output_names
        out = {name: np.zeros((len(starts) * chunk, *([] if name == PEDAL else [N_KEYS])), np.float32)
               for name in names}
        for b in range(0, len(starts), batch):
            group = starts[b:b + batch]
            x = np.zeros((batch, window, N_BINS), np.float32)  # one shape: compiled once
            for i, s in enumerate(group):
                x[i] = padded[s:s + window]
            preds = self._forward(x)
            for name, p in zip(names, preds):
                p = np.asarray(p)[: len(group), context:context + chunk]
                out[name][group[0]:group[0] + len(group) * chunk] = p.reshape(-1, *p.shape[2:])
            if on_progress:
                on_progress(min(1.0, (b + batch) / len(starts)))
        return Posteriors(**{name: out[name][:n] for name in names})

    @property
    def output_names(self) -> tuple[str, ...]:
        """OUTPUTS, and PEDAL for a model with a pedal head, in the network's output order."""
        return tuple(self.keras_model.output_names)

    def _forward(self, x):
        if self._compiled is None:
            import tensorflow as tf

            self._compiled = tf.function(lambda v: self.keras_model(v, training=False), jit_compile=True)
        return self._compiled(x)


def _transpose(x: np.ndarray, semitones: int, per_semitone: int = BINS_PER_SEMITONE) -> np.ndarray:
    """(frames, bins) features or (frames, keys) posteriors moved up `semitones` along the pitch
    axis (down where negative), zero where nothing moves in."""
    shift = semitones * per_semitone
    out = np.zeros_like(x, dtype=np.float32)
    if shift >= 0:
        out[:, shift:] = x[:, :x.shape[1] - shift]
    else:
        out[:, :shift] = x[:, -shift:]
    return out


def save_model(model: keras.Model, directory: str | Path, card: dict) -> Path:
    """Weights and card (with the feature parameters) into a model folder."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_weights(directory / WEIGHTS)
    write_card(directory, card)
    return directory


def load_network(directory: Path, build: Callable[..., keras.Model], what: str) -> tuple[keras.Model, dict]:
    """`build(**card["architecture"])` with the weights of a model folder, and its card; ModelError
    (naming it `what`) when either is missing or unreadable, or the card's features are not ours."""
    weights = directory / WEIGHTS
    if not weights.is_file():
        raise ModelError(f"{what} unavailable: {directory} has no {WEIGHTS}")
    card = read_card(directory)
    check_features(card, directory)
    model = build(**card.get("architecture", {}))
    try:
        model.load_weights(weights)
    except Exception as e:  # h5py and Keras raise many kinds
        raise ModelError(f"{what} {directory.name} unreadable: {e}") from e
    return model, card


def load_model(directory: str | Path | None = None) -> TranscriptionModel:
    """Load weights and card from a model directory (default: tunescribe.cards.default_model_dir);
    refuse one made for other features."""
    directory = Path(directory) if directory else default_model_dir()
    model, card = load_network(directory, build_model, "model")
    return TranscriptionModel(model, card, directory, Thresholds(**card.get("thresholds", {})),
                              OvertoneFilter.from_card(card.get("overtones")), tuple(card.get("pitch_shifts", (0,))))


def build_classifier(base: int = 8) -> keras.Model:
    """Auto's classifier: (batch, PATCH_FRAMES, 264) features -> (batch,) logit of "solo piano".
    The harmonic stack lets the first kernels compare a partial with its overtones (the timbre);
    the poolings widen them over time (how partials start, fade or hold). No batch norm: a
    recording is judged by its own few windows, whose statistics are not a training batch's."""
    from tunescribe.auto import PATCH_FRAMES

    inp = keras.Input((PATCH_FRAMES, N_BINS), name="features")
    x = HarmonicStack(name="harmonic_stack")(inp)
    for channels, pool in ((base, (2, BINS_PER_SEMITONE)), (2 * base, (2, 2)), (4 * base, (2, 2)), (4 * base, (2, 2))):
        x = layers.Conv2D(channels, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D(pool)(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2)(x)
    return keras.Model(inp, layers.Reshape(())(layers.Dense(1)(x)), name="tunescribe_auto")


@dataclass
class InstrumentClassifier:
    """Auto's classifier, loaded: P(solo piano) of a recording from its features."""

    model: keras.Model
    card: dict

    def piano_probability(self, features: np.ndarray) -> float:
        from tunescribe.auto import patches

        logits = np.asarray(self.model(patches(features), training=False))
        return float(1.0 / (1.0 + np.exp(-logits.mean())))

    def instrument(self, features: np.ndarray):
        """Instrument.PIANO or Instrument.ENSEMBLE."""
        from tunescribe.cards import Instrument

        return Instrument.PIANO if self.piano_probability(features) >= 0.5 else Instrument.ENSEMBLE


def load_classifier(directory: str | Path | None = None) -> InstrumentClassifier:
    """Auto's classifier from its folder (default: the shipped one); ModelError when it is missing,
    unreadable or made for other features."""
    from tunescribe.auto import CLASSIFIER_DIR

    return InstrumentClassifier(*load_network(Path(directory or CLASSIFIER_DIR), build_classifier,
                                              "instrument classifier"))
