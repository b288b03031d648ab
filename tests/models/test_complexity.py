"""Per-task costs of a multi-task complexity report: the shared backbone counted once per task."""
from micronet_dense.models.complexity import single_task_costs


def test_each_task_alone_costs_the_shared_rows_plus_its_head():
    report = {'stages': [('backbone.stem', 1, 10), ('backbone.stage1', 2, 20),
                         ('tasks.seg', 5, 50), ('tasks.depth', 7, 70),
                         ('task_weighting', 2, 0)]}  # learned log-variances: no single model's
    assert single_task_costs(report) == {'seg': (8, 80), 'depth': (10, 100)}
    assert single_task_costs({'stages': [('backbone.stem', 1, 10), ('decode_head', 4, 40)]}) == {}
