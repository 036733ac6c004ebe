"""`python -m services.common.migrate [upgrade|downgrade] [revision]`: the schema to a revision
(default: upgrade head), and the storage made ready (the bucket created if missing). Compose and
the Helm chart's Job run this once before the API and workers start."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

INI = Path(__file__).with_name("alembic.ini")


def alembic_config() -> Config:
    return Config(str(INI))


def upgrade(revision: str = "head") -> None:
    command.upgrade(alembic_config(), revision)


def downgrade(revision: str = "base") -> None:
    command.downgrade(alembic_config(), revision)


if __name__ == "__main__":
    from services.common.storage import get_storage

    action = sys.argv[1] if len(sys.argv) > 1 else "upgrade"
    {"upgrade": upgrade, "downgrade": downgrade}[action](*sys.argv[2:3])
    if action == "upgrade":
        get_storage().prepare()
