"""Celery tasks: thin wrappers that call the sweeps. (Filled in by the notifications work.)"""
from celery import shared_task


@shared_task(soft_time_limit=50, time_limit=60, ignore_result=True)
def deliver_outbox():
    from .sweeps import sweep_outbox

    return sweep_outbox()
