"""Search across everything a person may see: projects, drafts, threads and comments."""
