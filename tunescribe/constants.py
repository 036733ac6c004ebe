"""Numbers shared by training and inference; a model card records them and loading checks them."""

SAMPLE_RATE = 16_000  # Hz; the highest piano fundamental (C8, 4186 Hz) stays below Nyquist
HOP_LENGTH = 512  # samples: 32 ms frames; onsets are refined between frames, well inside 50 ms
BINS_PER_SEMITONE = 3
LOWEST_MIDI = 21  # A0
N_KEYS = 88  # A0..C8
N_BINS = N_KEYS * BINS_PER_SEMITONE  # 264 constant-Q bins, the centre bin of each key on its pitch
FMIN_HZ = 27.5 * 2 ** (-1 / 36)  # a third of a semitone below A0, so key k owns bins 3k..3k+2

DB_RANGE = (-70.0, 30.0)  # log-magnitude window mapped to [0, 1]

FRAMES_PER_SECOND = SAMPLE_RATE / HOP_LENGTH  # 31.25

MAX_DURATION_S = 20 * 60  # default cap on an input recording


def feature_params() -> dict:
    """The feature settings a model was trained with (stored in its card, checked on load)."""
    return {
        "kind": "log-cqt",
        "sample_rate": SAMPLE_RATE,
        "hop_length": HOP_LENGTH,
        "bins_per_semitone": BINS_PER_SEMITONE,
        "n_bins": N_BINS,
        "fmin_hz": round(FMIN_HZ, 6),
        "lowest_midi": LOWEST_MIDI,
        "n_keys": N_KEYS,
        "db_range": list(DB_RANGE),
    }
