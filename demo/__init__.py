"""The demo: a catalog, organizations and users to try corekit with (`manage.py seed_demo`).

Outside the layered apps: it may import any of them, and none imports it.
"""
