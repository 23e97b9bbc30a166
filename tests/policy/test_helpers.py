"""Role helpers shared by every rule module, and the contact/coach queries used on theme and region pages."""

from __future__ import annotations

from sqlalchemy import select

from exchange.accounts.queries import coaches_for_region, functionaries_for_theme
from exchange.policy.accounts import coached_pairs, coaches, is_admin, is_staff_of
from exchange.reference.models import Region, Theme


def ids(db):
    regions = {r.code: r.id for r in db.session.scalars(select(Region))}
    themes = {t.slug: t.id for t in db.session.scalars(select(Theme))}
    return regions, themes


def test_staff_belong_to_exactly_their_region(reference, db, make_user):
    regions, _ = ids(db)
    staff = make_user("staff", region="JZ01")
    assert is_staff_of(staff, regions["JZ01"]) and not is_staff_of(staff, regions["JZ02"])
    assert not is_staff_of(None, regions["JZ01"]) and not is_admin(staff) and not is_admin(None)


def test_coaches_counts_theme_and_all_theme_assignments(reference, db, make_user):
    regions, themes = ids(db)
    single = make_user("functionary", themes=["onderwijs-zorg"], coaches=[("JZ01", "onderwijs-zorg")])
    broad = make_user(
        "functionary", themes=["onderwijs-zorg", "pleegzorg-gezinshuizen"], coaches=[("JZ02", None)]
    )
    staff = make_user("staff", region="JZ01")
    oz, pg, other = themes["onderwijs-zorg"], themes["pleegzorg-gezinshuizen"], themes["ambulantisering"]
    assert coaches(single, regions["JZ01"], [oz])
    assert coaches(single, regions["JZ01"], [pg, oz])
    assert not coaches(single, regions["JZ01"], [pg])
    assert not coaches(single, regions["JZ02"], [oz])
    assert coaches(broad, regions["JZ02"], [pg]) and coaches(broad, regions["JZ02"], [oz])
    assert not coaches(broad, regions["JZ02"], [other])  # "all themes" means all of *their* themes
    assert not coaches(staff, regions["JZ01"], [oz]) and not coaches(None, regions["JZ01"], [oz])
    assert not coaches(single, regions["JZ01"], [])


def test_coached_pairs_expands_all_themes_in_one_query(reference, db, make_user, query_counter):
    regions, themes = ids(db)
    coach = make_user(
        "functionary",
        themes=["onderwijs-zorg", "pleegzorg-gezinshuizen"],
        coaches=[("JZ01", "onderwijs-zorg"), ("JZ02", None)],
    )
    with query_counter() as counter:
        pairs = coached_pairs(coach)
    assert counter.count <= 2
    assert pairs == {
        (regions["JZ01"], themes["onderwijs-zorg"]),
        (regions["JZ02"], themes["onderwijs-zorg"]),
        (regions["JZ02"], themes["pleegzorg-gezinshuizen"]),
    }
    assert coached_pairs(make_user("staff")) == set() and coached_pairs(None) == set()


def test_theme_contacts_are_active_linked_functionaries(reference, db, make_user):
    _, themes = ids(db)
    anna = make_user("functionary", themes=["onderwijs-zorg"], name="Anna")
    make_user("functionary", themes=["onderwijs-zorg"], name="Bram", active=False)
    make_user("functionary", themes=["pleegzorg-gezinshuizen"], name="Carla")
    assert functionaries_for_theme(themes["onderwijs-zorg"]) == [anna]


def test_region_coaches_list_person_and_theme(reference, db, make_user, query_counter):
    regions, _themes = ids(db)
    anna = make_user(
        "functionary", themes=["onderwijs-zorg"], coaches=[("JZ01", "onderwijs-zorg")], name="Anna"
    )
    bram = make_user("functionary", themes=["pleegzorg-gezinshuizen"], coaches=[("JZ01", None)], name="Bram")
    make_user("functionary", themes=["onderwijs-zorg"], coaches=[("JZ02", None)], name="Elders")
    with query_counter() as counter:
        result = coaches_for_region(regions["JZ01"])
        names = [
            (user.name, theme.slug if theme else None, [t.slug for t in user.themes])
            for user, theme in result
        ]
    assert counter.count <= 2
    assert names == [
        ("Anna", "onderwijs-zorg", ["onderwijs-zorg"]),
        ("Bram", None, ["pleegzorg-gezinshuizen"]),
    ]
    assert [u for u, _ in result] == [anna, bram]
