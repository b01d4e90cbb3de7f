"""Gunicorn settings for scripts/serve.sh and the Dockerfile (``gunicorn -c deskadmin/gunicorn_conf.py``).

The access log never carries a secret: its request line is the path without the query string (``%(U)s``,
not ``%(r)s``), and no referer, so an OAuth callback's ``?code=``, the revoke's ``?token=`` (Zoho documents
only the query form of it) or any other secret in a URL is never written. The application's own log lines
are scrubbed by apps.ops.logs.
"""

accesslog = "-"
access_log_format = '%(h)s - %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
