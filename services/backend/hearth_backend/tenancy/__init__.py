"""Organizations, projects, users, memberships and invitations: SQL in small repository modules.

Each module takes the pool (or a connection inside a caller's transaction) and returns frozen rows;
role rules live in :mod:`hearth_backend.tenancy.roles`, who-may-see-what in
:mod:`hearth_backend.tenancy.access`.
"""
