"""The admin's performance dashboard (rolled-up metrics by minute) and the alerts on them."""
