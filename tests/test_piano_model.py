"""The piano model: the U-Net with a sustain-pedal head learns, and its posteriors carry the pedal."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tunescribe.model import OUTPUTS, PEDAL, TranscriptionModel, build_model, compile_model
from tunescribe.pedal import PedalSpan, pedal_roll, spans_from_roll


@pytest.mark.parametrize("pedal_fine", [False, True])
def test_one_training_step_lowers_the_pedal_loss_and_posteriors_carry_the_pedal(tmp_path, pedal_fine):
    keras.utils.set_random_seed(0)  # the same start every run: from some random starts five steps were too few
    model = compile_model(build_model(base=8, pedal=True, pedal_fine=pedal_fine))
    assert tuple(model.output_names) == (*OUTPUTS, PEDAL)
    rng = np.random.default_rng(0)
    x = rng.random((4, 128, 264), np.float32)
    pedal = np.stack([pedal_roll([PedalSpan(0.5, 3.0)], 128)] * 4)
    ys = {name: np.zeros((4, 128, 88), np.float32) for name in OUTPUTS} | {PEDAL: pedal}
    # the training loss (in inference mode, batch norm's running statistics still lag 20 steps behind)
    losses = [model.train_on_batch(x, ys, return_dict=True)[f"{PEDAL}_loss"] for _ in range(20)]
    assert losses[-1] < 0.8 * losses[0], losses

    post = TranscriptionModel(model, {}, tmp_path).posteriors(rng.random((700, 264), np.float32))
    assert post.onset.shape == (700, 88) and post.pedal.shape == (700,)
    assert ((0 <= post.pedal) & (post.pedal <= 1)).all()


def test_pedal_spans_come_back_from_their_roll():
    spans = [PedalSpan(0.5, 2.0), PedalSpan(3.0, 3.05), PedalSpan(4.0, 6.0, 0.6)]
    back = spans_from_roll(pedal_roll(spans, 250), threshold=0.5, min_s=0.1)
    assert [(round(s.start_s, 1), round(s.end_s, 1)) for s in back] == [(0.5, 2.0), (4.0, 6.0)]  # 50 ms: no pedal
    assert abs(back[1].depth - 0.6) < 1e-4


def test_a_piano_run_trains_the_pedal_head_and_cards_a_piano_model(tmp_path):
    """Two short works rendered by the piano corpus builder (the pedal included), one short epoch:
    the model has a pedal head, its card says piano, and its test scores are there."""
    import json

    from services.trainer import corpus
    from services.trainer.train import finish, train
    from tunescribe.cards import Instrument, instrument_of, read_card

    out = tmp_path / "corpus"
    rows = corpus.build(out, 0, processes=1, works=["bach/bwv66.6.mxl", "ryansMammoth/DustyMillersJig.abc"],
                        piano=True)
    assert rows and all(r.get("instrument") == "piano" for r in rows)
    for split in ("train", "validation", "test"):  # every rendition in every split: a smoke test, not a measure
        (out / split).mkdir(exist_ok=True)
        for r in rows:
            src = out / r["split"] / f"{r['id']}.npz"
            if not (out / split / src.name).exists():
                (out / split / src.name).symlink_to(src)
    (out / "manifest.json").write_text(json.dumps([{**r, "split": s} for r in rows for s in ("train", "validation", "test")]))

    model, state = train(out, tmp_path / "run", minutes=30, epochs=1, steps_per_epoch=2, batch=2,
                         instrument=Instrument.PIANO, architecture={"base": 8, "pedal": True}, log=lambda m: None)
    assert PEDAL in model.keras_model.output_names and state["history"][0]["loss"] > 0
    card = finish(model, state, out, tmp_path / "tsunet-piano-test", "tsunet-piano-test", log=lambda m: None)
    assert instrument_of(read_card(tmp_path / "tsunet-piano-test")) == Instrument.PIANO
    assert card["architecture"]["pedal"] and "note_offset_f1" in card["test"]["all"]

    # a pedal-only continuation with the frame-rate pedal head: the pedal head learns, the notes stay
    pedal_model, state = train(out, tmp_path / "run-pedal", minutes=30, epochs=1, steps_per_epoch=2, batch=2,
                               instrument=Instrument.PIANO, architecture={"base": 8, "pedal": True, "pedal_fine": True},
                               init_weights=tmp_path / "tsunet-piano-test" / "model.weights.h5", only=(PEDAL,),
                               log=lambda m: None)
    features = np.random.default_rng(0).random((300, 264), np.float32)
    before, after = model.posteriors(features), pedal_model.posteriors(features)
    assert all(np.array_equal(getattr(before, name), getattr(after, name)) for name in OUTPUTS)
    assert not np.allclose(before.pedal, after.pedal)
    pedal_card = finish(pedal_model, state, out, tmp_path / "tsunet-piano-pedal", "tsunet-piano-pedal", log=lambda m: None)
    assert pedal_card["training"]["train_only"] == [PEDAL] and pedal_card["architecture"]["pedal_fine"]
    assert (pedal_card["thresholds"], pedal_card["overtones"]) == (card["thresholds"], card["overtones"])

    # an onset refinement over that model starts as its onset head, and only the onsets learn
    refine = {"base": 8, "pedal": True, "pedal_fine": True, "onset_refine": True}
    start = build_model(**refine)
    start.load_weights(tmp_path / "tsunet-piano-pedal" / "model.weights.h5", skip_mismatch=True)
    assert np.allclose(TranscriptionModel(start, {}, tmp_path).posteriors(features).onset, after.onset, atol=1e-5)
    refined, state = train(out, tmp_path / "run-onset", minutes=30, epochs=1, steps_per_epoch=2, batch=2,
                           instrument=Instrument.PIANO, architecture=refine, only=("onset",), log=lambda m: None,
                           init_weights=tmp_path / "tsunet-piano-pedal" / "model.weights.h5")
    post = refined.posteriors(features)
    assert all(np.array_equal(getattr(after, name), getattr(post, name)) for name in (*OUTPUTS[1:], PEDAL))
    assert not np.allclose(post.onset, after.onset)

    # the attack branch over the refined model starts as its onsets (the refinement's weights keep their
    # names), and learns with the refinement while the rest stays
    refined.keras_model.save_weights(tmp_path / "refined.weights.h5")
    attack = {**refine, "onset_attack": True}
    start = build_model(**attack)
    start.load_weights(tmp_path / "refined.weights.h5", skip_mismatch=True)
    assert np.allclose(TranscriptionModel(start, {}, tmp_path).posteriors(features).onset, post.onset, atol=1e-6)
    attacked, _ = train(out, tmp_path / "run-attack", minutes=30, epochs=1, steps_per_epoch=2, batch=2,
                        instrument=Instrument.PIANO, architecture=attack, only=("onset",), log=lambda m: None,
                        init_weights=tmp_path / "refined.weights.h5")
    last = attacked.posteriors(features)
    assert all(np.array_equal(getattr(post, name), getattr(last, name)) for name in (*OUTPUTS[1:], PEDAL))
    assert not np.allclose(last.onset, post.onset)


def test_the_shipped_piano_model_hears_a_pedalled_passage_and_the_score_marks_the_pedal(tmp_path):
    """Three generated piano passages, played with the sustain pedal and rendered with FluidSynth:
    the shipped piano model finds their notes (mean note F1 >= 0.9, offsets as the pedal holds
    them), and the MusicXML marks the pedal (Ped. ___|)."""
    import soundfile as sf

    from services.trainer.piano import perform_piano
    from services.trainer.piano_textures import generated_score
    from services.trainer.render import Part, Renderer, piano
    from tunescribe.cards import Instrument, default_model_dir
    from tunescribe.evaluate import score_notes
    from tunescribe.model import load_model
    from tunescribe.pedal import sounding
    from tunescribe.pipeline import transcribe_file

    model = load_model(default_model_dir(Instrument.PIANO))
    assert model.card["instrument"] == "piano"
    renderer, f1s = Renderer(), []
    for seed in (100, 101, 102):
        rng = np.random.default_rng(seed)
        played = perform_piano(generated_score(rng, quarters=48.0), rng)
        assert played.pedal
        y = renderer.render_part(Part(piano(0, 0), played.notes, played.pedal, 0.0), "fluidr3_gm", rng)
        sf.write(tmp_path / f"{seed}.wav", y / np.abs(y).max() * 0.8, 16000)
        out = transcribe_file(tmp_path / f"{seed}.wav", tmp_path, str(seed), model=model)
        f1s.append(score_notes(sounding(played.notes, played.pedal), sounding(out.notes, out.pedal)).note_f1)
        assert out.pedal and "<pedal" in (tmp_path / f"{seed}.musicxml").read_text()
    assert np.mean(f1s) >= 0.9, f1s


def test_a_second_hearing_a_semitone_up_averages_each_key_with_the_first(tmp_path):
    """pitch_shifts (0, 1): the network hears the features as they are and moved up three bins; each
    key's posteriors are the mean of its own in the first hearing and the key above's in the second,
    the top key (out of range a semitone up) keeps the first hearing's, the pedal is the mean."""
    keras.utils.set_random_seed(0)
    net = build_model(base=8, pedal=True)
    features = np.random.default_rng(1).random((300, 264), np.float32)
    once = TranscriptionModel(net, {}, tmp_path).posteriors(features)
    up = np.zeros_like(features)
    up[:, 3:] = features[:, :-3]
    moved = TranscriptionModel(net, {}, tmp_path).posteriors(up)
    both = TranscriptionModel(net, {}, tmp_path, pitch_shifts=(0, 1)).posteriors(features)
    assert np.allclose(both.onset[:, :87], (once.onset[:, :87] + moved.onset[:, 1:]) / 2, atol=1e-6)
    assert np.allclose(both.frame[:, 87], once.frame[:, 87], atol=1e-6)
    assert np.allclose(both.pedal, (once.pedal + moved.pedal) / 2, atol=1e-6)
    assert not np.allclose(both.onset, once.onset, atol=1e-3)  # the second hearing is not the first
