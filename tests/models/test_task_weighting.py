"""Task weightings against values computed by hand, step by step."""
import math

import pytest
import torch
from mmengine.logging import MessageHub

from micronet_dense.models.losses import (DynamicWeightAverage, FixedTaskWeighting,
                                          UncertaintyTaskWeighting)
from micronet_dense.registry import MODELS


def scalars(**values):
    return {task: torch.tensor(value, dtype=torch.float32) for task, value in values.items()}


def test_fixed_weights_and_defaults():
    weighting = MODELS.build(dict(type='FixedTaskWeighting', tasks=['seg', 'depth'],
                                  weights=dict(depth=0.25)))
    terms = weighting(scalars(seg=2.0, depth=4.0))
    assert {k: float(v) for k, v in terms.items()} == {'seg': 2.0, 'depth': 1.0}
    assert {k: float(v) for k, v in weighting.weights().items()} == {'seg': 1.0, 'depth': 0.25}
    assert set(weighting(scalars(depth=4.0))) == {'depth'}  # unlabelled seg: no term
    with pytest.raises(KeyError, match=r"weights given for unknown tasks \['normals'\]"):
        FixedTaskWeighting(['seg'], weights=dict(normals=1.0))
    with pytest.raises(KeyError, match=r"losses of unknown tasks \['normals'\]"):
        weighting(scalars(normals=1.0))
    with pytest.raises(ValueError, match='distinct names'):
        FixedTaskWeighting(['seg', 'seg'])


def test_uncertainty_weighting_equals_hand_computed_sgd_steps():
    # term = exp(-s) L + s, d term / d s = 1 - exp(-s) L; s starts at 0; SGD with lr 0.1.
    weighting = UncertaintyTaskWeighting(['seg', 'depth'])
    optimizer = torch.optim.SGD(weighting.parameters(), lr=0.1)
    losses = dict(seg=3.0, depth=0.5)
    expected_s = dict(seg=0.0, depth=0.0)
    for _ in range(3):
        terms = weighting(scalars(**losses))
        for task, term in terms.items():
            s = expected_s[task]
            assert float(term.detach()) == pytest.approx(math.exp(-s) * losses[task] + s, abs=1e-6)
            assert float(weighting.weights()[task]) == pytest.approx(math.exp(-s), abs=1e-6)
        optimizer.zero_grad()
        sum(terms.values()).backward()
        optimizer.step()
        expected_s = {t: s - 0.1 * (1 - math.exp(-s) * losses[t]) for t, s in expected_s.items()}
    assert weighting.log_variances.tolist() == pytest.approx(
        [expected_s['seg'], expected_s['depth']], abs=1e-6)
    # The first step by hand: s_seg = 0.1 * (3 - 1), s_depth = -0.1 * (1 - 0.5).
    assert expected_s['seg'] > 0.2 and expected_s['depth'] < -0.05


def test_uncertainty_weighting_converges_to_the_inverse_loss():
    weighting = UncertaintyTaskWeighting(['seg', 'depth'])
    optimizer = torch.optim.SGD(weighting.parameters(), lr=0.2)
    for _ in range(300):
        optimizer.zero_grad()
        sum(weighting(scalars(seg=4.0, depth=0.5)).values()).backward()
        optimizer.step()
    # argmin_s exp(-s) L + s = log L.
    assert weighting.log_variances.tolist() == pytest.approx([math.log(4.0), math.log(0.5)],
                                                             abs=1e-4)
    assert float(weighting.weights()['seg']) == pytest.approx(0.25, abs=1e-4)


def test_uncertainty_weighting_of_an_unlabelled_task_is_a_zero_through_its_log_variance():
    weighting = UncertaintyTaskWeighting(['seg', 'depth'], init_log_variance=0.5)
    terms = weighting(scalars(seg=2.0))
    assert float(terms['depth'].detach()) == 0.0
    sum(terms.values()).backward()
    assert weighting.log_variances.grad.tolist() == pytest.approx(
        [1 - math.exp(-0.5) * 2.0, 0.0], abs=1e-6)


