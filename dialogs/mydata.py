"""'mina uppgifter' / 'my data': what is stored about the person, and the way to the tab that shows and
downloads all of it (the export itself happens there, audited, through store.privacy.export_person)."""

from __future__ import annotations

from cards.mydata import my_data_card
from dialogs.turn import Reply, Turn
from store.reports import stored_counts


def show_my_data(turn: Turn) -> Reply:
    assessments, plans = stored_counts(turn.session, person_id=turn.person.id)
    return Reply.of(my_data_card(turn.lang, url=turn.config.my_data_url, assessments=assessments, plans=plans))
