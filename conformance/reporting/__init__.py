"""Reporting and CI: what a run's ``Report`` becomes.

``formats`` (text, JSON, JUnit), ``html``, ``github`` (annotations and the job summary),
``baseline`` (known failures), ``saved`` (failures kept for ``conformance replay``),
``redaction`` (the token masked in all of them), ``created`` (the ids of what a run
created) and ``run_info`` (the run's settings as reports show them). Nothing here sends a
request.
"""
