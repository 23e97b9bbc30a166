"""Import every domain's models so the metadata (migrations, create_all) knows all tables."""
from exchange.accounts.models import CoachingAssignment, FunctionaryTheme, User  # noqa: F401
from exchange.reference.models import (  # noqa: F401
    ActionLine,
    CyclePhase,
    Fund,
    FundAllocation,
    Region,
    Source,
    Theme,
    TransformationPlan,
)
