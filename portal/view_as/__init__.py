"""View as client: staff on an account read the portal as one of the client's people,
read-only, to see exactly what that person sees (``mode``: the mode itself; ``views``: starting
and stopping it)."""
