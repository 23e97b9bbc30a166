"""What goes into a digest: published content new in the period, per theme, newest first, capped."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import update

from exchange.digests.content import Follow, Recipient, collect_content, compose, one_line
from exchange.digests.models import Frequency
from exchange.practices import services as practice_services
from exchange.practices.models import FeedbackMessage, PracticeRevision, Result
from tests.digests.conftest import IN_WEEK, LONG_AGO, WEEK


def recipient(*follows: Follow) -> Recipient:
    return Recipient(1, "key", "lezer@example.org", Frequency.WEEKLY.value, LONG_AGO, tuple(follows))


def follow(theme, regions=(), subscription_id=1, confirmed_at=LONG_AGO) -> Follow:
    return Follow(subscription_id, theme.id, frozenset(r.id for r in regions), confirmed_at)


def kinds(content, theme):
    return [(i.kind, i.title) for i in content.by_theme.get(theme.id, [])]


def test_newly_published_practices_in_the_period_newest_first(cast, publish):
    publish("Oud", WEEK.start - timedelta(seconds=1))
    publish("Eerste", WEEK.start)
    publish("Tweede", IN_WEEK)
    publish("Te laat", WEEK.end)
    content = collect_content(WEEK)
    assert kinds(content, cast.theme) == [("new", "Tweede"), ("new", "Eerste")]


def test_drafts_archived_practices_and_feedback_never_appear(db, cast, make_practice, publish):
    make_practice("Concept")
    archived = publish("Gearchiveerd")
    practice_services.archive_practice(cast.staff, archived)
    db.session.commit()
    db.session.execute(update(PracticeRevision).values(created_at=IN_WEEK))
    visible = publish("Openbaar")
    db.session.add(
        FeedbackMessage(
            practice_id=visible.id, author_id=cast.coach.id, body="Geheim advies", created_at=IN_WEEK
        )
    )
    db.session.commit()
    content = collect_content(WEEK)
    assert kinds(content, cast.theme) == [("new", "Openbaar")]


def edit(db, cast, practice, when, **changes):
    data = practice_services.PracticeData(
        title=changes.get("title", practice.title),
        summary=changes.get("summary", practice.summary),
        body=changes.get("body", practice.body),
        target_group=changes.get("target_group", practice.target_group),
        themes=list(practice.themes),
        phase=practice.phase,
    )
    practice_services.update_practice(cast.staff, practice, data, expected_revision=None)
    db.session.commit()
    db.session.execute(
        update(PracticeRevision)
        .where(PracticeRevision.practice_id == practice.id, PracticeRevision.number == practice.revision)
        .values(created_at=when)
    )
    db.session.commit()


def test_a_substantial_update_counts_a_small_edit_does_not(db, cast, publish):
    changed = publish("Wordt herschreven", LONG_AGO)
    small = publish("Krijgt een doelgroep", LONG_AGO)
    edit(db, cast, changed, IN_WEEK, summary="Een heel nieuwe samenvatting.")
    edit(db, cast, small, IN_WEEK, target_group="Jongeren 12-18")
    content = collect_content(WEEK)
    assert kinds(content, cast.theme) == [("updated", "Wordt herschreven")]


def test_an_edit_undone_within_the_period_is_not_an_update(db, cast, publish):
    practice = publish("Heen en terug", LONG_AGO)
    original = practice.summary
    edit(db, cast, practice, IN_WEEK, summary="Even anders.")
    edit(db, cast, practice, IN_WEEK + timedelta(hours=1), summary=original)
    assert kinds(collect_content(WEEK), cast.theme) == []


def test_new_results_on_published_practices(db, cast, publish, make_practice):
    practice = publish("Met resultaat", LONG_AGO)
    draft = make_practice("Concept met resultaat")
    for target in (practice, draft):
        result = practice_services.add_result(
            cast.staff,
            target,
            practice_services.ResultData(
                indicator="Thuiszitters",
                value=Decimal("12.5"),
                measured_on=date(2025, 3, 1),
                phase=cast.phases[0],
                unit="kinderen",
                narrative="Minder dan vorig jaar.",
            ),
        )
        db.session.commit()
        db.session.execute(update(Result).where(Result.id == result.id).values(created_at=IN_WEEK))
        db.session.commit()
    content = collect_content(WEEK)
    items = content.by_theme[cast.theme.id]
    assert [(i.kind, i.title) for i in items] == [("result", "Met resultaat")]
    assert [m.line for m in items[0].results] == ["Thuiszitters: 12,5 kinderen. Minder dan vorig jaar."]
    assert items[0].results[0].line_en == "Thuiszitters: 12.5 kinderen. Minder dan vorig jaar."


def _add_result(db, cast, practice, indicator: str, at) -> None:
    result = practice_services.add_result(
        cast.staff,
        practice,
        practice_services.ResultData(
            indicator=indicator,
            value=Decimal(3),
            measured_on=date(2025, 3, 1),
            phase=cast.phases[0],
            unit="",
            narrative="",
        ),
    )
    db.session.commit()
    db.session.execute(update(Result).where(Result.id == result.id).values(created_at=at))
    db.session.commit()


def test_a_practice_is_listed_once_with_its_new_measurements_under_it(db, cast, publish):
    practice = publish("Nieuw met metingen", IN_WEEK)
    other = publish("Alleen metingen", LONG_AGO)
    for n, target in enumerate([practice, practice, other, other, other]):
        _add_result(db, cast, target, f"Meting {n}", IN_WEEK + timedelta(minutes=n + 1))
    content = collect_content(WEEK)
    items = content.by_theme[cast.theme.id]
    assert [(i.kind, i.title) for i in items] == [
        ("result", "Alleen metingen"),
        ("new", "Nieuw met metingen"),
    ]
    assert [m.line for m in items[0].results] == ["Meting 4: 3", "Meting 3: 3", "Meting 2: 3"]
    assert [m.line for m in items[1].results] == ["Meting 1: 3", "Meting 0: 3"]
    assert content.item_count == 2
    digest = compose(content, recipient(follow(cast.theme)), limit=5)
    assert digest.item_count == 2


def test_a_digest_has_a_section_per_followed_theme_with_region_and_phase(cast, publish):
    publish("Onderwijs", IN_WEEK, themes=[cast.theme])
    publish("Pleegzorg", IN_WEEK, themes=[cast.other_theme])
    content = collect_content(WEEK)
    digest = compose(
        content, recipient(follow(cast.theme), follow(cast.other_theme, subscription_id=2)), limit=5
    )
    assert [s.theme.id for s in digest.sections] == sorted(
        [cast.theme.id, cast.other_theme.id], key=lambda t: content.themes[t].position
    )
    item = digest.sections[0].items[0]
    assert item.region == cast.region.display_name and item.phase == cast.phases[0].name
    assert item.url.startswith("http://127.0.0.1:5000/praktijken/")


def test_regions_narrow_a_section(cast, publish):
    publish("Hier", IN_WEEK)
    publish("Daar", IN_WEEK, region=cast.other_region, actor=cast.other_staff)
    content = collect_content(WEEK)
    digest = compose(content, recipient(follow(cast.theme, regions=[cast.other_region])), limit=5)
    assert [i.title for i in digest.sections[0].items] == ["Daar"]
    assert digest.sections[0].region_names == [cast.other_region.display_name]
    assert digest.sections[0].more_url.endswith(f"?regio={cast.other_region.slug}")


def test_long_sections_are_capped_with_the_rest_counted(cast, publish):
    for n in range(7):
        publish(f"Praktijk {n}", IN_WEEK + timedelta(minutes=n))
    digest = compose(collect_content(WEEK), recipient(follow(cast.theme)), limit=5)
    section = digest.sections[0]
    assert [i.title for i in section.items] == [f"Praktijk {n}" for n in range(6, 1, -1)]
    assert section.more == 2 and section.more_url == f"http://127.0.0.1:5000/themas/{cast.theme.slug}"


def test_nothing_new_means_no_digest(cast, publish):
    publish("Ander thema", IN_WEEK, themes=[cast.other_theme])
    assert compose(collect_content(WEEK), recipient(follow(cast.theme)), limit=5) is None


def test_a_subscription_confirmed_after_the_period_waits_for_the_next(cast, publish):
    publish("Nieuw", IN_WEEK)
    late = follow(cast.theme, confirmed_at=WEEK.end)
    assert compose(collect_content(WEEK), recipient(late), limit=5) is None


def test_one_line_summaries():
    assert one_line("  twee\n regels  ") == "twee regels"
    long = "woord " * 60
    cut = one_line(long)
    assert len(cut) <= 160 and cut.endswith("…") and not cut.endswith(" …")
