"""How many threads LightGBM trains with: one on small data, the caller's choice otherwise."""

from __future__ import annotations

from arrears.scoring.train import SMALL_DATA, TrainingConfig, _params, threads_for


def test_small_data_trains_on_one_thread_and_larger_data_on_openmps_default() -> None:
    config = TrainingConfig()
    assert threads_for(config, 3_000) == 1
    assert threads_for(config, SMALL_DATA - 1) == 1
    assert threads_for(config, SMALL_DATA) == 0  # LightGBM: OpenMP's default (OMP_NUM_THREADS or cores)


def test_a_chosen_number_of_threads_is_kept_whatever_the_rows() -> None:
    config = TrainingConfig(threads=3)
    assert threads_for(config, 10) == 3
    assert _params(config, config.features, 1_000_000)["num_threads"] == 3


def test_the_threads_do_not_enter_the_models_parameters_on_its_card() -> None:
    assert "num_threads" not in TrainingConfig().params
