"""The one exception type for user mistakes: the CLI prints it as one line and exits 2."""


class UserError(Exception):
    """A mistake the user can fix (bad flag, unknown model, malformed file); no traceback shown."""