def dwa(epoch_losses, temperature=2.0):
    """DWA weights of each epoch fed with per-iteration ``epoch_losses`` (a list per epoch)."""
    weighting = DynamicWeightAverage(['seg', 'depth'], temperature=temperature)
    seen = []
    for epoch, iterations in enumerate(epoch_losses):
        in_epoch = []
        for losses in iterations:
            terms = weighting(scalars(**losses), epoch=epoch)
            in_epoch.append({k: float(v) for k, v in weighting.weights().items()})
            for task, term in terms.items():
                assert float(term) == pytest.approx(in_epoch[-1][task] * losses[task], abs=1e-6)
        assert all(w == in_epoch[0] for w in in_epoch)  # constant within an epoch
        seen.append(in_epoch[0])
    return seen, weighting


def hand_weights(ratios, temperature=2.0):
    exps = [math.exp(r / temperature) for r in ratios]
    return [len(ratios) * e / sum(exps) for e in exps]


def test_dwa_equals_hand_computed_weights_over_epochs():
    epochs = [
        [dict(seg=2.0, depth=4.0), dict(seg=4.0, depth=2.0)],  # means 3, 3
        [dict(seg=1.0, depth=3.0), dict(seg=2.0, depth=3.0)],  # means 1.5, 3
        [dict(seg=1.5, depth=1.0), dict(seg=1.5, depth=2.0)],  # means 1.5, 1.5
        [dict(seg=1.0, depth=1.0)],
    ]
    weights, _ = dwa(epochs)
    assert weights[0] == weights[1] == {'seg': 1.0, 'depth': 1.0}
    # Epoch 2: r = (1.5 / 3, 3 / 3); epoch 3: r = (1.5 / 1.5, 1.5 / 3).
    for epoch, ratios in ((2, [0.5, 1.0]), (3, [1.0, 0.5])):
        assert [weights[epoch]['seg'], weights[epoch]['depth']] == pytest.approx(
            hand_weights(ratios), abs=1e-6)
    assert weights[2]['seg'] == pytest.approx(2 * math.exp(0.25) / (math.exp(0.25) + math.exp(0.5)),
                                              abs=1e-6)


def test_dwa_temperature_and_a_task_unlabelled_for_an_epoch():
    epochs = [
        [dict(seg=2.0, depth=1.0)],
        [dict(seg=1.0)],  # no depth label in the whole epoch: r_depth = 1
        [dict(seg=1.0, depth=1.0)],
    ]
    weights, _ = dwa(epochs, temperature=0.5)
    assert [weights[2]['seg'], weights[2]['depth']] == pytest.approx(
        hand_weights([0.5, 1.0], temperature=0.5), abs=1e-6)


def test_dwa_reads_the_runner_epoch_and_survives_a_checkpoint():
    hub = MessageHub.get_instance('dwa_test')
    losses = [scalars(seg=2.0, depth=2.0), scalars(seg=1.0, depth=2.0)]
    weighting = DynamicWeightAverage(['seg', 'depth'])
    for epoch in range(2):
        hub.update_info('epoch', epoch)
        weighting(losses[epoch])
    restored = DynamicWeightAverage(['seg', 'depth'])
    restored.load_state_dict(weighting.state_dict())
    hub.update_info('epoch', 2)
    restored(losses[1])
    assert [float(w) for w in restored.weights().values()] == pytest.approx(
        hand_weights([0.5, 1.0]), abs=1e-6)


def test_dwa_without_epoch_and_bad_temperature_are_errors():
    weighting = DynamicWeightAverage(['seg'])
    hub = MessageHub.get_instance('dwa_no_epoch')  # the current instance, without 'epoch'
    assert hub.get_info('epoch') is None
    with pytest.raises(RuntimeError, match='needs the epoch'):
        weighting(scalars(seg=1.0))
    with pytest.raises(ValueError, match='temperature must be > 0'):
        DynamicWeightAverage(['seg'], temperature=0)
