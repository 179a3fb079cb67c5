"""`csp web`: the coordinator's desk and the leads' update form, server-rendered pages over
the same services as the CLI and the daemon. No rule lives here: a page reads the request,
calls a service, and renders a template from templates/web/."""
