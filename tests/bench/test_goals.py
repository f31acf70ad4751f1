"""A goal that changes with the scale: the issue's numbers at the scales it names."""

from __future__ import annotations

from bench.suite import GOALS, Goal


def test_a_goal_holds_from_its_scale_on():
    goal = Goal("incremental", 0.3, "<=", from_scale=((1_000_000, 0.1), (5_000_000, 0.05)))
    assert [goal.at(n) for n in (2_000, 999_999, 1_000_000, 4_000_000, 5_000_000)] == [
        0.3,
        0.3,
        0.1,
        0.1,
        0.05,
    ]


def test_issue_19s_goals_at_the_scales_it_names():
    # Issue 19: incremental / full at most 0.3 at 100,000 accounts and 0.1 at 1,000,000;
    # dbt build / compiled SQL at most 2.5 at 10,000, the earlier 1.3 kept from 100,000.
    assert GOALS["incremental_vs_full"].at(100_000) == 0.3
    assert GOALS["incremental_vs_full"].at(1_000_000) == 0.1
    assert GOALS["dbt_build_vs_compiled_sql"].at(10_000) == 2.5
    assert GOALS["dbt_build_vs_compiled_sql"].at(100_000) == 1.3
    assert GOALS["dbt_build_vs_compiled_sql"].at(1_000_000) == 1.3
