"""Field reps: creation with a short unique code.

Why: the code travels in a wa.me link and may be typed by hand, so it is short, upper-case and
free of look-alike characters.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Rep

REP_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
"""No 0/O, 1/I/L or U: codes are read off posters and typed."""


class RepExists(Exception):
    """Raised when a rep with this phone number already exists."""


def add_rep(session: Session, name: str, phone: str) -> Rep:
    """Create a rep with a fresh 6-character code.

    Raises:
        RepExists: a rep already has this phone number.
    """
    if session.scalar(select(Rep).where(Rep.phone == phone)) is not None:
        raise RepExists(phone)
    for _ in range(20):
        code = "R" + "".join(secrets.choice(REP_CODE_ALPHABET) for _ in range(5))
        try:
            with session.begin_nested():
                rep = Rep(name=name, phone=phone, code=code)
                session.add(rep)
                session.flush()
            return rep
        except IntegrityError:
            continue
    raise RuntimeError("could not find a free rep code")
