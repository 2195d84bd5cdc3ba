"""Every table, imported in one place so Alembic and relationships see them all."""

from app.models.accounts import (
    ROLES,
    Account,
    AuthSession,
    FormerHandle,
    IdempotencyRecord,
    MemberKey,
    RecoveryCode,
    RetiredHandle,
    SignIn,
    TrustedDevice,
)
from app.models.base import SQLModel
from app.models.checkins import Checkin, ProgressSummary, Track
from app.models.directory import (
    CrisisLine,
    Organization,
    SecretLocation,
    Service,
    ServiceAtLocation,
    ServiceHours,
    ServiceLanguage,
    ServiceTerm,
    Taxonomy,
    TaxonomyTerm,
)
from app.models.groups import (
    ACCESS_KINDS,
    AccessLog,
    AggregateRelease,
    GroupRemoval,
    Meeting,
    Membership,
    MembershipSpan,
    PeerGroup,
    ReachOutRequest,
)
from app.models.ops import AppMeta, Throttle
from app.models.safety import SafetyPlan
from app.models.steps import StepProgress

metadata = SQLModel.metadata

__all__ = [
    "ACCESS_KINDS",
    "ROLES",
    "AccessLog",
    "Account",
    "AggregateRelease",
    "AppMeta",
    "AuthSession",
    "Checkin",
    "CrisisLine",
    "FormerHandle",
    "GroupRemoval",
    "IdempotencyRecord",
    "Meeting",
    "MemberKey",
    "Membership",
    "MembershipSpan",
    "Organization",
    "PeerGroup",
    "ProgressSummary",
    "ReachOutRequest",
    "RecoveryCode",
    "RetiredHandle",
    "SQLModel",
    "SafetyPlan",
    "SecretLocation",
    "Service",
    "ServiceAtLocation",
    "ServiceHours",
    "ServiceLanguage",
    "ServiceTerm",
    "SignIn",
    "StepProgress",
    "Taxonomy",
    "TaxonomyTerm",
    "Throttle",
    "Track",
    "TrustedDevice",
    "metadata",
]
