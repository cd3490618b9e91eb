"""The ML use cases: the registry (registry.py), starting and cancelling jobs (training.py), running
one (run.py, on the `ml` workers), the estimators and their metrics (estimators.py), a job's progress
and log (progress.py) and the retraining schedules (schedules.py)."""
