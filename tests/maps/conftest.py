"""Map tests reuse the practice fixtures: a cast of people around Rijnmond and a practice factory."""

from tests.practices.conftest import cast, make_practice  # noqa: F401  (fixtures, used by name)
