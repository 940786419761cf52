"""The hub's database: schema, engine and migrations."""
