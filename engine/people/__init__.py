"""People: who signs in (directory), what each may do (rights), and their work desk (inbox and tasks)."""
from . import token_table  # noqa: F401  (the API tokens' tables join the schema's metadata)
from .directory import ROLES, Directory, User
from .rights import Rights

__all__ = ["ROLES", "Directory", "Rights", "User"]
