"""Who may log in to the web workspace: passwords (argon2id), API tokens and login
throttling, for the users named in `qms.yaml`. Users and roles stay in that file;
only credentials live in the register database."""

from .credentials import authenticate, disable_user, set_password, user_state
from .throttle import LoginThrottled
from .tokens import issue_token, user_for_token

__all__ = ["LoginThrottled", "authenticate", "disable_user", "issue_token", "set_password", "user_for_token",
           "user_state"]
