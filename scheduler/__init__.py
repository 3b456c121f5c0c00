"""Scheduled work: APScheduler 3.x with its jobs persisted in the application database (scheduler.service)
and the jobs themselves as plain functions of a JobContext (scheduler.jobs), which tests call directly."""
