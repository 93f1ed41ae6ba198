"""Order logic in plain async functions over the panel client and storage (no Telegram)."""
