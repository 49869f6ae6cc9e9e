"""The web dashboard: HTML pages from Jinja2 templates, and the files they load.

Pages (``/``, ``/slos/{name}``, ``/services``, ``/services/{name}``, ``/alerts``,
``/dashboards``, ``/dashboards/{name}``, ``/sla``, and the API's interactive docs at
``/docs``) are shells: the layout, the filters as the URL sets
them, and the names in the URL, all autoescaped. They hold no data. Their script
(``static/dashboard.js``) reads the data from the JSON API, which keeps its token: when
``api.token`` is set the page asks for it once and keeps it in the tab's sessionStorage,
sending it as ``Authorization: Bearer``, never in a URL (docs/security.md). Names from
the data enter the page as text (``textContent``), never as HTML.

The alerts page also writes, through the API's documented alert routes only
(acknowledge, resolve, annotate: ``static/alerts.js``); the dashboards pages draw a
dashboard's widgets from the widget API (``static/dashboards.js``). Both scripts load
after ``dashboard.js`` and use its helpers.

Everything a page loads is served from here (``/static``: the script, the style sheet,
uPlot and Swagger UI with their licences); a Content-Security-Policy of ``'self'`` forbids
anything else, inline scripts included.
"""

from __future__ import annotations

from sloscope.web._pages import install_web

__all__ = ["install_web"]
