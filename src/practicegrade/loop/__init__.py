"""The mentoring loop: practice log, milestones met, acknowledgements, review, showcase, cohort.

One module per concern, pure functions between typed data; the Click commands that read
and write files and git live in :mod:`practicegrade.loop.commands`.
"""
