"""Alerts: evaluation (:mod:`.evaluator`, rules in :mod:`.modes`) and notification delivery
(:mod:`.delivery`, bodies in :mod:`.messages`), sharing the alert tables through :mod:`.store`."""

from hearth_maintenance.jobs.alerts.delivery import NotificationsJob
from hearth_maintenance.jobs.alerts.evaluator import AlertsJob
from hearth_maintenance.jobs.alerts.query import AlertQueries

__all__ = ["AlertQueries", "AlertsJob", "NotificationsJob"]
