"""Forms of the registry's own pages: the organisation import."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

UPLOAD_SUFFIXES = (".csv", ".xlsx")

SKIP_BAD_ROWS_HELP = _(
    "Import the good rows and list the bad ones. Without this, one bad row means "
    "nothing is imported."
)


class ImportUploadForm(forms.Form):
    """Step 1: choose the file; the next page shows what it would create."""

    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8, comma or semicolon separated) or XLSX (first sheet)."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_SUFFIXES)}),
    )
    skip_bad_rows = forms.BooleanField(
        label=_("Skip bad rows"), required=False, help_text=SKIP_BAD_ROWS_HELP
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in UPLOAD_SUFFIXES:
            raise forms.ValidationError(_("Choose a .csv or .xlsx file."))
        limit = settings.MAX_UPLOAD_BYTES  # DISTRETTO_MAX_UPLOAD_MB
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is too large (%(size)s); the limit is %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        return upload


class ImportConfirmForm(forms.Form):
    """Step 2: import the file that was previewed (kept on the server under ``upload``)."""

    upload = forms.CharField(widget=forms.HiddenInput, max_length=64)
    skip_bad_rows = forms.BooleanField(
        label=_("Skip bad rows"), required=False, help_text=SKIP_BAD_ROWS_HELP
    )
