from alembic.script import ScriptDirectory

from dispatch.extensions import db


def test_there_is_a_single_alembic_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads} — merge them"


def test_migrations_match_the_models(app):
    """The models and the migrated schema agree: autogenerate finds nothing to add or drop."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    # Type-level noise aside (none expected), any table/column/index difference is a missing migration.
    structural = [
        d
        for d in diff
        if d[0] in ("add_table", "remove_table", "add_column", "remove_column", "add_index", "remove_index")
    ]
    assert structural == []
