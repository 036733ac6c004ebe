"""The Alembic migrations on a fresh PostgreSQL database (and on the embedded SQLite default):
upgrade to head, downgrade to base, upgrade again, one revision at a time too; and the models
match what the migrations build."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Engine

from services.common.migrate import alembic_config
from services.common.models import Base
from benchmarks import stack

TABLES = set(Base.metadata.tables)
REVISIONS = [r.revision for r in reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))]


@pytest.fixture(params=["postgresql", "sqlite"])
def fresh_database(request, tmp_path) -> Iterator[tuple[dict[str, str], Engine]]:
    """An empty database; yields the services' environment for it and an engine on it."""
    if request.param == "postgresql":
        name, url = stack.create_database()
    else:
        name, url = None, f"sqlite:///{tmp_path / 'tunescribe.db'}"
    env = stack.service_env(tmp_path, url, "memory://")  # migrations never touch the broker
    engine = create_engine(url)
    yield env, engine
    engine.dispose()
    if name:
        stack.drop_database(name)


def migrate(env: dict[str, str], action: str, revision: str) -> None:
    """Through the command compose's one-shot migration service runs."""
    out = subprocess.run([stack.PYTHON, "-m", "services.common.migrate", action, revision], env=env,
                         cwd=stack.ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def columns(engine: Engine) -> dict[str, frozenset[str]]:
    """Each table's columns and unique constraints (a migration may add only a constraint)."""
    inspector = inspect(engine)
    return {t: frozenset(c["name"] for c in inspector.get_columns(t)) |
            frozenset(f"unique {u['name']}" for u in inspector.get_unique_constraints(t)) for t in tables(engine)}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_upgrade_downgrade_upgrade(fresh_database):
    env, engine = fresh_database
    assert tables(engine) == set()
    migrate(env, "upgrade", "head")
    assert tables(engine) == TABLES and current_revision(engine) == REVISIONS[-1]
    migrate(env, "downgrade", "base")
    assert tables(engine) == set() and current_revision(engine) is None
    migrate(env, "upgrade", "head")
    assert tables(engine) == TABLES and current_revision(engine) == REVISIONS[-1]


def test_each_revision_downgrades_to_the_one_before(fresh_database):
    env, engine = fresh_database
    seen: list[dict[str, frozenset[str]]] = [{}]
    for revision in REVISIONS:
        migrate(env, "upgrade", revision)
        seen.append(columns(engine))
        assert current_revision(engine) == revision and seen[-1] != seen[-2], revision  # each changes the schema
    for i in range(len(REVISIONS) - 1, -1, -1):
        migrate(env, "downgrade", REVISIONS[i - 1] if i else "base")
        assert columns(engine) == seen[i], REVISIONS[i]


def test_models_match_the_migrations(fresh_database):
    env, engine = fresh_database
    migrate(env, "upgrade", "head")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == [], "models and migrations differ; write a migration:\n" + "\n".join(map(str, diff))


def test_revisions_form_one_line():
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1 and len(script.get_bases()) == 1
    assert Path(script.dir).is_relative_to(stack.ROOT / "services" / "common")


def test_revisions_migration_keeps_the_files_of_existing_jobs(fresh_database):
    """0006 up with data: every existing artifact is its original's (revision 0); down: the
    revisions and their artifacts go, the originals stay."""
    from sqlalchemy import text

    env, engine = fresh_database
    migrate(env, "upgrade", "0005")
    user, job = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
    if engine.dialect.name == "sqlite":  # SQLAlchemy's Uuid keeps 32 hex digits there
        user, job = user.replace("-", ""), job.replace("-", "")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, email, password_hash, is_admin, created_at) "
                          "VALUES (:u, 'a@example.com', 'x', false, CURRENT_TIMESTAMP)"), {"u": user})
        conn.execute(text("INSERT INTO jobs (id, user_id, status, stage, progress, title, filename, size_bytes, "
                          "instrument, attempts, created_at, queued_at) VALUES (:j, :u, 'succeeded', 'done', 1, 't', "
                          "'a.wav', 1, 'auto', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"j": job, "u": user})
        conn.execute(text("INSERT INTO artifacts (job_id, kind, key, content_type, size_bytes, created_at) "
                          "VALUES (:j, 'midi', 'k/midi.mid', 'audio/midi', 1, CURRENT_TIMESTAMP)"), {"j": job})
    migrate(env, "upgrade", "0006")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT kind, revision FROM artifacts")).all() == [("midi", 0)]
        conn.execute(text("INSERT INTO revisions (id, job_id, number, status, progress, edits, created_at, queued_at) "
                          "VALUES (:r, :j, 1, 'succeeded', 1, '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                     {"r": job.replace("2", "3"), "j": job})
        conn.execute(text("INSERT INTO artifacts (job_id, kind, revision, key, content_type, size_bytes, created_at) "
                          "VALUES (:j, 'midi', 1, 'k/r1/midi.mid', 'audio/midi', 1, CURRENT_TIMESTAMP)"), {"j": job})
    migrate(env, "downgrade", "0005")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT kind, key FROM artifacts")).all() == [("midi", "k/midi.mid")]
    assert "revisions" not in tables(engine)
    migrate(env, "upgrade", "head")
