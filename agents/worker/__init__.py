"""Always-on workers: claim cases that need triage with a lease, run the graph to review (in batches
when a backlog waits), run the dispatcher and periodic jobs; and the mailbox reader.

Every class here takes its collaborators through the constructor; `agents/cli_worker.py` builds them.
"""
