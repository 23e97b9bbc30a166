"""Import every domain's models so the metadata (migrations, create_all) knows all tables."""

from exchange.accounts.models import (  # noqa: F401
    AccountToken,
    AuditEvent,
    CoachingAssignment,
    FunctionaryTheme,
    PasswordResetRequest,
    User,
    UserSession,
)
from exchange.accounts.twofactor.models import RecoveryCode, TwoFactor  # noqa: F401
from exchange.caching import signins  # noqa: F401  (the people triggers of a schema made from the models)
from exchange.caching.models import DataVersion  # noqa: F401
from exchange.digests.models import (  # noqa: F401
    Consent,
    Delivery,
    DigestRun,
    Subscriber,
    Subscription,
)
from exchange.documents.models import Document, DocumentPage  # noqa: F401
from exchange.jobs import JobLease  # noqa: F401
from exchange.mail.models import OutgoingMail  # noqa: F401
from exchange.practices import tally  # noqa: F401  (the count triggers of a schema made from the models)
from exchange.practices.models import (  # noqa: F401
    CycleStep,
    FeedbackMessage,
    Organisation,
    Practice,
    PracticeLink,
    PracticePartner,
    PracticeRevision,
    Result,
)
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
from exchange.search.models import SearchMiss, SearchOutbox, SearchSynonym  # noqa: F401
