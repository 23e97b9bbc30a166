"""Account services, one module per concern; callers import the module that owns the function.

Every function that acts for someone takes the acting user first and asks the policy before anything else.
They flush and never commit; mail is queued and leaves only after the caller's commit.
"""
