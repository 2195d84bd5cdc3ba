"""Every table, imported in one place so Alembic and relationships see them all."""

from app.models.accounts import ROLES, Account, AuthSession, RecoveryCode
from app.models.base import SQLModel
from app.models.directory import Category
from app.models.ops import AppMeta, Throttle

metadata = SQLModel.metadata

__all__ = [
    "ROLES",
    "Account",
    "AppMeta",
    "AuthSession",
    "Category",
    "RecoveryCode",
    "SQLModel",
    "Throttle",
    "metadata",
]
