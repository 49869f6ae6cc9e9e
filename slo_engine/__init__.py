"""SLO specs, SLI SQL, error budgets, burn rates and SLA reports."""

__all__: list[str] = []
