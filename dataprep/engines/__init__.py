"""Engines that run the per-shard map phase: local processes and Ray."""
