"""The zone of the offices qms is made for: Việt Nam, UTC+7, no daylight saving.

Calendars, log profiles and the NC register default to it, and instants are shown
in it. One home for it (it was written out in eight places).
"""

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
