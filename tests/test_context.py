"""What handlers share: Deps (frozen) and the record of callback queries answered."""

from __future__ import annotations

import dataclasses

import pytest
from telegram import Update

from bot.context import CallbackAnswers, Deps


def tap(query_id: str) -> Update:
    user = {"id": 1, "is_bot": False, "first_name": "A"}
    return Update.de_json({"update_id": 1, "callback_query": {"id": query_id, "from": user, "chat_instance": "1",
                                                              "data": "m"}}, None)


def test_a_query_is_answered_once_until_its_update_ends():
    answers = CallbackAnswers()
    assert answers.claim("q1") and not answers.claim("q1")
    assert answers.claim("q2")
    answers.forget(tap("q1"))  # its update was handled: the id is not kept
    assert answers.claim("q1")
    answers.forget(object())  # not an update: nothing to forget


def test_the_record_stays_bounded_without_forgetting():
    answers = CallbackAnswers(kept=3)
    for i in range(5):
        assert answers.claim(f"q{i}")
    assert answers.claim("q0")  # the oldest went
    assert not answers.claim("q4")


def test_deps_cannot_be_changed_after_start_up():
    deps = Deps(settings=None, i18n=None, db=None, panel=None, catalogues=None, track_soon=lambda: None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        deps.track_soon = print  # type: ignore[misc]
