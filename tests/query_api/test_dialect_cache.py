"""``translate`` remembers recent answers: the same text gives the same answer, variables still count."""

from __future__ import annotations

import pytest

from hearth_query_api.dialect import translate
from hearth_query_api.errors import QueryRejected

SQL = "select count() from records where time_bucket($resolution, start_timestamp) is not null"


def test_same_text_same_answer_and_variables_are_part_of_the_question() -> None:
    minute = translate(SQL, variables={"resolution": "1 minute"})
    assert translate(SQL, variables={"resolution": "1 minute"}) == minute
    hour = translate(SQL, variables={"resolution": "1 hour"})
    assert "1 hour" in hour.sql
    assert "1 minute" in minute.sql


def test_a_rejected_query_fails_every_time() -> None:
    for _ in range(2):
        with pytest.raises(QueryRejected):
            translate(SQL)  # $resolution is not given
