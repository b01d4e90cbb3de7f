"""The sandbox's Desk API v1 views, one module per resource family (routed by apps/sandbox/api_urls.py)."""
