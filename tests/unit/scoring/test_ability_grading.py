"""The ability sub-score as file mode grades it (only when a strategy segments by it) is store mode's,
to the bit, whatever the rows graded together: an account at a segment's edge never lands apart."""

from __future__ import annotations

import numpy as np
from scoring_fitted import Fitted

from arrears.scoring.features import feature_frame


def test_grading_gives_the_ability_of_the_score_matrix_to_the_bit(fitted: Fitted) -> None:
    model = fitted.model
    matrix = feature_frame(fitted.accounts, model.features).to_numpy(order="fortran")

    whole = model.score_matrix(matrix)
    graded = model.grade(matrix, ability=True)
    one_by_one = np.concatenate(
        [model.grade(matrix[row : row + 1], ability=True)["ability"] for row in range(200)]
    )

    assert np.array_equal(whole["ability"], graded["ability"])
    assert np.array_equal(whole["ability"][:200], one_by_one)  # a Spark partition of one account
    assert np.array_equal(whole["p_default"], graded["p_default"])
    assert np.unique(np.rint(whole["ability"])).size > 10  # the cardholders differ in what they can pay
    assert "ability" not in model.grade(matrix)  # without it, grading costs what it did
