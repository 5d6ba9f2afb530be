"""The domain models (transitional: everything still lives in ``tickets.py``)."""

from .tickets import *  # noqa: F403
from .tickets import _purge_flag  # noqa: F401
