"""``sloscope demo``: ``sloscope serve``, a demo service sending it metrics, traffic, and
a scripted incident, so a newcomer watches a budget burn within a minute.

``_run.run_demo`` runs it. The demo service (``sloscope.demo.service``) is a FastAPI app
instrumented with ``instrumentation``, run as a child process exporting over OTLP like
any service. Nothing is imported here: the service process imports only what it runs.
"""
