"""Agent-based simulator of rural poverty alleviation (targeted poverty alleviation, 2014-2020)."""
