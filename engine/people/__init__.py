"""People: who signs in (directory), what each may do (rights), and their work desk (inbox and tasks)."""
from .directory import ROLES, Directory, User
from .rights import Rights

__all__ = ["ROLES", "Directory", "Rights", "User"]
