"""The read side: what pages show, in SQL only; nothing here changes data or asks the engine."""
