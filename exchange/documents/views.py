"""Document pages under /praktijken/<id>/documenten/: the list, adding, describing, removing and downloading.

Visibility follows the practice: whoever may not see the practice gets 404 for its documents and files.
"""

from __future__ import annotations

import logging

from flask import Response, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from exchange.documents import bp, queries, services, storage
from exchange.documents.forms import KIND_LABELS, LANGUAGE_LABELS, DocumentForm, UploadForm
from exchange.errors import STATUS_MESSAGES, Invalid, NotFound, error_response
from exchange.extensions import db
from exchange.forms import ConfirmForm, submit
from exchange.policy import can, require
from exchange.practices.models import Practice

log = logging.getLogger(__name__)

# A downloaded or opened file may never run script, load anything or be framed: it is someone's upload.
DOWNLOAD_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"
)


@bp.app_template_global()
def practice_documents(practice) -> list:
    """The documents listed on a practice's page (the page itself already checked who may see it)."""
    return queries.documents_of(practice)


@bp.app_template_global()
def document_kind_labels() -> dict:
    return {k.value: v for k, v in KIND_LABELS.items()}


@bp.app_template_global()
def document_language_labels() -> dict:
    return LANGUAGE_LABELS


@bp.app_template_filter()
def filesize(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
    return f"{max(1, round(size / 1024))} kB"


def _list(practice):
    return redirect(url_for("documents.index", practice_id=practice.id))


def _labels() -> dict:
    return {"kind_labels": document_kind_labels(), "language_labels": LANGUAGE_LABELS}


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A body over MAX_CONTENT_LENGTH (refused while the CSRF check reads the form): say so on the form."""
    practice_id = (request.view_args or {}).get("practice_id")
    practice = db.session.get(Practice, practice_id) if practice_id is not None else None
    if (
        request.endpoint != "documents.add"
        or practice is None
        or not can(current_user, "document.manage", practice)
    ):
        return error_response(413, "too_large", STATUS_MESSAGES[413])
    form = UploadForm(formdata=None)
    form.file.errors = [_("Het bestand is groter dan %(limit)s.", limit=services.size_label())]
    return render_template("documents/form.html", form=form, practice=practice, document=None), 413


@bp.get("/praktijken/<int:practice_id>/documenten/")
def index(practice_id: int):
    practice = queries.get_practice(current_user, practice_id)
    return render_template(
        "documents/index.html", practice=practice, documents=queries.documents_of(practice), **_labels()
    )


def _document_data(form: DocumentForm) -> services.DocumentData:
    return services.DocumentData(
        title=form.title.data or "",
        kind=form.kind.data,
        document_date=form.document_date.data,
        language=form.language.data,
    )


@bp.route("/praktijken/<int:practice_id>/documenten/nieuw", methods=["GET", "POST"])
@login_required
def add(practice_id: int):
    practice = queries.get_practice(current_user, practice_id)
    require(current_user, "document.manage", practice)
    form = UploadForm()

    def upload():
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", None):
            raise Invalid.on_field("file", _("Kies een bestand."))
        return services.add_document(
            current_user,
            practice,
            _document_data(form),
            upload.filename,
            upload.read(services.max_bytes() + 1),
        )

    saved = submit(form, upload)
    if saved.done:
        flash(_("Het document ‘%(title)s’ is toegevoegd.", title=saved.value.title), "success")
        return _list(practice)
    return render_template("documents/form.html", form=form, practice=practice, document=None), saved.status


@bp.route("/praktijken/<int:practice_id>/documenten/<int:document_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit(practice_id: int, document_id: int):
    document = queries.get_document(current_user, practice_id, document_id)
    practice = document.practice
    require(current_user, "document.manage", practice)
    form = DocumentForm(
        data=None
        if request.method == "POST"
        else {
            "title": document.title,
            "kind": document.kind.value,
            "document_date": document.document_date,
            "language": document.language,
        }
    )
    saved = submit(form, lambda: services.edit_document(current_user, document, _document_data(form)))
    if saved.done:
        flash(_("Het document is bijgewerkt."), "success")
        return _list(practice)
    return render_template(
        "documents/form.html", form=form, practice=practice, document=document
    ), saved.status


@bp.route("/praktijken/<int:practice_id>/documenten/<int:document_id>/verwijderen", methods=["GET", "POST"])
@login_required
def delete(practice_id: int, document_id: int):
    document = queries.get_document(current_user, practice_id, document_id)
    practice = document.practice
    require(current_user, "document.manage", practice)
    form = ConfirmForm()
    title = document.title
    deleted = submit(form, lambda: services.delete_document(current_user, document), refusals=())
    if deleted.done:
        flash(_("Het document ‘%(title)s’ is verwijderd.", title=title), "success")
        return _list(practice)
    return render_template(
        "documents/delete.html", form=form, practice=practice, document=document, **_labels()
    ), deleted.status


@bp.get("/praktijken/<int:practice_id>/documenten/<int:document_id>/bestand")
def download(practice_id: int, document_id: int) -> Response:
    document = queries.get_document(current_user, practice_id, document_id)
    path = storage.path_of(document.sha256)
    if not path.is_file():
        log.error("Document %s has no file %s; run `flask documents check`", document.id, path)
        raise NotFound(_("Het bestand van dit document ontbreekt. De beheerder is op de hoogte gebracht."))
    response = send_file(
        path,
        mimetype=document.media_type,
        as_attachment=not document.is_inline,
        download_name=document.filename,
        etag=document.sha256,
        conditional=True,
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
