"""allauth's forms as the portal shows them (ACCOUNT_FORMS). A module of its own: allauth's
forms module reads ACCOUNT_SIGNUP_FORM_CLASS (portal.forms) when it is imported, so
portal.forms cannot import it back."""

from __future__ import annotations

from allauth.account.forms import LoginForm as AllauthLoginForm


class LoginForm(AllauthLoginForm):
    """A refused sign-in names neither field alone ("the e-mail address or the password is not
    correct"), so both are marked invalid and described by the error summary, which a screen
    reader hears first (templates/includes/form_errors.html, role=alert)."""

    def _post_clean(self) -> None:
        super()._post_clean()
        if not self.non_field_errors():
            return
        for name in ("login", "password"):
            if name in self.fields:
                widget = self.fields[name].widget
                described = [part for part in ("error-summary", f"id_{name}_helptext" if self.fields[name].help_text else "") if part]
                widget.attrs.update({"aria-invalid": "true", "aria-describedby": " ".join(described)})
