"""The store: SQLModel tables, migrations, and the queries each stage needs."""
