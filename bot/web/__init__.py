"""The FastAPI application: webhooks, the demo chat page and (later) the staff console."""
