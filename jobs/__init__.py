"""Background scoring: jobs queued for the scorer and the workers that run them.

- ``jobs.worker.ScoringWorker``: claims queued answers from the database, scores them, stores the
  assessments (``python -m jobs worker`` runs one; the app runs one per process through
  ``jobs.service.DatabaseScoringService``, which owns the models and streams feedback).
- ``jobs.live_queue.LiveScoringQueue``: an in-memory first-in-first-out queue for the Live scoring
  page, whose results are not stored.
- ``jobs.status``: the job states and snapshots both speak.
- ``jobs.loadbench``: the load benchmark.
"""
