"""Personal data: the export of everything held about an account holder (GDPR art. 15 and 20).

It reads every domain (accounts, practices, digests, the audit log), so it sits above them all.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("account_export", __name__)
