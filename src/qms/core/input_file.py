"""What kind of thing a path names, said plainly before anything opens it.

"No such file" for a FIFO would be wrong, and opening one would block forever;
a device would stream without end. Only regular files are read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import QmsError
from .i18n import _


def check_regular_file(path: Path) -> None:
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise QmsError(_("{path}: symbolic links that point at each other (a loop)").format(path=path)) from None
        if error.errno == errno.EACCES:
            raise QmsError(_("{path}: no permission to read it").format(path=path)) from None
        if os.path.islink(path):
            raise QmsError(_("{path}: a symbolic link to a file that does not exist").format(path=path)) from None
        raise QmsError(_("{path}: no such file").format(path=path)) from None
    if stat.S_ISDIR(mode):
        raise QmsError(_("{path}: a folder, not a file").format(path=path))
    if stat.S_ISFIFO(mode):
        raise QmsError(_("{path}: a named pipe (FIFO), not a file; save the data to a file first").format(path=path))
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise QmsError(_("{path}: a device, not a file").format(path=path))
    if stat.S_ISSOCK(mode):
        raise QmsError(_("{path}: a socket, not a file").format(path=path))
    if not stat.S_ISREG(mode):
        raise QmsError(_("{path}: not a regular file").format(path=path))
