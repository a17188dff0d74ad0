"""The team workspace on PostgreSQL (issue 13): the server's schema, its claim functions and a Python API over them.

Qt-free and optional: these modules import psycopg, which only the `team` extra installs; nothing outside the team
commands imports them. (session_steps.py imports no psycopg: the calling session uses it in any install.)
"""
