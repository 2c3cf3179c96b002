"""The coach's memory: SQLite through sqlite-utils, named migrations, one transaction per turn."""
