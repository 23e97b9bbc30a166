"""The administration index page (/beheer): links to every screen the user may use, and mail that is waiting."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from exchange.admin import bp
from exchange.extensions import db
from exchange.mail.models import OutgoingMail
from exchange.policy import can, require


@bp.get("/")
def index():
    if not (can(current_user, "user.manage") or can(current_user, "reference.edit")):
        require(current_user, "user.manage")
    failed = OutgoingMail.attempts > 0
    waiting_mail = db.session.scalar(select(func.count(OutgoingMail.id)).where(failed))
    mail_error = db.session.scalar(
        select(OutgoingMail.last_error).where(failed).order_by(OutgoingMail.last_attempt_at.desc()).limit(1)
    )
    return render_template("admin/index.html", waiting_mail=waiting_mail, mail_error=mail_error)
