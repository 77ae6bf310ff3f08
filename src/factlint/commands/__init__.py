"""Command implementations behind the thin CLI (imported lazily to keep --help fast)."""
