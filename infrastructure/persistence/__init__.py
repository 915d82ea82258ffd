"""Task storage adapters: in memory and SQL (SQLite, PostgreSQL)."""
