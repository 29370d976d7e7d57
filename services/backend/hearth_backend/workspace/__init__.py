"""What users build inside organizations and projects: dashboards (with the standard ones), alerts,
notification channels, saved searches, organization API keys — their request/answer models and the SQL
behind them, one module each. The HTTP routes (``/ui-api`` and the public ``/api/v1``) are thin
layers over these in :mod:`hearth_backend.api`."""
