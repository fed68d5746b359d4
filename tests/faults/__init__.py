"""Fault injection for the worker-crash tests, installed only by config.settings.test.

With COREKIT_FAULT_QUOTE_DELAY_S > 0, a quote being generated pauses that long after it is
priced and before its PDF and its write, so a test can kill the worker mid-generation.
Production code carries no hook for it: the pause wraps `orders.services.pricing_json`.
"""
