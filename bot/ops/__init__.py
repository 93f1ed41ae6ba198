"""Operations: running the bot for real and the operators' tools (no chat handlers here).

- operations.py: `start_operations()`, called by `bot.app.run()`: metrics, health, the HTTP
  server (webhook, /healthz, /metrics), maintenance, users' last activity, broadcasts.
- health.py, metrics.py, activity.py, maintenance.py, stats.py: what those are made of.
- backup.py, check.py, first_run.py: `python -m bot backup PATH`, `--check`, the first run.

Kept free of imports: the command-line paths import only what they use.
"""
